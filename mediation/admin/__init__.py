"""The administrators' pages: users and organizations (services live in `accounts` and `orgs`)."""
