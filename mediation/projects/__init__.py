"""Construction projects under the wage-payment regulation (docs/enterprise-file.md "Construction projects")."""
