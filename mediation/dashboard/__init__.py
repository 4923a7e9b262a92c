"""The home page: each role's dashboard, drawn from cases and alerts alike."""
