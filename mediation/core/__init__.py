"""Shared plumbing: time, money, identifiers, errors, pagination."""
