"""The APScheduler 3 setup: job ids, triggers and options, the persistent job store and Alembic,
the job functions themselves, and the `flask scheduler run` command (never started here: a
scheduler is at most started paused, and always shut down)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, inspect, select, text

from mediation import create_app
from mediation.core import migrations as hooks
from mediation.core.clock import ensure_utc, to_local, utcnow
from mediation.core.db import engines
from mediation.core.leases import JobLease, take_lease
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings import jobs
from mediation.warnings.models import Alert, AlertStatus, Notification, NotificationStatus
from mediation.warnings.scheduler import build_scheduler
from tests.helpers import CHINA

JOB_FUNCTIONS = {
    "warnings.sweep": "mediation.warnings.jobs:sweep_job",
    "warnings.deliver": "mediation.warnings.jobs:deliver_job",
    "warnings.digest": "mediation.warnings.jobs:digest_job",
    "hearings.reminders": "mediation.hearings.jobs:reminder_job",
    "meetings.overdue": "mediation.meetings.jobs:overdue_job",
    "hardship.reviews": "mediation.hardship.jobs:review_reminder_job",
    "returns.reminders": "mediation.returns.jobs:reminder_job",
    "surveys.reminders": "mediation.warnings.jobs:contract_reminder_job",
    "scheduler.heartbeat": "mediation.warnings.jobs:heartbeat_job",
    "cases.import": "mediation.warnings.jobs:import_job",
}


@pytest.fixture(autouse=True)
def _unbound_jobs(monkeypatch, app) -> Iterator[None]:
    """Each test binds the jobs itself; the job store table goes with the test."""
    monkeypatch.setattr(jobs, "_app", None)
    yield
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))


@contextmanager
def paused(app):
    """A built scheduler, started paused (so its jobs reach the job store and get their
    defaults) and shut down afterwards; no job ever runs."""
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=True)


def stored_job_ids() -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT id FROM apscheduler_jobs")).scalars())


# --- the jobs -------------------------------------------------------------------------------------


def test_the_jobs_have_explicit_ids_and_are_referenced_by_import_path(app):
    scheduler = build_scheduler(app, blocking=False)  # built, not started
    assert isinstance(scheduler, BackgroundScheduler)
    assert not scheduler.running
    jobs_by_id = {job.id: job for job in scheduler.get_jobs()}
    assert {i: j.func_ref for i, j in jobs_by_id.items()} == JOB_FUNCTIONS
    for job in jobs_by_id.values():
        assert job.args == () and job.kwargs == {}  # plain (no) arguments


def test_the_production_scheduler_is_blocking(app):
    scheduler = build_scheduler(app, blocking=True)  # never started: it would block
    assert isinstance(scheduler, BlockingScheduler)
    assert sorted(job.id for job in scheduler.get_jobs()) == sorted(JOB_FUNCTIONS)


def test_triggers_and_options_follow_the_configuration_on_china_time(app):
    app.config.update(SWEEP_INTERVAL_SECONDS=45, DELIVERY_INTERVAL_SECONDS=20, DIGEST_TIME="07:45")
    with paused(app) as scheduler:
        assert str(scheduler.timezone) == "Asia/Shanghai"
        jobs_by_id = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs_by_id) == set(JOB_FUNCTIONS)
        for job in jobs_by_id.values():
            assert job.coalesce is True
            assert job.misfire_grace_time is not None and job.misfire_grace_time >= 60
            assert job.max_instances == 1
            assert str(job.trigger.timezone) == "Asia/Shanghai"

        sweep, deliver, digest = (
            jobs_by_id[i] for i in ("warnings.sweep", "warnings.deliver", "warnings.digest")
        )
        assert isinstance(sweep.trigger, IntervalTrigger)
        assert sweep.trigger.interval == timedelta(seconds=45)
        assert isinstance(deliver.trigger, IntervalTrigger)
        assert deliver.trigger.interval == timedelta(seconds=20)
        assert isinstance(digest.trigger, CronTrigger)
        fields = {f.name: str(f) for f in digest.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("7", "45")
        # 07:45 in China, whatever the server's own zone
        noon = datetime(2026, 3, 2, 12, 0, tzinfo=CHINA)
        fire = digest.trigger.get_next_fire_time(None, noon)
        assert ensure_utc(fire) == ensure_utc(datetime(2026, 3, 3, 7, 45, tzinfo=CHINA))
        assert digest.misfire_grace_time >= 600  # a daily job may start late and still run

        # stored in the application's database, by reference
        assert stored_job_ids() == sorted(JOB_FUNCTIONS)


def test_the_default_intervals(app):
    assert app.config["SWEEP_INTERVAL_SECONDS"] == 60
    with paused(app) as scheduler:
        sweep = scheduler.get_job("warnings.sweep")
        assert sweep.trigger.interval == timedelta(seconds=60)
        digest = scheduler.get_job("warnings.digest")
        fields = {f.name: str(f) for f in digest.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("8", "0")


def test_building_twice_replaces_the_stored_jobs_rather_than_duplicating_them(app):
    with paused(app):
        pass
    assert stored_job_ids() == sorted(JOB_FUNCTIONS)

    app.config["SWEEP_INTERVAL_SECONDS"] = 90
    with paused(app) as scheduler:  # a second process start against the same job store
        assert sorted(job.id for job in scheduler.get_jobs()) == sorted(JOB_FUNCTIONS)
        assert scheduler.get_job("warnings.sweep").trigger.interval == timedelta(seconds=90)
    assert stored_job_ids() == sorted(JOB_FUNCTIONS)


# --- Alembic leaves the job store alone -----------------------------------------------------------


def test_alembic_autogenerate_ignores_the_apscheduler_table(app):
    assert hooks.include_object(None, "apscheduler_jobs", "table", True, None) is False
    assert hooks.include_object(None, "alerts", "table", False, None) is True
    assert hooks.include_object(None, "notifications", "table", True, None) is True
    # `flask db migrate` is configured with that filter, for the app's database
    configured = app.extensions["migrate"].configure_args["include_object"]
    assert configured.func is hooks.include_object
    assert configured.keywords == {"dialect": db.engine.dialect.name}

    with paused(app):
        pass
    assert "apscheduler_jobs" in inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        unfiltered = compare_metadata(MigrationContext.configure(conn), db.metadata)
        filtered = compare_metadata(
            MigrationContext.configure(
                conn,
                opts={
                    "include_object": hooks.include_object,
                    "compare_type": hooks.compare_type,
                    "render_item": hooks.render_item,
                },
            ),
            db.metadata,
        )
    assert "apscheduler_jobs" in repr(unfiltered)  # without the filter it would be dropped
    assert "apscheduler_jobs" not in repr(filtered)


# --- running the job functions --------------------------------------------------------------------


def test_jobs_need_a_bound_app():
    with pytest.raises(RuntimeError, match="bind_app"):
        jobs.sweep_job()


def test_the_sweep_job_raises_the_alerts_of_due_cases(app, make_case, orgs):
    received = utcnow() - timedelta(days=20)  # more than three working days, whatever the date
    case = make_case(now=received, kind="dispute", workers_involved=1, arrears_months=None)
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0

    jobs.bind_app(app)
    before = utcnow()
    jobs.sweep_job()
    after = utcnow()

    db.session.expire_all()
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == case.id, Alert.rule == "acceptance_overdue")
    )
    assert alert is not None
    assert alert.status == AlertStatus.open
    assert alert.target_tier == Tier.town
    assert alert.target_org_id == orgs["T1"].id
    assert before <= alert.raised_at <= after

    jobs.sweep_job()  # raised once
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.case_id == case.id, Alert.rule == "acceptance_overdue")
        )
        == 1
    )


def test_the_delivery_job_sends_what_is_due(app, make_case, make_user, mailbox):
    make_user("officer", "C", "cityo", email="city@union.example")
    case = make_case(now=utcnow() - timedelta(hours=1), workers_involved=60)  # red, for the city

    jobs.bind_app(app)
    jobs.deliver_job()

    assert mailbox.subjects("city@union.example") == [f"【红色预警】{case.number} 重大集体争议"]
    db.session.expire_all()
    [row] = db.session.scalars(select(Notification).where(Notification.recipient.like("city@%")))
    assert row.status == NotificationStatus.sent

    jobs.deliver_job()  # nothing twice
    assert len(mailbox.to("city@union.example")) == 1


def test_the_digest_job_queues_a_summary_for_officers_with_open_alerts(
    app, make_case, make_user, mailbox
):
    make_user("officer", "C", "cityo", email="city@union.example")
    make_user("officer", "T2", "t2o", email="t2@union.example")
    make_case(now=utcnow() - timedelta(hours=1), workers_involved=60)

    jobs.bind_app(app)
    jobs.digest_job()

    db.session.expire_all()
    digests = list(db.session.scalars(select(Notification).where(Notification.alert_id.is_(None))))
    assert [n.recipient for n in digests] == ["city@union.example"]
    assert digests[0].subject == f"每日预警摘要 {to_local(utcnow()):%Y-%m-%d}"
    assert "红色预警 1 条" in digests[0].body


def _digests() -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification.recipient)
            .where(Notification.alert_id.is_(None))
            .order_by(Notification.recipient)
        )
    )


def test_two_scheduler_processes_queue_one_digest_a_day(app, make_case, make_user, mailbox):
    """Two apps on one database stand for two scheduler processes; each runs the digest job
    (one of them twice, as after a restart). The lease keeps them from running it at the same
    time, and the day's marker from running it again once the lease is free."""
    make_user("officer", "C", "cityo", email="city@union.example")
    make_user("officer", "T1", "t1o", email="t1@union.example")
    make_case(now=utcnow() - timedelta(hours=1), workers_involved=60)
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        for process in (app, other, app):
            jobs.bind_app(process)
            jobs.digest_job()
    finally:
        with other.app_context():
            for engine in engines():
                engine.dispose()

    assert _digests() == ["city@union.example", "t1@union.example"]
    jobs.bind_app(app)
    jobs.deliver_job()
    summary = f"每日预警摘要 {to_local(utcnow()):%Y-%m-%d}"
    assert mailbox.subjects("city@union.example").count(summary) == 1
    assert mailbox.subjects("t1@union.example").count(summary) == 1


def test_a_job_whose_lease_another_scheduler_holds_is_skipped(app, make_case, make_user, mailbox):
    make_user("officer", "C", "cityo", email="city@union.example")
    make_case(now=utcnow() - timedelta(hours=1), workers_involved=60)
    for name in ("warnings.digest", "warnings.deliver"):
        assert take_lease(name, "another-host:4242:alive", timedelta(minutes=30))

    jobs.bind_app(app)
    jobs.digest_job()
    jobs.deliver_job()
    assert _digests() == []
    assert mailbox.received == []


def test_an_expired_lease_of_a_dead_scheduler_is_taken_over(app, make_case, make_user, mailbox):
    make_user("officer", "C", "cityo", email="city@union.example")
    make_case(now=utcnow() - timedelta(hours=1), workers_involved=60)
    an_hour_ago = utcnow() - timedelta(hours=1)
    assert take_lease("warnings.digest", "dead-host:1:gone", timedelta(minutes=30), an_hour_ago)

    jobs.bind_app(app)
    jobs.digest_job()
    assert _digests() == ["city@union.example"]
    lease = db.session.get(JobLease, "warnings.digest")
    assert lease is not None and lease.holder == jobs._holder
    assert lease.expires_at < utcnow()  # given back when the run ended


def test_a_failed_job_gives_its_lease_back(app, monkeypatch):
    from mediation.warnings import outbox

    def fail(now):
        raise RuntimeError("the digest failed")

    monkeypatch.setattr(outbox, "queue_daily_digest", fail)
    jobs.bind_app(app)
    with pytest.raises(RuntimeError):
        jobs.digest_job()
    assert take_lease("warnings.digest", "another-host:1:next", timedelta(minutes=30))


# --- the command ----------------------------------------------------------------------------------


def test_flask_scheduler_run_is_a_registered_command(app):
    assert "scheduler" in app.cli.commands
    assert "run" in app.cli.commands["scheduler"].commands

    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler", "--help"])
    assert result.exit_code == 0, result.output
    assert "run" in result.output

    result = runner.invoke(args=["scheduler", "run", "--help"])  # --help never starts it
    assert result.exit_code == 0, result.output
    assert "scheduler" in result.output.lower()
    assert "scheduler running" not in result.output


def test_the_heartbeat_runs_at_once_on_start_and_then_every_minute(app):
    with paused(app) as scheduler:
        heartbeat = scheduler.get_job("scheduler.heartbeat")
        assert heartbeat.trigger.interval == timedelta(seconds=60)
        assert ensure_utc(heartbeat.next_run_time) <= utcnow() + timedelta(seconds=1)
