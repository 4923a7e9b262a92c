"""The sweep: claim the cases whose `next_check_at` has come, evaluate them, commit per batch.

Its cost grows with the number of due cases, not with all open cases: the claim is an index
range scan on `next_check_at`. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so several
sweepers (or a second scheduler started by mistake) share the work and never raise an alert
twice (alerts also have a unique key). A crash loses at most the batch in flight, which the next
sweep redoes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from mediation.cases.models import Case
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import take_write_lock
from mediation.extensions import db
from mediation.warnings.batch import BatchOutcome
from mediation.warnings.engine import process_cases
from mediation.warnings.incident_alerts import sweep_incidents
from mediation.warnings.notice_alerts import sweep_notices
from mediation.warnings.project_alerts import sweep_projects
from mediation.warnings.settings import current_settings

log = logging.getLogger(__name__)
DEFAULT_BATCH = 500


def claim_due(now: datetime, batch_size: int, only: int | None = None) -> list[int]:
    stmt = (
        select(Case.id)
        .where(Case.next_check_at <= now)
        .order_by(Case.next_check_at)
        .limit(batch_size)
    )
    if only is not None:
        stmt = stmt.where(Case.id == only)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


RETRY_FAILED_CASE_AFTER = timedelta(hours=1)


def _one_by_one(ids: list[int], now: datetime, settings: dict) -> BatchOutcome:
    """After a failed batch: process each case alone, so one bad case cannot stop the sweep
    for all the others; a case that fails again is looked at again in an hour."""
    total = BatchOutcome()
    for case_id in ids:
        take_write_lock()
        claimed = claim_due(now, 1, only=case_id)
        if not claimed:
            db.session.rollback()
            continue
        try:
            total.add(process_cases(claimed, now, settings))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("sweep: case %s fails its rules; next look in an hour", case_id)
            db.session.execute(
                update(Case.__table__)
                .where(Case.__table__.c.id == case_id)
                .values(next_check_at=now + RETRY_FAILED_CASE_AFTER)
            )
            db.session.commit()
    return total


def sweep(
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
    max_batches: int = 10_000,
    *,
    dry_run: bool = False,
) -> BatchOutcome:
    """Process every due case, batch by batch; returns what was checked, raised, climbed and
    resolved.

    `dry_run` keeps every batch in one open transaction (flushed, never committed) for the
    caller to read and then roll back: nothing is written and no notification is queued (the
    CLI's default for a `--now` in the future)."""
    now = ensure_utc(now or utcnow())
    total = BatchOutcome()
    settings = current_settings()
    db.session.commit()
    for _ in range(max_batches):
        take_write_lock()
        ids = claim_due(now, batch_size)
        if not ids:
            db.session.rollback()
            break
        try:
            outcome = process_cases(ids, now, settings)
            if dry_run:
                db.session.flush()
            else:
                db.session.commit()
        except Exception:
            db.session.rollback()
            if dry_run:
                raise
            log.exception("sweep batch failed; checking its cases one by one")
            outcome = _one_by_one(ids, now, settings)
        total.add(outcome)
        if len(ids) < batch_size:
            break
    # the mass incidents' report chains and their alerts' climb (docs/incidents.md)
    total.add(sweep_incidents(now, settings, batch_size))
    # the construction projects' alerts (docs/enterprise-file.md "Construction projects")
    total.add(sweep_projects(now, settings, batch_size))
    # supervision notices whose rectification falls overdue (docs/enterprise-file.md)
    total.add(sweep_notices(now, settings, batch_size))
    return total
