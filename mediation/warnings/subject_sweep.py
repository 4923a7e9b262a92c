"""The sweep's part for a subject of alerts other than a case (an incident, a construction
project, a supervision notice): claim the rows whose `next_check_at` has come, a batch at a
time, evaluate them and commit per batch. One copy for every such subject, so the three stay
alike in how they claim, retry and give up on a bad batch."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from mediation.core.db import take_write_lock
from mediation.extensions import db
from mediation.warnings.batch import BatchOutcome

log = logging.getLogger(__name__)

# a batch that fails is looked at again after this long, not at once (nor never)
RETRY_FAILED_AFTER = timedelta(hours=1)


def claim_due(model: Any, now: datetime, batch_size: int) -> list[int]:
    """The ids of the rows due a look, soonest first; on PostgreSQL locked and skipped by a
    second sweeper."""
    stmt = (
        select(model.id)
        .where(model.next_check_at <= now)
        .order_by(model.next_check_at)
        .limit(batch_size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def sweep_subjects(
    model: Any,
    process: Callable[[list[int], datetime, dict], BatchOutcome],
    noun: str,
    now: datetime,
    settings: dict,
    batch_size: int,
) -> BatchOutcome:
    """Batch by batch, a commit per batch; one bad batch must not stop the sweep for good."""
    total = BatchOutcome()
    while True:
        take_write_lock()
        ids = claim_due(model, now, batch_size)
        if not ids:
            db.session.rollback()
            return total
        try:
            total.add(process(ids, now, settings))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("sweep: %s %s fail their alerts; next look in an hour", noun, ids)
            db.session.execute(
                update(model.__table__)
                .where(model.__table__.c.id.in_(ids))
                .values(next_check_at=now + RETRY_FAILED_AFTER)
            )
            db.session.commit()
        if len(ids) < batch_size:
            return total
