"""The daily job that queues the hardship files' review reminders, under its lease like the
warning jobs (docs/architecture.md "Scheduler")."""

from __future__ import annotations

import logging

from mediation.core.clock import utcnow
from mediation.warnings.jobs import leased

log = logging.getLogger(__name__)


def review_reminder_job() -> None:
    from mediation.hardship.services import queue_review_reminders

    with leased("hardship.reviews") as ours:
        if not ours:
            return
        queued = queue_review_reminders(utcnow())
        if queued:
            log.info("hardship reviews: %d reminders queued", queued)
