"""The daily job of the joint meetings: notices of overdue action items, under its lease."""

from __future__ import annotations

import logging

from mediation.core.clock import utcnow
from mediation.warnings.jobs import leased

log = logging.getLogger(__name__)


def overdue_job() -> None:
    from mediation.meetings.services import queue_overdue_notices

    with leased("meetings.overdue") as ours:
        if ours:
            log.info("overdue action items: %d notices queued", queue_overdue_notices(utcnow()))
