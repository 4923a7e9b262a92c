"""The enterprise's labour-relations survey: contracts, the union, the collective contract and
democratic management, year by year (docs/enterprise-file.md "Labour-relations survey")."""
