"""Alembic hooks shared by `flask db` and the schema tests."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import sqlalchemy as sa

from mediation.core.types import UTCDateTime

# Tables that belong to libraries, not to our models (APScheduler keeps its job store here).
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(
    obj: Any,
    name: str | None,
    type_: str,
    reflected: bool,
    compare_to: Any,
    *,
    dialect: str | None = None,
) -> bool:
    """Leave out the libraries' tables, and (given the database's `dialect`) the models' objects
    that are not created on that dialect (`ddl_if`, e.g. the PostgreSQL-only trigram indexes):
    Alembic's comparison does not read `ddl_if` (sqlalchemy/alembic#1491) and would report them
    missing on SQLite, where `create_all` does not create them either."""
    if type_ == "table" and name in FOREIGN_TABLES:
        return False
    return reflected or dialect is None or created_on(obj, dialect)


def created_on(obj: Any, dialect: str) -> bool:
    """Whether `create_all` creates the schema item `obj` on `dialect` (its `ddl_if`)."""
    condition = getattr(obj, "_ddl_if", None)  # set by SchemaItem.ddl_if()
    if condition is None or condition.dialect is None:
        return True
    wanted = condition.dialect
    return dialect == wanted if isinstance(wanted, str) else dialect in wanted


def object_filter(dialect: str) -> Callable[..., bool]:
    """`include_object` for a database of `dialect` (Alembic's `include_object` option)."""
    return partial(include_object, dialect=dialect)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Compare our decorated types by the type they store as."""
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, sa.DateTime)
    return None
