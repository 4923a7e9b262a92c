"""Small helpers shared by the tests: China-time moments, database read-backs and a free port."""

from __future__ import annotations

import re
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from mediation.cases.models import Case
from mediation.core.clock import ensure_utc
from mediation.extensions import db
from mediation.warnings.models import Alert

# --- time -----------------------------------------------------------------------------------------

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


# China time, which the statutory clocks follow (the default TIMEZONE)
CHINA = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    """A China-time moment, as UTC."""
    return ensure_utc(datetime(*args, tzinfo=CHINA))


# Monday 2 March 2026, 10:00 China time: a working morning of an ordinary week (no holiday, no
# 调休), outside the notification quiet hours.
T0 = local(2026, 3, 2, 10, 0)


# --- the database ---------------------------------------------------------------------------------


def count(model) -> int:
    """How many rows the model's table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def reload(case: Case | int) -> Case:
    """The case (or the case with that id) read afresh from the database."""
    db.session.expire_all()
    return db.session.get(Case, case if isinstance(case, int) else case.id)


def alert_of(case_id: int, rule: str) -> Alert:
    """The case's alert of that rule, read afresh from the database."""
    db.session.expire_all()
    return db.session.scalar(select(Alert).where(Alert.case_id == case_id, Alert.rule == rule))


# --- the network ----------------------------------------------------------------------------------


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (when asked)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StatementCounter:
    """Counts the SQL statements run inside a `with` block: by `engine`, or by every engine of
    the current application (on PostgreSQL, read-only requests have an engine of their own)."""

    def __init__(self, engine=None) -> None:
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []
        self.parameters: list = []

    def _listener(self, conn, cursor, statement, parameters, *args) -> None:
        self.count += 1
        self.statements.append(statement)
        self.parameters.append(parameters)

    def _engines(self) -> list:
        if self.engine is not None:
            return [self.engine]
        from mediation.core.db import engines

        return engines()

    def __enter__(self) -> StatementCounter:
        from sqlalchemy import event

        self._listening = self._engines()
        for engine in self._listening:
            event.listen(engine, "before_cursor_execute", self._listener)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        for engine in self._listening:
            event.remove(engine, "before_cursor_execute", self._listener)


# The trigram indexes of the free-text search (PostgreSQL only): name -> (table, column)
TRIGRAM_INDEXES = {
    "ix_cases_number_trgm": ("cases", "number"),
    "ix_cases_title_trgm": ("cases", "title"),
    "ix_enterprises_name_trgm": ("enterprises", "name"),
}


def trigram_indexes(conn) -> dict[str, tuple[str, str]]:
    """The GIN trigram indexes (`gin_trgm_ops`) of the current schema on PostgreSQL:
    name -> (table, column). Alembic's comparison of the schema with the models looks at an
    index's name and columns, not at its access method nor its operator class."""
    rows = conn.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
    )
    found = {}
    for name, definition in rows:
        match = re.fullmatch(
            r"CREATE INDEX \S+ ON (?:\S+\.)?(\w+) USING gin \((\w+) gin_trgm_ops\)", definition
        )
        if match:
            found[name] = (match[1], match[2])
    return found
