"""Union labour-law supervision: notices to enterprises and their follow-up (docs/enterprise-file.md)."""
