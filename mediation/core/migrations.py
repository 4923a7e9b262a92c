"""Alembic hooks shared by `flask db` and the schema tests."""

from __future__ import annotations

import sqlalchemy as sa

from mediation.core.types import UTCDateTime

# Tables that belong to libraries, not to our models (APScheduler keeps its job store here).
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def render_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Compare our decorated types by the type they store as."""
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, sa.DateTime)
    return None
