"""The day before a hearing the handling mediator (e-mail), the worker (SMS, when the
webhook is configured) and the employer's contact (e-mail; SMS with the webhook) are reminded through the outbox, exactly once, and the mail arrives."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mediation.core.clock import local_zone
from mediation.extensions import db
from mediation.hearings import jobs as hearing_jobs
from mediation.hearings import services
from mediation.warnings import jobs
from mediation.warnings.delivery import deliver_due
from mediation.warnings.models import Notification
from tests.hearings.conftest import hearing_payload, local_moment
from tests.warnings.conftest import subject


def _outbox() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def _scheduled(users, make_case, make_point, drive, days: int):
    users["mediator"].email = "mediator@union.example"
    db.session.commit()
    case = drive(make_case(worker_phone="13800000001"), "accepted")  # mediator: users' mediator
    start = local_moment(days, 9, 30)
    hearing = services.schedule_hearing(
        users["mediator"], case.id, hearing_payload(make_point(), start),
        now=start - timedelta(days=5),
    )  # fmt: skip
    return case, hearing, start


def test_the_reminder_is_queued_once_the_day_before_and_arrives_by_smtp(
    app, users, make_case, make_point, drive, smtp
):
    app.config["SMS_WEBHOOK_URL"] = "http://127.0.0.1:9/sms"  # queued, not delivered here
    case, hearing, start = _scheduled(users, make_case, make_point, drive, days=1)
    two_days_before = start - timedelta(days=2)
    assert services.queue_reminders(two_days_before) == 0  # too early

    day_before = start - timedelta(hours=20)
    assert services.queue_reminders(day_before) == 2
    assert services.queue_reminders(day_before) == 0  # a second run queues nothing
    assert services.queue_reminders(day_before + timedelta(hours=3)) == 0
    rows = _outbox()
    assert sorted((n.channel, n.recipient) for n in rows) == [
        ("email", "mediator@union.example"), ("sms", "13800000001"),
    ]  # fmt: skip
    assert all(case.number in n.body for n in rows)
    db.session.expire_all()
    assert hearing.reminded_at is not None

    app.config["SMS_WEBHOOK_URL"] = ""  # deliver the e-mail only in this test
    deliver_due(day_before)
    [mail] = smtp.to("mediator@union.example")
    assert case.number in subject(mail)
    assert len(smtp.received) == 1


def _employer_with_contacts(case, **contacts) -> None:
    for key, value in contacts.items():
        setattr(case.enterprise, key, value)
    db.session.commit()


def test_the_employer_is_reminded_by_mail_and_sms_once_in_formal_chinese(
    app, users, make_case, make_point, drive, smtp
):
    app.config["SMS_WEBHOOK_URL"] = "http://127.0.0.1:9/sms"
    case, _hearing, start = _scheduled(users, make_case, make_point, drive, days=1)
    _employer_with_contacts(
        case, contact_person="王经理", contact_phone="139-0000-0002",
        contact_email="hr@employer.example",
    )  # fmt: skip
    day_before = start - timedelta(hours=20)
    assert services.queue_reminders(day_before) == 4
    assert services.queue_reminders(day_before) == 0  # a rerun adds nothing
    assert services.queue_reminders(day_before + timedelta(hours=3)) == 0
    employer_rows = [n for n in _outbox() if n.recipient in ("hr@employer.example", "13900000002")]
    assert sorted(n.channel for n in employer_rows) == ["email", "sms"]
    for row in employer_rows:
        assert row.user_id is None
        assert case.number in row.subject and case.number in row.body
        assert case.enterprise.name in row.body
        assert case.handling_org.name in row.body  # the union that writes
        assert "一镇人民路1号工会服务中心" in row.body  # the place
        assert start.astimezone(local_zone()).strftime("%H:%M") in row.body  # the time

    app.config["SMS_WEBHOOK_URL"] = ""
    deliver_due(day_before)
    [mail] = smtp.to("hr@employer.example")
    assert case.number in subject(mail)
    assert len(smtp.received) == 2  # the mediator's and the employer's


def test_the_employer_gets_the_sms_only_through_the_webhook(users, make_case, make_point, drive):
    case, _hearing, start = _scheduled(users, make_case, make_point, drive, days=1)
    _employer_with_contacts(case, contact_phone="13900000002")  # no e-mail, no webhook
    assert services.queue_reminders(start - timedelta(hours=12)) == 1  # the mediator's mail
    assert [n.recipient for n in _outbox()] == ["mediator@union.example"]


def test_an_employer_without_contacts_gets_nothing_and_nothing_fails(
    app, users, make_case, make_point, drive
):
    app.config["SMS_WEBHOOK_URL"] = "http://127.0.0.1:9/sms"
    case, hearing, start = _scheduled(users, make_case, make_point, drive, days=1)
    assert case.enterprise.contact_email is None and case.enterprise.contact_phone is None
    assert services.queue_reminders(start - timedelta(hours=12)) == 2  # mediator and worker
    db.session.expire_all()
    assert hearing.reminded_at is not None


def test_without_the_sms_webhook_only_the_mediator_is_mailed(users, make_case, make_point, drive):
    _case, _hearing, start = _scheduled(users, make_case, make_point, drive, days=1)
    assert services.queue_reminders(start - timedelta(hours=12)) == 1
    assert [n.channel for n in _outbox()] == ["email"]


def test_a_cancelled_hearing_is_not_reminded(users, make_case, make_point, drive):
    _case, hearing, start = _scheduled(users, make_case, make_point, drive, days=1)
    services.cancel_hearing(users["mediator"], hearing.id, now=start - timedelta(days=3))
    assert services.queue_reminders(start - timedelta(hours=12)) == 0


def test_the_daily_job_runs_under_its_lease(app, users, make_case, make_point, drive, monkeypatch):
    _case, _hearing, start = _scheduled(users, make_case, make_point, drive, days=1)
    monkeypatch.setattr(hearing_jobs, "utcnow", lambda: start - timedelta(hours=12))
    jobs.bind_app(app)
    try:
        hearing_jobs.reminder_job()
        hearing_jobs.reminder_job()
    finally:
        monkeypatch.setattr(jobs, "_app", None)
    assert len(_outbox()) == 1
