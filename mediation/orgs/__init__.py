"""Organizations of the three-tier union network and the scope queries built on them."""
