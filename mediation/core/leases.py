"""Leases and once-markers in the database, so that any number of processes can run the same
scheduled jobs (docs/architecture.md "Scheduler").

A lease (`job_leases`) names a job, its holder and when the holding ends: `take_lease` takes it
when nobody holds it, its holding expired, or the caller already holds it; `release_lease` gives
it back. A holder that dies keeps it only until it expires. Each step is one short transaction of
its own, committed at once, so that the job run between them sees nothing of it. The same row
works on SQLite and PostgreSQL.

A marker (`job_marks`) records that something was done once for good (a day's digest): `mark_once`
inserts it in the caller's transaction and says whether it was new, so that the work and its
marker are committed together and a second run, even long after the lease expired, finds the
marker and does nothing.

The same table keeps heartbeats: `beat` moves a named marker's time to now (the scheduler's,
every minute), and `last_beat` reads it, so that `/healthz` can tell whether some scheduler is
alive (core/health.py).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, String, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from mediation.core.clock import ensure_utc, utcnow
from mediation.core.types import UTCDateTime
from mediation.extensions import Model, db

NAME_LENGTH = 100
HOLDER_LENGTH = 200


class JobLease(Model):
    """Who runs a named job now, and until when."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    holder: Mapped[str] = mapped_column(String(HOLDER_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobMark(Model):
    """Something done once for good, by name (`warnings.digest:2026-12-05`), or the last time
    something was seen alive (`scheduler.heartbeat`)."""

    __tablename__ = "job_marks"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def new_holder() -> str:
    """A name for this process's scheduler: host, process id and a random part (a process may
    build more than one app, as the tests do)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:HOLDER_LENGTH]


def _insert(table: Any) -> Any:
    """An INSERT that does nothing when the key exists (both dialects know ON CONFLICT). Its
    RETURNING tells whether it inserted: psycopg's row count of such an INSERT is -1."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"leases need ON CONFLICT, which {dialect} lacks")


def _rowcount(result: Any) -> int:
    return cast("CursorResult[Any]", result).rowcount


def take_lease(name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take the lease `name` for `ttl` if it is free, expired or already ours; commit at once.

    Each statement is atomic: of two processes that try at the same moment, the row's lock
    (PostgreSQL) or the database's write lock (SQLite) lets one change it and the other find it
    changed, so exactly one is told True."""
    now = ensure_utc(now or utcnow())
    table = JobLease.__table__
    try:
        inserted = db.session.execute(
            _insert(table)
            .values(name=name, holder=holder, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(table.c.name)
        ).first()
        if inserted is not None:
            db.session.commit()
            return True
        taken = db.session.execute(
            update(table)
            .where(table.c.name == name, or_(table.c.expires_at < now, table.c.holder == holder))
            .values(holder=holder, expires_at=now + ttl)
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return _rowcount(taken) == 1


def release_lease(name: str, holder: str) -> None:
    """Give the lease back, if it is still ours, so that the next run need not wait for it to
    expire; commit at once."""
    table = JobLease.__table__
    try:
        db.session.execute(
            update(table)
            .where(table.c.name == name, table.c.holder == holder)
            .values(expires_at=ensure_utc(utcnow()) - timedelta(microseconds=1))
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def mark_once(name: str, now: datetime | None = None) -> bool:
    """Insert the marker `name` in the caller's transaction: True if it is new, False if it
    was there already (or another transaction has just inserted it and committed; PostgreSQL
    makes this one wait for that one's outcome). Nothing is committed here."""
    table = JobMark.__table__
    inserted = db.session.execute(
        _insert(table)
        .values(name=name, marked_at=ensure_utc(now or utcnow()))
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(table.c.name)
    ).first()
    return inserted is not None


def beat(name: str, now: datetime | None = None) -> None:
    """Set the marker `name` to now (insert it the first time); commit at once."""
    now = ensure_utc(now or utcnow())
    table = JobMark.__table__
    try:
        db.session.execute(
            _insert(table)
            .values(name=name, marked_at=now)
            .on_conflict_do_update(index_elements=["name"], set_={"marked_at": now})
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def last_beat(name: str) -> datetime | None:
    """When the marker `name` was last set, if ever."""
    value = db.session.scalar(select(JobMark.marked_at).where(JobMark.name == name))
    return None if value is None else ensure_utc(value)
