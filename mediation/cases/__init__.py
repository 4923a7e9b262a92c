"""Cases: the data, the lifecycle machine, the services that change them, and their pages."""
