"""Hardship files and aid (困难职工档案): docs/worker-services.md "Hardship files"."""
