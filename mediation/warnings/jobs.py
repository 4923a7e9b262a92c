"""Scheduler jobs, referenced by import path with plain arguments (so a persistent job store can
hold them). They run with the app the scheduler was started for."""

from __future__ import annotations

import logging

from flask import Flask
from flask.ctx import AppContext

from mediation.core.clock import utcnow

log = logging.getLogger(__name__)
_app: Flask | None = None


def bind_app(app: Flask) -> None:
    global _app
    _app = app


def _context() -> AppContext:
    if _app is None:
        raise RuntimeError("scheduler jobs need bind_app(app) first")
    return _app.app_context()


def sweep_job() -> None:
    from mediation.warnings.sweep import sweep

    with _context():
        outcome = sweep(utcnow())
        if outcome.raised or outcome.climbed or outcome.resolved:
            log.info(
                "sweep: %d checked, %d raised, %d climbed, %d resolved",
                outcome.checked, len(outcome.raised), len(outcome.climbed), len(outcome.resolved),
            )  # fmt: skip


def deliver_job() -> None:
    from mediation.warnings.delivery import deliver_due

    with _context():
        counts = deliver_due(utcnow())
        while counts["sent"] + counts["retrying"] + counts["failed"] >= 50:
            counts = deliver_due(utcnow())


def digest_job() -> None:
    from mediation.warnings.outbox import queue_daily_digest

    with _context():
        queue_daily_digest(utcnow())
