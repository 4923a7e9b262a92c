"""The daily job of the circuit court: tomorrow's reminders, under its lease."""

from __future__ import annotations

import logging

from mediation.core.clock import utcnow
from mediation.warnings.jobs import leased

log = logging.getLogger(__name__)


def reminder_job() -> None:
    from mediation.hearings.services import queue_reminders

    with leased("hearings.reminders") as ours:
        if ours:
            log.info("hearing reminders: %d queued", queue_reminders(utcnow()))
