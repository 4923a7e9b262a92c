"""Notifications through the outbox: e-mail into Flask-Mailman's locmem outbox, and over a real
local SMTP server (aiosmtpd) for the tests of the transport; SMS to a real local webhook
(http.server). The servers listen on 127.0.0.1 and are stopped at teardown.

Times are fixed in March 2026 (China time) and handed to the services and to `deliver_due`
explicitly, so quiet hours, backoff and retries are exact.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from mediation import signals
from mediation.accounts.models import User
from mediation.cases import services as case_services
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.warnings import delivery
from mediation.warnings.delivery import deliver_due
from mediation.warnings.models import Alert, Notification, NotificationStatus
from mediation.warnings.outbox import queue_daily_digest
from mediation.warnings.services import acknowledge, update_rule_settings
from mediation.warnings.sweep import sweep
from tests.conftest import requires_postgres
from tests.helpers import DAY, HOUR, MINUTE, T0, alert_of, count, free_port, local
from tests.warnings.conftest import Collect, SMTPServer, subject, use_mail_server

# --- a real SMS webhook ---------------------------------------------------------------------------


class Webhook:
    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if hook.status < 300:
                    hook.posts.append(
                        {
                            "path": self.path,
                            "content_type": self.headers.get("Content-Type"),
                            "json": json.loads(body.decode("utf-8")),
                        }
                    )
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def webhook(app, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    hook = Webhook()
    app.config["SMS_WEBHOOK_URL"] = hook.url
    yield hook
    hook.close()


# --- people and helpers ---------------------------------------------------------------------------


@pytest.fixture
def officers(make_user, users) -> dict:
    """Officers with an e-mail address at T1 (two), the city and T2; `users` adds officers
    without one."""
    return {
        "t1a": make_user("officer", "T1", "t1a", email="t1a@union.example"),
        "t1b": make_user("officer", "T1", "t1b", email="t1b@union.example"),
        "city": make_user("officer", "C", "cityo", email="city@union.example"),
        "t2": make_user("officer", "T2", "t2o", email="t2@union.example"),
    }


def outbox() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


# --- the outbox is written with the alert ---------------------------------------------------------


def test_a_new_alert_writes_one_row_per_officer_with_email_of_the_target_org(
    make_case, make_user, officers, orgs, mailbox
):
    make_user("officer", "T1", "t1gone", email="gone@union.example", active=False)
    make_user("mediator", "T1", "t1med", email="mediator@union.example")
    make_user("officer", "G1", "g1o", email="g1@union.example")

    case = make_case(now=T0, workers_involved=60)  # red city + yellow and orange town alerts

    major = alert_of(case.id, "major_collective")
    collective = alert_of(case.id, "collective")
    arrears = alert_of(case.id, "arrears_duration")
    rows = outbox()
    assert Counter((n.alert_id, n.recipient) for n in rows) == {
        (major.id, "city@union.example"): 1,
        (collective.id, "t1a@union.example"): 1,
        (collective.id, "t1b@union.example"): 1,
        (arrears.id, "t1a@union.example"): 1,
        (arrears.id, "t1b@union.example"): 1,
    }
    # nobody of another organization, no mediator, no deactivated officer, no one without e-mail
    for n in rows:
        assert n.channel == "email"
        assert n.status == NotificationStatus.pending
        assert n.attempts == 0
        assert n.last_error is None and n.sent_at is None
        assert n.created_at == T0 and n.next_attempt_at == T0  # raised with the alert
        assert db.session.get(User, n.user_id).organization_id == n.alert.target_org_id
        assert case.number in n.subject
    # committed with the case: another connection sees the rows; nothing has been mailed yet
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Notification)).scalar_one() == 5
    assert mailbox.received == []


def test_a_quiet_case_writes_no_outbox_row(make_case, officers, mailbox):
    make_case(now=T0, kind="dispute", category="dismissal", workers_involved=1, arrears_months=None)
    assert count(Alert) == 0
    assert outbox() == []
    assert deliver_due(T0 + DAY)["sent"] == 0
    assert mailbox.received == []


# --- delivery -------------------------------------------------------------------------------------


def test_deliver_due_sends_the_mail_with_the_case_number_in_the_subject(
    make_case, officers, mailbox
):
    case = make_case(now=T0, workers_involved=60)

    counts = deliver_due(T0)

    assert counts == {"sent": 5, "retrying": 0, "failed": 0}
    [city_mail] = mailbox.to("city@union.example")
    assert subject(city_mail) == f"【红色预警】{case.number} 重大集体争议"
    assert city_mail["To"] == "city@union.example"
    body = city_mail.get_content()
    assert case.number in body
    assert case.enterprise.name in body
    assert "60" in body
    assert sorted(mailbox.subjects("t1a@union.example")) == sorted(
        [f"【黄色预警】{case.number} 集体争议", f"【橙色预警】{case.number} 欠薪时长"]
    )
    assert len(mailbox.to("t1b@union.example")) == 2
    assert mailbox.to("t2@union.example") == []
    for n in outbox():
        assert n.status == NotificationStatus.sent
        assert n.sent_at == T0
        assert n.attempts == 1

    # sent rows are not sent again
    assert deliver_due(T0 + DAY) == {"sent": 0, "retrying": 0, "failed": 0}
    assert len(mailbox.received) == 5


def test_with_smtp_down_nothing_is_lost_and_it_arrives_once_when_it_is_back(
    make_case, officers, mailbox
):
    case = make_case(now=T0, workers_involved=60)
    mailbox.stop()  # connections are refused now

    assert deliver_due(T0) == {"sent": 0, "retrying": 5, "failed": 0}
    rows = outbox()
    assert len(rows) == 5
    first_gap = set()
    for n in rows:
        assert n.status == NotificationStatus.pending
        assert n.attempts == 1
        assert n.last_error and "refused" in n.last_error.lower()
        assert n.next_attempt_at > T0  # backoff
        assert n.sent_at is None
        first_gap.add(n.next_attempt_at - T0)
    [first_gap] = first_gap
    retry_at = rows[0].next_attempt_at

    # before the backoff has passed nothing is tried again
    assert deliver_due(retry_at - timedelta(seconds=1)) == {"sent": 0, "retrying": 0, "failed": 0}
    assert {n.attempts for n in outbox()} == {1}

    # still down at the retry: a second failure waits longer
    assert deliver_due(retry_at) == {"sent": 0, "retrying": 5, "failed": 0}
    rows = outbox()
    assert {n.attempts for n in rows} == {2}
    assert {n.status for n in rows} == {NotificationStatus.pending}
    [second_gap] = {n.next_attempt_at - retry_at for n in rows}
    assert second_gap > first_gap

    # the server returns; time passes; every message arrives exactly once
    mailbox.start()
    later = retry_at + HOUR
    assert deliver_due(later) == {"sent": 5, "retrying": 0, "failed": 0}
    assert deliver_due(later + DAY)["sent"] == 0
    assert Counter(addr for rcpt, _ in mailbox.received for addr in rcpt) == {
        "city@union.example": 1,
        "t1a@union.example": 2,
        "t1b@union.example": 2,
    }
    assert mailbox.subjects("city@union.example") == [f"【红色预警】{case.number} 重大集体争议"]
    for n in outbox():
        assert n.status == NotificationStatus.sent
        assert n.attempts == 3
        assert n.last_error is None
        assert n.sent_at == later


def test_after_the_maximum_attempts_a_row_is_failed_and_not_tried_again(
    app, make_case, officers, mailbox
):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    make_case(now=T0, kind="dispute", workers_involved=60, arrears_months=None)
    mailbox.stop()

    now = T0
    results = []
    for _ in range(3):
        results.append(deliver_due(now))
        now += 2 * HOUR  # beyond any backoff
    assert [r["retrying"] for r in results] == [3, 3, 0]
    assert results[-1]["failed"] == 3
    rows = outbox()
    assert len(rows) == 3
    for n in rows:
        assert n.status == NotificationStatus.failed
        assert n.attempts == 3
        assert n.last_error
        assert n.sent_at is None

    mailbox.start()
    assert deliver_due(now + DAY) == {"sent": 0, "retrying": 0, "failed": 0}
    assert mailbox.received == []
    assert {n.attempts for n in outbox()} == {3}


# --- nothing is sent for a rolled-back transaction ------------------------------------------------


class Boom(RuntimeError):
    pass


@pytest.fixture
def failing_hook(request):
    """A case-change hook after the early-warning hook that fails the service's transaction,
    after noting how many outbox rows the transaction held by then."""
    seen: list[int] = []

    def boom(case, *, kind, now, **_):
        seen.append(count(Notification))
        raise Boom("a later step of the same transaction fails")

    signals.case_changed.connect(boom)
    request.addfinalizer(lambda: signals.case_changed.disconnect(boom))
    return seen


def test_a_rolled_back_case_creation_sends_nothing(make_case, officers, mailbox, failing_hook):
    with pytest.raises(Boom):
        make_case(now=T0, workers_involved=60)

    assert failing_hook == [5]  # the alerts had written their outbox rows in that transaction
    assert count(Case) == 0
    assert count(Alert) == 0
    assert count(Notification) == 0
    assert deliver_due(T0 + DAY) == {"sent": 0, "retrying": 0, "failed": 0}
    assert mailbox.received == []


def test_a_rolled_back_edit_sends_nothing(make_case, users, officers, mailbox, request):
    case = make_case(now=T0, kind="dispute", workers_involved=1, arrears_months=None)
    assert count(Notification) == 0
    seen = []

    def boom(case, *, kind, now, **_):
        seen.append(count(Notification))
        raise Boom("refused after the alert was raised")

    signals.case_changed.connect(boom)
    request.addfinalizer(lambda: signals.case_changed.disconnect(boom))
    with pytest.raises(Boom):
        case_services.update_facts(
            case.id,
            users["mediator"],
            {"version": case.version, "workers_involved": 60},
            now=T0 + HOUR,
        )

    assert seen and seen[0] > 0
    assert count(Alert) == 0
    assert count(Notification) == 0
    assert deliver_due(T0 + DAY)["sent"] == 0
    assert mailbox.received == []


# --- quiet hours ----------------------------------------------------------------------------------


def test_quiet_hours_hold_non_red_alerts_until_seven_but_red_goes_at_once(
    make_case, officers, mailbox
):
    late = local(2026, 3, 2, 23, 0)
    case = make_case(now=late, workers_involved=60)

    assert deliver_due(late)["sent"] == 1
    assert mailbox.subjects("city@union.example") == [f"【红色预警】{case.number} 重大集体争议"]
    assert mailbox.to("t1a@union.example") == []

    morning = local(2026, 3, 3, 7, 0)
    town_rows = [n for n in outbox() if n.recipient.startswith("t1")]
    assert len(town_rows) == 4
    assert {n.next_attempt_at for n in town_rows} == {morning}
    assert deliver_due(morning - MINUTE)["sent"] == 0
    assert mailbox.to("t1a@union.example") == []

    assert deliver_due(morning)["sent"] == 4
    assert len(mailbox.to("t1a@union.example")) == 2
    assert len(mailbox.to("t1b@union.example")) == 2
    assert len(mailbox.to("city@union.example")) == 1


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        (local(2026, 3, 2, 21, 59), local(2026, 3, 2, 21, 59)),  # before the quiet hours
        (local(2026, 3, 2, 22, 0), local(2026, 3, 3, 7, 0)),  # they begin
        (local(2026, 3, 3, 6, 30), local(2026, 3, 3, 7, 0)),  # early morning, same day
        (local(2026, 3, 3, 7, 0), local(2026, 3, 3, 7, 0)),  # they are over
    ],
)
def test_quiet_hours_boundaries_for_a_yellow_alert(make_case, officers, mailbox, raised, due):
    make_case(now=raised, kind="dispute", workers_involved=12, arrears_months=None)  # yellow

    [n1, n2] = outbox()
    assert n1.next_attempt_at == n2.next_attempt_at == due
    if due > raised:
        assert deliver_due(due - MINUTE)["sent"] == 0
    assert deliver_due(due)["sent"] == 2
    assert len(mailbox.received) == 2


def test_quiet_hours_follow_the_admin_setting(make_case, users, officers, mailbox):
    update_rule_settings(users["admin"], {"notifications": {"quiet_start": "23:30"}}, now=T0)
    late = local(2026, 3, 2, 23, 0)
    make_case(now=late, kind="dispute", workers_involved=12, arrears_months=None)

    assert deliver_due(late)["sent"] == 2
    assert len(mailbox.to("t1a@union.example")) == 1


# --- the SMS webhook ------------------------------------------------------------------------------


def test_sms_webhook_gets_a_row_per_officer_with_a_phone_and_delivers_it(
    make_case, make_user, officers, mailbox, webhook
):
    make_user("officer", "C", "cityphone", email="cp@union.example", phone="13800138000")
    make_user("officer", "C", "cityphoneonly", phone="13900139000")
    make_user("officer", "T2", "t2phone", phone="13700137000")

    case = make_case(now=T0, kind="dispute", workers_involved=60, owner_absconded=True)

    sms = [n for n in outbox() if n.channel == "sms"]
    assert sorted(n.recipient for n in sms) == [
        "13800138000",
        "13800138000",
        "13900139000",
        "13900139000",
    ]
    assert {n.alert.target_org.code for n in sms} == {"C"}  # major_collective, owner_absconded

    counts = deliver_due(T0)
    assert counts["failed"] == counts["retrying"] == 0
    assert sorted(p["json"]["to"] for p in webhook.posts) == sorted(n.recipient for n in sms)
    for post in webhook.posts:
        assert post["path"] == "/sms"
        assert post["content_type"] == "application/json"
        assert case.number in post["json"]["text"]
        assert "红色预警" in post["json"]["text"]
    assert {n.status for n in outbox()} == {NotificationStatus.sent}
    assert len(mailbox.to("cp@union.example")) == 2  # e-mail goes too


def test_a_failing_sms_webhook_is_retried(make_case, make_user, officers, mailbox, webhook):
    make_user("officer", "C", "cityphoneonly", phone="13900139000")
    make_case(now=T0, kind="dispute", workers_involved=60)
    webhook.status = 503

    deliver_due(T0)
    [sms] = [n for n in outbox() if n.channel == "sms"]
    assert sms.status == NotificationStatus.pending
    assert sms.attempts == 1
    assert "503" in sms.last_error
    assert sms.next_attempt_at > T0

    webhook.status = 200
    assert deliver_due(T0 + HOUR)["sent"] == 1
    assert [p["json"]["to"] for p in webhook.posts] == ["13900139000"]


def test_without_a_webhook_no_sms_row_is_written(app, make_case, make_user, mailbox):
    app.config["SMS_WEBHOOK_URL"] = ""
    make_user("officer", "C", "cityphone", email="cp@union.example", phone="13800138000")
    make_case(now=T0, kind="dispute", workers_involved=60)
    assert {n.channel for n in outbox()} == {"email"}


# --- the daily digest -----------------------------------------------------------------------------


def test_the_daily_digest_queues_one_summary_per_officer_with_open_alerts(
    make_case, users, officers, mailbox
):
    case = make_case(now=T0, workers_involved=60)  # city: red; T1: yellow + orange
    other = make_case(now=T0, kind="dispute", workers_involved=12, arrears_months=None)  # T1 yellow
    deliver_due(T0)
    mailbox.clear()
    acknowledge(alert_of(other.id, "collective").id, officers["t1a"], {"note": "已安排"}, now=T0)

    digest_at = local(2026, 3, 3, 8, 0)
    assert queue_daily_digest(digest_at) == 3  # t1a, t1b, city; not T2 (nothing open there)

    digests = [n for n in outbox() if n.alert_id is None]
    assert sorted(n.recipient for n in digests) == [
        "city@union.example",
        "t1a@union.example",
        "t1b@union.example",
    ]
    for n in digests:
        assert n.status == NotificationStatus.pending
        assert n.subject == "每日预警摘要 2026-03-03"
    by_recipient = {n.recipient: n.body for n in digests}
    assert "红色预警 1 条" in by_recipient["city@union.example"]
    assert "黄色预警 2 条" in by_recipient["t1a@union.example"]  # acknowledged but not resolved
    assert "橙色预警 1 条" in by_recipient["t1a@union.example"]
    assert "红色预警" not in by_recipient["t1a@union.example"]

    assert deliver_due(digest_at)["sent"] == 3
    assert mailbox.subjects("t1b@union.example") == ["每日预警摘要 2026-03-03"]
    assert mailbox.to("t2@union.example") == []
    assert case.number  # the case exists; the digest counts, it does not list

    # a second run that day (another scheduler, a restart) queues nothing; the next day's does
    assert queue_daily_digest(digest_at + timedelta(hours=3)) == 0
    assert queue_daily_digest(digest_at + timedelta(days=1)) == 3


def test_the_daily_digest_with_nothing_open_queues_nothing(make_case, officers, mailbox):
    make_case(now=T0, kind="dispute", category="dismissal", workers_involved=1, arrears_months=None)
    assert queue_daily_digest(T0) == 0
    assert outbox() == []


# --- more delivery behaviour ----------------------------------------------------------------------


def test_a_climbed_alert_notifies_the_officers_of_the_next_tier(make_case, officers, mailbox):
    case = make_case(now=T0, kind="dispute", workers_involved=12, arrears_months=None)
    deliver_due(T0)
    assert mailbox.to("city@union.example") == []

    climb_at = T0 + 24 * HOUR + MINUTE  # nobody at T1 acknowledged within 24 hours
    outcome = sweep(climb_at)
    assert [(a.rule, a.target_tier.value) for a in outcome.climbed] == [("collective", "city")]

    assert deliver_due(climb_at)["sent"] == 1
    [mail] = mailbox.to("city@union.example")
    assert subject(mail) == f"【橙色预警】{case.number} 集体争议"
    assert "下级单位未在时限内签收" in mail.get_content()
    assert len(mailbox.to("t1a@union.example")) == 1  # only the first notice


# --- over a real SMTP server ----------------------------------------------------------------------


def test_the_mail_of_a_run_arrives_by_smtp_over_one_connection(make_case, officers, smtp):
    """End to end: the five messages of one run, as they arrive, came through one connection."""
    case = make_case(now=T0, workers_involved=60)

    assert deliver_due(T0) == {"sent": 5, "retrying": 0, "failed": 0}

    assert smtp.connections == 1
    assert Counter(addr for rcpt, _ in smtp.received for addr in rcpt) == {
        "city@union.example": 1,
        "t1a@union.example": 2,
        "t1b@union.example": 2,
    }
    [city_mail] = smtp.to("city@union.example")
    assert subject(city_mail) == f"【红色预警】{case.number} 重大集体争议"
    assert str(city_mail["From"]) == "预警通知 <alerts@mediation.local>"
    assert city_mail["To"] == "city@union.example"
    assert case.enterprise.name in city_mail.get_content()
    [row] = [n for n in outbox() if n.recipient == "city@union.example"]
    assert city_mail["Message-ID"].startswith(f"<notification-{row.id}.")
    assert {n.status for n in outbox()} == {NotificationStatus.sent}


class _BreakOffAtTheSecondMessage(Collect):
    """Breaks the first connection off, as a network failure would, when its second message
    begins."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.connections == 1 and len(self.inbox) == 1:
            server.transport.abort()
            return "421 4.4.2 never heard"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def test_a_connection_broken_mid_run_loses_nothing_and_sends_nothing_twice(
    app, make_case, officers
):
    server = SMTPServer(_BreakOffAtTheSecondMessage)
    server.start()
    try:
        use_mail_server(app, server.port)
        make_case(now=T0, workers_involved=60)  # five messages

        # the second message meets the broken connection and waits; the next opens a new one
        assert deliver_due(T0) == {"sent": 4, "retrying": 1, "failed": 0}
        assert server.connections == 2
        [waiting] = [n for n in outbox() if n.status == NotificationStatus.pending]
        assert waiting.attempts == 1
        assert waiting.last_error.startswith("SMTPServerDisconnected")

        assert deliver_due(waiting.next_attempt_at) == {"sent": 1, "retrying": 0, "failed": 0}
    finally:
        server.stop()
    assert Counter(addr for rcpt, _ in server.received for addr in rcpt) == {
        "city@union.example": 1,
        "t1a@union.example": 2,
        "t1b@union.example": 2,
    }
    assert {n.status for n in outbox()} == {NotificationStatus.sent}


def test_a_server_that_refuses_starttls_gets_nothing_in_clear_text(app, make_case, officers, smtp):
    use_mail_server(app, smtp.port, MAIL_USE_TLS=True)  # aiosmtpd here offers no STARTTLS
    make_case(now=T0, kind="dispute", workers_involved=12, arrears_months=None)  # two messages

    assert deliver_due(T0) == {"sent": 0, "retrying": 2, "failed": 0}
    assert smtp.received == []
    assert smtp.connections == 1  # once for the run
    for n in outbox():
        assert n.status == NotificationStatus.pending
        assert "STARTTLS" in n.last_error


class _RefuseRecipient(Collect):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("t1a@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_recipient_fails_at_once_and_the_others_are_delivered(app, make_case, officers):
    server = SMTPServer(_RefuseRecipient)
    server.start()
    try:
        use_mail_server(app, server.port)
        make_case(now=T0, kind="dispute", workers_involved=12, arrears_months=None)

        assert deliver_due(T0) == {"sent": 1, "retrying": 0, "failed": 1}
    finally:
        server.stop()
    received = server.received
    by_recipient = {n.recipient: n for n in outbox()}
    refused = by_recipient["t1a@union.example"]
    assert refused.status == NotificationStatus.failed  # permanent: no retries
    assert refused.attempts == 1
    assert "550" in refused.last_error
    assert by_recipient["t1b@union.example"].status == NotificationStatus.sent
    assert [rcpt for rcpt, _ in received] == [["t1b@union.example"]]


def test_a_deliverer_that_dies_after_leasing_loses_nothing(
    make_case, officers, mailbox, monkeypatch
):
    """The lease keeps other deliverers off the rows for a while; once it runs out, a row whose
    deliverer died in flight goes out."""
    make_case(now=T0, kind="dispute", workers_involved=12, arrears_months=None)

    def die(self, notification):
        raise SystemExit("the process was killed")

    monkeypatch.setattr(delivery._MailConnection, "send", die)
    with pytest.raises(SystemExit):
        deliver_due(T0)
    db.session.rollback()
    monkeypatch.undo()

    assert {n.status for n in outbox()} == {NotificationStatus.pending}
    assert deliver_due(T0 + MINUTE)["sent"] == 0  # still leased
    assert mailbox.received == []
    assert deliver_due(T0 + HOUR)["sent"] == 2
    assert sorted(r for rcpt, _ in mailbox.received for r in rcpt) == [
        "t1a@union.example",
        "t1b@union.example",
    ]


@requires_postgres
def test_two_deliverers_at_once_send_each_message_exactly_once(app, make_case, make_user, orgs):
    """PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED and leased before sending."""
    for i in range(8):
        make_user("officer", "T1", f"t1x{i}", email=f"x{i}@union.example")
    make_case(now=T0, kind="dispute", workers_involved=12, arrears_months=None)

    received: list = []

    class Slow(Collect):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            await asyncio.sleep(0.05)
            return await super().handle_DATA(server, session, envelope)

    port = free_port()
    controller = Controller(Slow(received), hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    use_mail_server(app, port)
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def deliverer():
        try:
            with app.app_context():
                barrier.wait()
                results.append(deliver_due(T0, limit=4))
                results.append(deliver_due(T0, limit=4))
                results.append(deliver_due(T0, limit=4))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        controller.stop()
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sum(r["sent"] for r in results) == 8
    assert Counter(r for rcpt, _ in received for r in rcpt) == {
        f"x{i}@union.example": 1 for i in range(8)
    }
    assert {n.status for n in outbox()} == {NotificationStatus.sent}


def test_line_breaks_in_stored_names_do_not_start_lines_of_the_alert_mail(
    make_case, make_enterprise, officers, mailbox
):
    """Names stored before single-line text was enforced (or written around the forms) are
    written on one line into the notice."""
    employer = make_enterprise(name="东城五金\r\nBcc: someone@example.com\u2028厂")
    make_case(now=T0, workers_involved=60, enterprise_id=employer.id)
    rows = outbox()
    assert rows
    for row in rows:
        lines = row.body.split("\n")
        assert not any(line.startswith("Bcc:") for line in lines), row.body
        assert any("东城五金 Bcc: someone@example.com 厂" in line for line in lines)
        assert "\r" not in row.body and "\u2028" not in row.body
