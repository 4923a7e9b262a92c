"""The daily job that queues the returns' due-date reminders, under its lease like the warning
jobs (docs/architecture.md "Scheduler")."""

from __future__ import annotations

import logging

from mediation.core.clock import utcnow
from mediation.warnings.jobs import leased

log = logging.getLogger(__name__)


def reminder_job() -> None:
    from mediation.returns.reminders import queue_due_reminders

    with leased("returns.reminders") as ours:
        if not ours:
            return
        queued = queue_due_reminders(utcnow())
        if queued:
            log.info("returns: %d due-date reminders queued", queued)
