"""APScheduler 3: the production `flask scheduler run` process, or embedded in the web process.

Jobs have explicit ids and `replace_existing`, coalesce missed runs into one, tolerate late
starts, and run on the local zone (`TIMEZONE`). The job store is the application's database (table
`apscheduler_jobs`, which Alembic leaves alone).
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Config, Flask

from mediation.extensions import db
from mediation.warnings import jobs

log = logging.getLogger(__name__)


def _jobs(config: Config) -> list[tuple[str, str, str, dict]]:
    """The jobs, as data: id, import path, name, trigger arguments."""
    hour, minute = (int(x) for x in config["DIGEST_TIME"].split(":"))
    r_hour, r_minute = (int(x) for x in config["HARDSHIP_REMINDER_TIME"].split(":"))
    return [
        ("warnings.sweep", "mediation.warnings.jobs:sweep_job", "early-warning sweep",
         {"trigger": "interval", "seconds": config["SWEEP_INTERVAL_SECONDS"]}),
        ("warnings.deliver", "mediation.warnings.jobs:deliver_job", "notification delivery",
         {"trigger": "interval", "seconds": config["DELIVERY_INTERVAL_SECONDS"]}),
        ("warnings.digest", "mediation.warnings.jobs:digest_job", "daily alert digest",
         {"trigger": "cron", "hour": hour, "minute": minute, "misfire_grace_time": 3600}),
        ("hearings.reminders", "mediation.hearings.jobs:reminder_job", "hearing reminders",
         {"trigger": "cron", "hour": hour, "minute": minute, "misfire_grace_time": 3600}),
        ("meetings.overdue", "mediation.meetings.jobs:overdue_job", "overdue action items",
         {"trigger": "cron", "hour": hour, "minute": minute, "misfire_grace_time": 3600}),
        ("surveys.reminders", "mediation.warnings.jobs:contract_reminder_job",
         "collective contract expiry reminders",
         {"trigger": "cron", "hour": hour, "minute": minute, "misfire_grace_time": 3600}),
        # named by its import path only: the hardship package sits above the warnings
        ("hardship.reviews", "mediation.hardship.jobs:review_reminder_job",
         "hardship review reminders",
         {"trigger": "cron", "hour": r_hour, "minute": r_minute, "misfire_grace_time": 3600}),
        ("returns.reminders", "mediation.returns.jobs:reminder_job", "return due-date reminders",
         {"trigger": "cron", "hour": r_hour, "minute": r_minute, "misfire_grace_time": 3600}),
        # at once on start, then every minute: /healthz reads it (core/health.py)
        ("scheduler.heartbeat", "mediation.warnings.jobs:heartbeat_job", "heartbeat",
         {"trigger": "interval", "seconds": config["SCHEDULER_HEARTBEAT_SECONDS"],
          "next_run_time": datetime.now().astimezone()}),
        ("cases.import", "mediation.warnings.jobs:import_job", "queued case imports",
         {"trigger": "interval", "seconds": config["IMPORT_POLL_SECONDS"]}),
    ]  # fmt: skip


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    jobs.bind_app(app)
    with app.app_context():
        engine = db.engine
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        timezone=app.config["TIMEZONE"],
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for job_id, func, name, trigger in _jobs(app.config):
        scheduler.add_job(func, id=job_id, name=name, replace_existing=True, **trigger)
    return scheduler


_embedded: BaseScheduler | None = None


def start_embedded(app: Flask) -> None:
    """Start the background scheduler once per process (the demo's single-process mode)."""
    global _embedded
    if _embedded is not None:
        return
    _embedded = build_scheduler(app, blocking=False)
    _embedded.start()
    log.info("embedded scheduler started")


def init_embedded(app: Flask) -> None:
    """With SCHEDULER_EMBEDDED on, start at the first request: only a serving process runs
    jobs, never a `flask db upgrade` or other command that happens to build the app."""
    if not app.config.get("SCHEDULER_EMBEDDED") or app.config.get("TESTING"):
        return

    @app.before_request
    def _start_scheduler() -> None:
        start_embedded(app)
