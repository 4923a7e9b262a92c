"""Mass incidents of workers (群体性事件) and their report chain (docs/incidents.md)."""
