"""APScheduler 3: the production `flask scheduler run` process, or embedded in the web process.

Jobs have explicit ids and `replace_existing`, coalesce missed runs into one, tolerate late
starts, and run on China time. The job store is the application's database (table
`apscheduler_jobs`, which Alembic leaves alone).
"""

from __future__ import annotations

import logging

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from mediation.extensions import db
from mediation.warnings import jobs

log = logging.getLogger(__name__)
TIMEZONE = "Asia/Shanghai"


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    jobs.bind_app(app)
    with app.app_context():
        engine = db.engine
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        timezone=TIMEZONE,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    config = app.config
    scheduler.add_job(
        "mediation.warnings.jobs:sweep_job",
        trigger="interval",
        seconds=config["SWEEP_INTERVAL_SECONDS"],
        id="warnings.sweep",
        name="early-warning sweep",
        replace_existing=True,
    )
    scheduler.add_job(
        "mediation.warnings.jobs:deliver_job",
        trigger="interval",
        seconds=config["DELIVERY_INTERVAL_SECONDS"],
        id="warnings.deliver",
        name="notification delivery",
        replace_existing=True,
    )
    hour, minute = (int(x) for x in config["DIGEST_TIME"].split(":"))
    scheduler.add_job(
        "mediation.warnings.jobs:digest_job",
        trigger="cron",
        hour=hour,
        minute=minute,
        id="warnings.digest",
        name="daily alert digest",
        replace_existing=True,
        misfire_grace_time=3600,
    )
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
