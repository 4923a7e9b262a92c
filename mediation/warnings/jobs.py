"""Scheduler jobs, referenced by import path with plain arguments (so a persistent job store can
hold them). They run with the app the scheduler was started for, each under a database lease
(`core.leases`): of any number of scheduler processes only one runs a job at a time, and the
others skip that run (docs/architecture.md "Scheduler")."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask
from flask.ctx import AppContext

from mediation.core.clock import utcnow
from mediation.core.health import HEARTBEAT
from mediation.core.leases import beat, new_holder, release_lease, take_lease
from mediation.extensions import db

log = logging.getLogger(__name__)
_app: Flask | None = None
_holder = new_holder()

# How long a run may hold its job's lease: longer than a run takes, so that no second process
# starts the job beside a slow one; a process that dies blocks the job this long at most.
LEASES = {
    "warnings.sweep": timedelta(minutes=10),
    "warnings.deliver": timedelta(minutes=10),
    "warnings.digest": timedelta(minutes=30),
    # the circuit court's reminders and the joint meetings' overdue notices
    # (docs/circuit-court-and-meetings.md), run from their own packages' jobs
    "hearings.reminders": timedelta(minutes=10),
    "meetings.overdue": timedelta(minutes=10),
    # the hardship files' review reminders (mediation/hardship/jobs.py)
    "hardship.reviews": timedelta(minutes=10),
    # the returns' due-date reminders (mediation/returns/jobs.py)
    "returns.reminders": timedelta(minutes=10),
    # the collective contracts about to expire (docs/enterprise-file.md "Reminder")
    "surveys.reminders": timedelta(minutes=10),
    # a large import publishes in one transaction; its job record has its own heartbeat
    "cases.import": timedelta(minutes=30),
}


def bind_app(app: Flask) -> None:
    global _app, _holder
    _app = app
    _holder = new_holder()


@contextmanager
def _leased(name: str) -> Iterator[bool]:
    """In the app's context: True while this process holds the job's lease, False (do nothing)
    when another one does."""
    with _context():
        if not take_lease(name, _holder, LEASES[name]):
            log.info("%s: another scheduler holds the lease; skipped", name)
            yield False
            return
        try:
            yield True
        finally:
            db.session.rollback()  # whatever a failed run left open
            release_lease(name, _holder)


# the jobs of the packages above the warnings (hearings, meetings, hardship: docs/worker-services.md)
# run under the same leases
leased = _leased


def _context() -> AppContext:
    if _app is None:
        raise RuntimeError("scheduler jobs need bind_app(app) first")
    return _app.app_context()


def sweep_job() -> None:
    from mediation.warnings.sweep import sweep

    with _leased("warnings.sweep") as ours:
        if not ours:
            return
        outcome = sweep(utcnow())
        if outcome.raised or outcome.climbed or outcome.resolved:
            log.info(
                "sweep: %d checked, %d raised, %d climbed, %d resolved",
                outcome.checked, len(outcome.raised), len(outcome.climbed), len(outcome.resolved),
            )  # fmt: skip


def deliver_job() -> None:
    from mediation.warnings.delivery import deliver_due

    with _leased("warnings.deliver") as ours:
        if not ours:
            return
        counts = deliver_due(utcnow())
        while counts["sent"] + counts["retrying"] + counts["failed"] >= 50:
            counts = deliver_due(utcnow())


def digest_job() -> None:
    from mediation.warnings.outbox import queue_daily_digest

    with _leased("warnings.digest") as ours:
        if not ours:
            return
        queue_daily_digest(utcnow())


def heartbeat_job() -> None:
    """Tell `/healthz` that a scheduler is alive (core/health.py). No lease: every scheduler
    beats, and one fresh beat is enough."""
    with _context():
        beat(HEARTBEAT)


def import_job() -> None:
    """Run the queued case imports (docs/import.md "How an import runs")."""
    from mediation.cases.imports import run_queued

    with _leased("cases.import") as ours:
        if not ours:
            return
        ran = run_queued()
        if ran:
            log.info("imports: %d job(s) run", ran)


def contract_reminder_job() -> None:
    """Remind the town unions of collective contracts expiring within 60 days, once each
    (docs/enterprise-file.md "Reminder")."""
    from mediation.surveys.services import remind_expiring

    with _leased("surveys.reminders") as ours:
        if not ours:
            return
        told = remind_expiring(utcnow())
        if told:
            log.info("collective contracts: %d expiry reminder(s)", told)
