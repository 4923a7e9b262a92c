"""The overdue rectification of a supervision notice: the alert to the issuing union on the day
after the deadline (local time), never twice, acknowledged like others, resolved when the
rectification is verified (docs/enterprise-file.md "Supervision notices")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from mediation.extensions import db
from mediation.labour_supervision import services
from mediation.labour_supervision.enums import NoticeStatus
from mediation.reports.risk import risk_for
from mediation.reports.watchlist import watch_list
from mediation.warnings import services as warning_services
from mediation.warnings.inbox import inbox_page
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.sweep import sweep
from tests.labour_supervision.conftest import T10

# the deadline is 2026-12-10: its last moment is 23:59:59 China time, 15:59:59 UTC
LAST_MOMENT = datetime(2026, 12, 10, 15, 59, 59, tzinfo=UTC)
# and the rectification is overdue from 00:00 China time on 11 December, 16:00 UTC on the 10th
OVERDUE_FROM = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)


def _alerts(notice_id: int) -> list[Alert]:
    db.session.expire_all()
    return list(db.session.scalars(select(Alert).where(Alert.notice_id == notice_id)))


def test_overdue_on_the_day_after_the_deadline_in_local_time(users, orgs, notice_payload):
    """Issued on 3 December by town T1 with a deadline of 10 December: nothing on the 10th, even
    at 23:59:59 China time; at 00:00 on the 11th (16:00 UTC on the 10th) a yellow alert to T1."""
    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    assert notice.organization_id == orgs["T1"].id
    assert notice.next_check_at == OVERDUE_FROM
    assert _alerts(notice.id) == []

    sweep(LAST_MOMENT)
    assert _alerts(notice.id) == []

    sweep(OVERDUE_FROM)
    [alert] = _alerts(notice.id)
    assert alert.rule == "notice_overdue" and alert.level.value == "yellow"
    assert alert.target_org_id == orgs["T1"].id and alert.status == AlertStatus.open
    assert alert.case_id is None and alert.incident_id is None

    # no double alert: the sweep and a later change find the same row
    sweep(OVERDUE_FROM + timedelta(minutes=5))
    services.record_reply(
        notice.id, users["mediator"], {"reply_on": "2026-12-11", "reply_text": "正在筹措资金"},
        now=OVERDUE_FROM + timedelta(hours=10),
    )  # fmt: skip
    assert db.session.scalar(select(func.count(Alert.id)).where(Alert.notice_id == notice.id)) == 1


def test_the_overdue_notice_counts_in_the_enterprise_risk_and_watch_list(users, notice_payload):
    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    assert risk_for([notice.enterprise_id])[notice.enterprise_id].overdue_notices == 0
    sweep(OVERDUE_FROM)
    risk = risk_for([notice.enterprise_id])[notice.enterprise_id]
    assert risk.overdue_notices == 1 and risk.open_alerts == 1
    assert risk.highest_level is not None and risk.highest_level.value == "yellow"
    # the enterprise has no case at all, and is on the town's watch list for the notice alone
    entries = {e.enterprise_id: e for e in watch_list(users["officer"], now=OVERDUE_FROM)}
    assert entries[notice.enterprise_id].risk.overdue_notices == 1
    assert entries[notice.enterprise_id].risk.highest_level.value == "yellow"


def test_acknowledged_in_the_inbox_then_resolved_when_verified(users, orgs, notice_payload):
    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    sweep(OVERDUE_FROM)
    [alert] = _alerts(notice.id)

    page = inbox_page(users["officer"], now=OVERDUE_FROM)
    assert [g.key for g in page.groups] == [f"notice-{notice.id}"]
    assert page.groups[0].notice.id == notice.id

    warning_services.acknowledge(
        alert.id, users["officer"], {"note": "已约谈企业负责人"}, now=OVERDUE_FROM
    )
    assert _alerts(notice.id)[0].status == AlertStatus.acknowledged

    # found not rectified: the alert stays
    services.verify(notice.id, users["officer"], {"rectified": False},
                    now=OVERDUE_FROM + timedelta(days=1))  # fmt: skip
    assert _alerts(notice.id)[0].status == AlertStatus.acknowledged

    # checked again and found rectified: the alert resolves in the same transaction
    verified_at = OVERDUE_FROM + timedelta(days=2)
    done = services.verify(
        notice.id, users["officer"], {"rectified": True, "note": "工资已发放"}, now=verified_at
    )
    assert done.status == NoticeStatus.verified and done.verified_by_id == users["officer"].id
    [alert] = _alerts(notice.id)
    assert alert.status == AlertStatus.resolved and alert.resolved_at == verified_at
    assert done.next_check_at is None
    assert risk_for([notice.enterprise_id])[notice.enterprise_id].overdue_notices == 0
    # and no sweep raises it again
    sweep(verified_at + timedelta(days=3))
    assert _alerts(notice.id)[0].status == AlertStatus.resolved


def test_verified_before_the_deadline_never_alerts(users, notice_payload):
    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    services.verify(notice.id, users["mediator"], {"rectified": True}, now=T10 + timedelta(days=2))
    assert services.get_visible_notice(users["mediator"], notice.id).next_check_at is None
    sweep(OVERDUE_FROM + timedelta(days=1))
    assert _alerts(notice.id) == []


def test_the_enterprise_list_ranks_an_overdue_notice_above_a_clear_employer(
    client, users, make_enterprise, notice_payload
):
    from tests.conftest import login
    from tests.html import dom

    clear = make_enterprise(name="一清白企业")  # (first by name)
    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    sweep(OVERDUE_FROM)
    login(client, users["officer"])
    rows = dom(client.get("/enterprises?sort=risk")).find_all("tr")
    order = [r.attrs.get("data-enterprise-id") for r in rows if r.attrs.get("data-enterprise-id")]
    assert order.index(str(notice.enterprise_id)) < order.index(str(clear.id))


def test_the_officers_are_told_by_mail_and_in_the_app_and_may_acknowledge_in_bulk(
    app, users, notice_payload
):
    from mediation.inbox.models import InAppNotice
    from mediation.inbox.texts import notice_text, notice_url
    from mediation.warnings.inbox import acknowledge_many
    from mediation.warnings.models import Notification

    officer = users["officer"]
    officer.email = "t1@example.org"
    db.session.commit()
    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    sweep(OVERDUE_FROM)
    [alert] = _alerts(notice.id)
    [mail] = db.session.scalars(select(Notification).where(Notification.alert_id == alert.id))
    assert notice.enterprise.name in mail.subject
    assert "2026-12-10" in mail.body and notice.number in mail.body
    [told] = db.session.scalars(
        select(InAppNotice).where(
            InAppNotice.alert_id == alert.id, InAppNotice.user_id == officer.id
        )
    )
    with app.test_request_context():
        assert notice.enterprise.name in notice_text(told)
        assert notice_url(told) == f"/supervision-notices/{notice.id}"

    [done] = acknowledge_many(officer, {"ids": [alert.id], "note": "已督促企业"}, now=OVERDUE_FROM)
    assert done.status == AlertStatus.acknowledged and done.note == "已督促企业"


def test_a_notice_alert_shows_on_the_officer_dashboard_and_in_the_sweep_output(
    app, client, users, notice_payload
):
    """The dashboard's newest alerts and the CLI's sweep report name every kind of subject; a
    notice's alert once answered the dashboard with 500 (it was read as a case's)."""
    from mediation.cli import _alert_subject
    from tests.conftest import login

    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    sweep(OVERDUE_FROM)
    [alert] = _alerts(notice.id)
    assert _alert_subject(alert) == f"supervision notice {notice.id}"

    login(client, users["officer"])
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-notice="{notice.id}"' in html
    assert f"/supervision-notices/{notice.id}" in html
