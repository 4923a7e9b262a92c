"""The registry of employers that cases are brought against."""
