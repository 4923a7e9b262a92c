"""The report's parts read at the same time in worker threads (PostgreSQL), each on a connection
of the statistics' own engine: every thread, engine and semaphore of the statistics is here.

They are independent statements of a few hundred milliseconds each over a million cases, and
each one runs on one core, so `Rollups.prefetch()` hands the missing ones to up to
`STATS_CONCURRENCY` workers. Like the statements of one READ COMMITTED transaction, each sees
the data as of its own start."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from mediation.accounts.models import Role, User
from mediation.accounts.scope import remember_scope, scope_org_ids
from mediation.extensions import db
from mediation.reports.stats.periods import Period

if TYPE_CHECKING:
    from mediation.reports.stats.dialect import Dialect

# a part of a report: (dialect, user, period, organization, now) -> its figures
Part = Callable[..., Any]


@dataclass(frozen=True)
class Viewer:
    """What the statistics read of a user in a worker thread (the scope rule needs no more)."""

    id: int
    role: Role
    organization_id: int | None


def read_concurrently(
    parts: Mapping[str, Part],
    workers: int,
    dialect: Dialect,
    user: User,
    period: Period,
    org_id: int | None,
    now: datetime,
) -> Iterator[tuple[str, Any]]:
    """(name, figures) of each part, in the order given, read by `workers` threads at once. On
    an error, the parts not started yet are not started."""
    jobs = {name: (part, period) for name, part in parts.items()}
    for (name, _period), figures in read_jobs(jobs, workers, dialect, user, org_id, now):
        yield name, figures


def read_jobs(
    jobs: Mapping[Any, tuple[Part, Period]],
    workers: int,
    dialect: Dialect,
    user: User,
    org_id: int | None,
    now: datetime,
) -> Iterator[tuple[tuple[Any, Period], Any]]:
    """((key, period), figures) of each job (a part over a period), in the order given, read by
    `workers` threads at once: the parts of several periods of one report (`summary.compare`)
    share the workers. On an error, the jobs not started yet are not started."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # (a LocalProxy)
    # what the workers need of the viewer, read here: ORM objects belong to this thread's
    # session, and the scope must be the one this request authenticated with
    viewer = Viewer(user.id, user.role, user.organization_id)
    scope_ids = None
    if user.role != Role.admin:
        scope_ids = scope_org_ids(user)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stats")
    try:
        futures = {
            (key, period): pool.submit(
                _part_in_own_session, app, part, dialect, viewer, scope_ids, period, org_id, now
            )
            for key, (part, period) in jobs.items()
        }
        for key, future in futures.items():
            yield key, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _part_in_own_session(
    app: Flask,
    part: Part,
    dialect: Dialect,
    viewer: Viewer,
    scope_ids: Any,
    period: Period,
    org_id: int | None,
    now: datetime,
) -> Any:
    """One part of a report, in a worker thread: an application context and a session of its
    own, on a connection of the statistics' own engine (`_worker_engine`), the request's scope
    handed over as it was read."""
    engine, slots = _worker_engine(app)
    with slots, app.app_context():
        if scope_ids is not None:
            remember_scope(viewer.organization_id, scope_ids, outside_request=True)
        session = Session(bind=engine)
        # this app context's `db.session`: a plain Session, on the statistics' own engine
        db.session.registry.set(session)  # type: ignore[arg-type]
        try:
            dialect.prepare()
            return part(dialect, viewer, period, org_id, now)
        finally:
            session.rollback()
            db.session.remove()


_worker_engine_lock = threading.Lock()


def _worker_engine(app: Flask) -> tuple[Engine, threading.BoundedSemaphore]:
    """The statistics workers' engine and how many may run at once in this process.

    Workers never take connections from the application's pool: a request doing statistics
    already holds one there while it waits for its workers, so enough such requests at once
    would leave the workers no connection and everyone waiting. The workers' engine keeps no
    connections (`NullPool`: a connection costs a few milliseconds against statements of
    hundreds), and a semaphore of `STATS_CONCURRENCY` bounds them per process."""
    with _worker_engine_lock:
        found = app.extensions.get("stats_workers")
        if found is None:
            options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
            for pool_option in ("pool_size", "max_overflow", "pool_timeout", "pool_recycle"):
                options.pop(pool_option, None)
            url = app.config["SQLALCHEMY_DATABASE_URI"]
            engine = create_engine(url, poolclass=NullPool, **options)
            slots = threading.BoundedSemaphore(max(1, app.config.get("STATS_CONCURRENCY", 1)))
            found = app.extensions["stats_workers"] = (engine, slots)
        return found
