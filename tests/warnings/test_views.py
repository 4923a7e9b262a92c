"""The early-warning pages: the alert inbox and acknowledgement, the alerts and deadline countdowns
on a case's page, and the admin pages for rule thresholds and the notification outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from mediation.cases.enums import EventKind
from mediation.cases.models import CaseEvent
from mediation.core import periods
from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from mediation.warnings.delivery import deliver_due
from mediation.warnings.models import (
    AlertStatus,
    Notification,
    NotificationStatus,
    RuleSettingsVersion,
)
from mediation.warnings.services import acknowledge
from mediation.warnings.settings import current_settings
from tests.conftest import PASSWORD, login
from tests.helpers import HOUR, T0, StatementCounter, alert_of, free_port
from tests.html import Node, dom
from tests.warnings.conftest import use_mail_server

NUMBER = re.compile(r"\b[A-Z0-9]+-\d{4}-\d{5}\b")
LEVEL_LABELS = {"blue": "蓝色预警", "yellow": "黄色预警", "orange": "橙色预警", "red": "红色预警"}


def alert_cards(response) -> list[dict]:
    """The alert cards of a page, in order: level, rule label, status, case number, forms."""
    cards = []
    for card in dom(response).find_all("div", cls="alert-card"):
        badge = next(n for n in card.find_all("span", cls="badge") if any(
            c.startswith("level-") for c in n.classes
        ))  # fmt: skip
        level = next(c[len("level-") :] for c in badge.classes if c.startswith("level-"))
        # in the inbox a card sits in its case's group, whose head names the case
        group, text = card.parent, card.text
        while group is not None and "alert-group" not in group.classes:
            group = group.parent
        if group is not None:
            text = group.find("h2").text + " " + text
        number = NUMBER.search(text)
        cards.append(
            {
                "level": level,
                "level_text": badge.text,
                "rule": card.find("strong").text,
                "text": text,
                "number": number.group(0) if number else None,
                "forms": [f.attrs.get("action") for f in card.find_all("form")],
            }
        )
    return cards


def post_forms(response) -> list[Node]:
    return [f for f in dom(response).find_all("form") if f.attrs.get("method") == "post"]


def field_errors(response) -> list[str]:
    return [p.text for p in dom(response).find_all("p", cls="field-error")]


def logged_in(app, user):
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302
    return client


@pytest.fixture
def big_case(make_case):
    """60 workers, two months of arrears: red for the city, yellow and orange for town T1."""
    return make_case(now=T0, workers_involved=60)


# --- the inbox ------------------------------------------------------------------------------------


def test_an_officer_of_the_target_org_sees_the_alerts_with_level_rule_and_case(
    app, users, big_case
):
    response = logged_in(app, users["officer"]).get("/alerts")
    assert response.status_code == 200
    cards = alert_cards(response)
    assert {(c["level"], c["rule"], c["number"]) for c in cards} == {
        ("orange", "欠薪时长", big_case.number),
        ("yellow", "集体争议", big_case.number),
    }
    for card in cards:
        assert card["level_text"] == LEVEL_LABELS[card["level"]]
        assert "待签收" in card["text"]
        assert big_case.enterprise.name in card["text"]  # the case facts
        assert "60人" in card["text"]

    cards = alert_cards(logged_in(app, users["city_officer"]).get("/alerts"))
    assert [(c["level"], c["rule"], c["number"]) for c in cards] == [
        ("red", "重大集体争议", big_case.number)
    ]
    assert cards[0]["level_text"] == "红色预警"


def test_officers_of_other_orgs_do_not_see_the_alert(app, users, big_case):
    response = logged_in(app, users["other_officer"]).get("/alerts")
    assert response.status_code == 200
    assert alert_cards(response) == []
    assert big_case.number not in response.get_data(as_text=True)
    assert "没有预警" in response.get_data(as_text=True)


def test_the_admin_sees_every_alert(app, users, big_case):
    cards = alert_cards(logged_in(app, users["admin"]).get("/alerts"))
    assert sorted(c["rule"] for c in cards) == ["欠薪时长", "重大集体争议", "集体争议"]


@pytest.mark.parametrize("who", ["mediator", "g1_mediator", "advocate", "other_advocate"])
def test_mediators_and_advocates_have_no_inbox(app, users, big_case, who):
    client = logged_in(app, users[who])
    response = client.get("/alerts")
    assert response.status_code == 403
    assert big_case.number not in response.get_data(as_text=True)
    alert = alert_of(big_case.id, "collective")
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "x"}).status_code == 404
    assert alert_of(big_case.id, "collective").status == AlertStatus.open


def test_the_inbox_shows_unacknowledged_first_then_most_severe_then_newest(app, users, make_case):
    older = make_case(now=T0, workers_involved=12)  # yellow collective + orange arrears, town
    newer = make_case(now=T0 + HOUR, workers_involved=12)
    acknowledge(alert_of(older.id, "arrears_duration").id, users["officer"], {"note": "已安排"})

    cards = alert_cards(logged_in(app, users["officer"]).get("/alerts"))
    assert [(c["number"], c["rule"]) for c in cards] == [
        (newer.number, "欠薪时长"),  # open, orange
        (newer.number, "集体争议"),  # open, yellow, newest
        (older.number, "集体争议"),  # open, yellow
        (older.number, "欠薪时长"),  # acknowledged (orange, but taken care of)
    ]
    assert "已签收" in cards[-1]["text"] and "已安排" in cards[-1]["text"]
    assert cards[-1]["forms"] == []  # nothing left to acknowledge
    assert all(c["forms"] for c in cards[:-1])


def test_the_inbox_filters_by_level_and_status(app, users, make_case):
    case = make_case(now=T0, workers_involved=12)
    acknowledge(alert_of(case.id, "collective").id, users["officer"], {"note": "已安排"})
    client = logged_in(app, users["officer"])

    assert [c["rule"] for c in alert_cards(client.get("/alerts?level=orange"))] == ["欠薪时长"]
    assert [c["rule"] for c in alert_cards(client.get("/alerts?status=acknowledged"))] == [
        "集体争议"
    ]
    assert [c["rule"] for c in alert_cards(client.get("/alerts?status=open"))] == ["欠薪时长"]


# --- acknowledgement ------------------------------------------------------------------------------


def test_acknowledging_through_the_inbox_form_with_a_note(app, users, big_case):
    client = logged_in(app, users["officer"])
    target = alert_of(big_case.id, "collective")
    page = client.get("/alerts")
    action = f"/alerts/{target.id}/acknowledge"
    form = next(f for f in post_forms(page) if f.attrs.get("action") == action)
    assert form.find("input", name="note") is not None

    response = client.post(action, data={"note": "已安排调解员明日走访企业"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/alerts"

    alert = alert_of(big_case.id, "collective")
    assert alert.status == AlertStatus.acknowledged
    assert alert.acknowledged_by_id == users["officer"].id
    assert alert.note == "已安排调解员明日走访企业"
    assert alert_of(big_case.id, "arrears_duration").status == AlertStatus.open
    event = db.session.scalar(
        select(CaseEvent).where(
            CaseEvent.case_id == big_case.id, CaseEvent.kind == EventKind.acknowledgement
        )
    )
    assert event.body == "已安排调解员明日走访企业"

    inbox = client.get("/alerts")
    assert "已签收预警" in inbox.get_data(as_text=True)  # the flash
    card = next(c for c in alert_cards(inbox) if c["rule"] == "集体争议")
    assert "已签收" in card["text"] and card["forms"] == []

    # the case page shows the acknowledgement with its note
    detail = client.get(f"/cases/{big_case.id}")
    assert detail.status_code == 200
    section = dom(detail).find("section", id="alerts")
    assert "已安排调解员明日走访企业" in section.text
    assert "已签收" in section.text
    assert "已安排调解员明日走访企业" in dom(detail).find("section", id="timeline").text


def test_acknowledging_from_the_case_page_returns_to_the_case(app, users, big_case):
    client = logged_in(app, users["officer"])
    target = alert_of(big_case.id, "arrears_duration")
    page = client.get(f"/cases/{big_case.id}")
    action = f"/alerts/{target.id}/acknowledge"
    form = next(f for f in post_forms(page) if f.attrs.get("action") == action)
    data = {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")}
    assert data["back"] == "case"
    data["note"] = "镇工会已约谈企业负责人"

    response = client.post(action, data=data)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/cases/{big_case.id}"
    detail = client.get(f"/cases/{big_case.id}")
    assert "镇工会已约谈企业负责人" in dom(detail).find("section", id="alerts").text
    assert alert_of(big_case.id, "arrears_duration").status == AlertStatus.acknowledged


@pytest.mark.parametrize("note", ["", "   ", None])
def test_an_empty_note_is_refused_with_the_field_message(app, users, big_case, note):
    client = logged_in(app, users["officer"])
    target = alert_of(big_case.id, "collective")

    data = {} if note is None else {"note": note}
    response = client.post(f"/alerts/{target.id}/acknowledge", data=data)

    assert response.status_code == 422
    page = dom(response)
    form = next(
        f
        for f in page.find_all("form")
        if f.attrs.get("action") == f"/alerts/{target.id}/acknowledge"
    )
    messages = [p.text for p in form.find_all("p", cls="field-error")]
    assert messages and all(messages)
    assert "has-error" in form.find("div", cls="field").classes
    # only the form that was posted carries the message
    assert len(field_errors(response)) == len(messages)
    assert alert_of(big_case.id, "collective").status == AlertStatus.open
    assert alert_of(big_case.id, "collective").note is None


def test_an_empty_note_shows_its_message_even_when_the_alert_is_not_on_the_first_page(
    app, users, make_case, monkeypatch
):
    """The 422 answer must show the field message for the alert that was posted: 26 open alerts
    at T1 (13 orange, 13 yellow) of 13 cases, 12 cases a page: the oldest case is on page 2."""
    monkeypatch.setattr("mediation.warnings.inbox.GROUPS_PER_PAGE", 12)
    cases = [make_case(now=T0 + i * HOUR, workers_involved=12) for i in range(13)]
    target = alert_of(cases[0].id, "collective")
    client = logged_in(app, users["officer"])
    assert target.id not in {
        int(a.split("/")[2]) for c in alert_cards(client.get("/alerts")) for a in c["forms"]
    }  # page 1 holds 25 others

    response = client.post(f"/alerts/{target.id}/acknowledge", data={"note": ""})

    assert response.status_code == 422
    action = f"/alerts/{target.id}/acknowledge"
    forms = [f for f in dom(response).find_all("form") if f.attrs.get("action") == action]
    assert forms, "the page answering the refused acknowledgement lacks that alert's form"
    assert forms[0].find_all("p", cls="field-error"), "and so lacks its field message"
    assert alert_of(cases[0].id, "collective").status == AlertStatus.open


@pytest.mark.parametrize("who", ["other_officer", "city_officer"])
def test_acknowledging_an_alert_of_another_org_is_404(app, users, big_case, who):
    target = alert_of(big_case.id, "collective")  # addressed to T1
    response = logged_in(app, users[who]).post(
        f"/alerts/{target.id}/acknowledge", data={"note": "我来处理"}
    )
    assert response.status_code == 404
    assert alert_of(big_case.id, "collective").status == AlertStatus.open


def test_acknowledging_twice_answers_with_a_message_not_a_second_event(app, users, big_case):
    client = logged_in(app, users["officer"])
    target = alert_of(big_case.id, "collective")
    assert client.post(f"/alerts/{target.id}/acknowledge", data={"note": "一"}).status_code == 302
    response = client.post(f"/alerts/{target.id}/acknowledge", data={"note": "二"})
    assert response.status_code == 302
    assert alert_of(big_case.id, "collective").note == "一"
    count = db.session.scalar(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_id == big_case.id, CaseEvent.kind == EventKind.acknowledgement)
    )
    assert count == 1


# --- the case page: alerts and countdowns --------------------------------------------------------


def test_the_case_page_shows_its_alerts_with_forms_only_for_the_viewers_org(app, users, big_case):
    response = logged_in(app, users["officer"]).get(f"/cases/{big_case.id}")
    assert response.status_code == 200
    section = dom(response).find("section", id="alerts")
    assert section is not None
    text = section.text
    for label in ("重大集体争议", "集体争议", "欠薪时长", "红色预警", "黄色预警", "橙色预警"):
        assert label in text
    actions = {f.attrs.get("action") for f in section.find_all("form")}
    assert actions == {
        f"/alerts/{alert_of(big_case.id, 'collective').id}/acknowledge",
        f"/alerts/{alert_of(big_case.id, 'arrears_duration').id}/acknowledge",
    }  # the city's red alert is the city's to acknowledge


def test_a_case_without_alerts_has_no_alert_section(app, users, make_case):
    case = make_case(kind="dispute", category="dismissal", workers_involved=1, arrears_months=None)
    response = logged_in(app, users["mediator"]).get(f"/cases/{case.id}")
    assert response.status_code == 200
    assert dom(response).find("section", id="alerts") is None


def deadlines(response) -> dict[str, str]:
    """The running clocks of the deadline panel: their names and countdowns."""
    items = dom(response).find("ul", cls="clocks")
    if items is None:
        return {}
    result = {}
    for li in items.find_all("li"):
        countdown = li.find("span", cls="countdown")
        if countdown is not None:
            result[li.find("strong").text] = countdown.text
    return result


def test_the_case_page_counts_down_to_its_deadlines(app, users, make_case, drive):
    received = utcnow() - timedelta(days=3, hours=12)  # 11.5 days of the 15 left
    case = make_case(now=received, kind="dispute", workers_involved=1, arrears_months=None)
    client = logged_in(app, users["mediator"])

    # the 15 days' last day is 11 days away, or more when it falls on a rest day
    last_day = periods.days_after(local_date(received), 15).last_day
    left = (last_day - local_date(utcnow())).days
    shown = deadlines(client.get(f"/cases/{case.id}"))
    assert shown["调解期限"] == f"剩余 {left} 天"
    # three working days from receipt: how many are left depends on today's calendar
    assert re.fullmatch(r"(剩余|已超期) \d+ 天", shown["受理期限（本地规定）"])

    drive(case, "accepted")
    shown = deadlines(client.get(f"/cases/{case.id}"))
    assert "受理期限（本地规定）" not in shown
    assert shown["调解期限"] == f"剩余 {left} 天"


def test_an_overdue_mediation_shows_days_overdue(app, users, make_case, drive):
    received = utcnow() - timedelta(days=20, hours=12)
    case = make_case(now=received, kind="dispute", workers_involved=1, arrears_months=None)
    drive(case, "mediating")
    shown = deadlines(logged_in(app, users["mediator"]).get(f"/cases/{case.id}"))
    last_day = periods.days_after(local_date(received), 15).last_day
    assert shown["调解期限"] == f"已超期 {(local_date(utcnow()) - last_day).days} 天"


def test_a_closed_case_has_no_countdown(app, users, make_case, drive):
    case = make_case(kind="dispute", workers_involved=1, arrears_months=None)
    drive(case, "closed")
    response = logged_in(app, users["mediator"]).get(f"/cases/{case.id}")
    assert response.status_code == 200
    assert deadlines(response) == {}


# --- admin: rule thresholds -----------------------------------------------------------------------


def form_values(response) -> dict[str, str]:
    form = next(f for f in post_forms(response) if "card" in f.classes)
    values = {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in form.find_all("input")
        if i.attrs.get("name") and i.attrs["name"] != "csrf_token"
    }
    for select_ in form.find_all("select"):  # levels and addressees are chosen from lists
        chosen = [o for o in select_.find_all("option") if "selected" in o.attrs]
        values[select_.attrs["name"]] = chosen[0].attrs["value"] if chosen else ""
    return values


def test_the_rules_page_shows_the_thresholds(app, users):
    response = logged_in(app, users["admin"]).get("/admin/rules")
    assert response.status_code == 200
    values = form_values(response)
    assert values["collective.workers"] == "10"
    assert values["major_collective.workers"] == "50"
    assert values["major_collective.claim_yuan"] == "1000000"
    assert values["mediation_due_soon.days_before"] == "3"
    assert values["mediation_overdue.max_extension_days"] == "15"
    assert "mediation_overdue.days" not in values  # the law's 15 days: shown, not a setting
    assert "自调解组织收到调解申请之日起十五日" in dom(response).find(id="statutory").text
    assert values["acceptance_overdue.working_days"] == "3"
    assert values["notifications.quiet_start"] == "22:00"
    assert values["collective.level"] == "yellow"


def test_a_valid_change_is_saved_and_shown(app, users):
    client = logged_in(app, users["admin"])
    data = form_values(client.get("/admin/rules"))  # the whole form, as a browser posts it
    data["collective.workers"] = "8"

    response = client.post("/admin/rules", data=data)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/rules"
    assert current_settings()["collective"]["workers"] == 8
    assert current_settings()["major_collective"]["workers"] == 50
    rows = list(db.session.scalars(select(RuleSettingsVersion)))
    assert len(rows) == 1
    assert rows[0].changes == {"collective.workers": [10, 8]}
    assert rows[0].changed_by_id == users["admin"].id

    page = client.get("/admin/rules")
    assert form_values(page)["collective.workers"] == "8"
    assert "默认 10" in page.get_data(as_text=True)
    assert "涉及人数下限 10 → 8" in dom(page).find("section", id="history").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("collective.workers", "-1", "Must not be negative."),
        ("mediation_stalled.days", "abc", "Must be a whole number."),
        ("major_collective.workers", "5", "Must be above the collective threshold."),
        ("mediation_due_soon.days_before", "15", "Must be less than the 15-day mediation period."),
        ("notifications.quiet_end", "25:00", "Must be a time of day HH:MM."),
        ("collective.level", "purple", "Must be one of blue, yellow, orange, red."),
    ],
)
def test_a_bad_change_is_refused_with_the_field_message_and_nothing_saved(
    app, users, field, value, message
):
    client = logged_in(app, users["admin"])
    data = form_values(client.get("/admin/rules"))
    data[field] = value

    response = client.post(
        "/admin/rules", data=data, headers={"Accept-Language": "en"}
    )  # messages in English

    assert response.status_code == 422
    page = dom(response)
    control = page.find("input", name=field) or page.find("select", name=field)
    box = control.parent
    assert "has-error" in box.classes
    assert message in [p.text for p in box.find_all("p", cls="field-error")]
    if control.tag == "input":
        assert control.attrs["value"] == value  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(RuleSettingsVersion)) == 0
    assert current_settings()["collective"]["workers"] == 10
    assert current_settings()["major_collective"]["workers"] == 50


@pytest.mark.parametrize("who", ["officer", "city_officer", "mediator", "advocate"])
def test_non_admins_may_not_see_or_change_the_rules(app, users, who):
    client = logged_in(app, users[who])
    assert client.get("/admin/rules").status_code == 403
    assert client.post("/admin/rules", data={"collective.workers": "8"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(RuleSettingsVersion)) == 0
    assert current_settings()["collective"]["workers"] == 10


def test_the_admin_pages_need_a_login(client, users):
    for path in ("/admin/rules", "/admin/outbox", "/alerts"):
        response = client.get(path)
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert urlsplit(response.headers["Location"]).path == "/login"


# --- admin: the outbox ----------------------------------------------------------------------------


def test_the_admin_sees_the_outbox_with_delivery_state(app, users, make_user, make_case):
    make_user("officer", "T1", "t1mail", email="t1@union.example")
    make_user("officer", "C", "citymail", email="city@union.example")
    case = make_case(now=T0, kind="dispute", workers_involved=60, arrears_months=None)
    # nothing listens on that port: with one attempt allowed, the rows fail
    use_mail_server(app, free_port(), timeout=2)
    app.config["NOTIFY_MAX_ATTEMPTS"] = 1
    assert deliver_due(T0)["failed"] == 2
    make_case(now=T0, kind="dispute", workers_involved=12, arrears_months=None)  # one more, pending
    db.session.add(
        Notification(
            channel="email",
            recipient="sent@union.example",
            subject="每日预警摘要 2026-03-02",
            body="…",
            status=NotificationStatus.sent,
            attempts=1,
            sent_at=T0,
        )
    )
    db.session.commit()

    client = logged_in(app, users["admin"])
    response = client.get("/admin/outbox")
    assert response.status_code == 200
    rows = {}
    for tr in dom(response).find("tbody").find_all("tr"):
        cells = [td.text for td in tr.find_all("td")]
        cells[4] = tr.find("span", cls="badge").attrs["data-status"]  # the text is translated
        rows.setdefault(cells[2], []).append(cells)
    statuses = sorted((r, cells[4]) for r, group in rows.items() for cells in group)
    assert statuses == [
        ("city@union.example", "failed"),
        ("sent@union.example", "sent"),
        ("t1@union.example", "failed"),
        ("t1@union.example", "pending"),
    ]
    failed = next(c for c in rows["city@union.example"])
    assert failed[3] == f"【红色预警】{case.number} 重大集体争议"
    assert failed[5] == "1"  # attempts
    assert "refused" in failed[8].lower()  # the last error

    only_failed = dom(client.get("/admin/outbox?status=failed")).find("tbody").find_all("tr")
    assert sorted(tr.find_all("td")[2].text for tr in only_failed) == [
        "city@union.example",
        "t1@union.example",
    ]


@pytest.mark.parametrize("who", ["officer", "city_officer", "mediator", "advocate"])
def test_non_admins_may_not_see_the_outbox(app, users, who):
    assert logged_in(app, users[who]).get("/admin/outbox").status_code == 403


# --- CSRF -----------------------------------------------------------------------------------------


def csrf_login(app, user):
    client = app.test_client()
    page = client.get("/login")
    token = dom(page).find("input", name="csrf_token").attrs["value"]
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def assert_every_post_form_has_a_token(response) -> int:
    assert response.status_code == 200
    forms = post_forms(response)
    for form in forms:
        tokens = [
            i
            for i in form.find_all("input", name="csrf_token")
            if i.attrs.get("type") == "hidden" and i.attrs.get("value")
        ]
        assert len(tokens) == 1, f"form {form.attrs.get('action')} lacks a csrf_token"
    return len(forms)


def test_every_post_form_of_the_warning_pages_carries_a_csrf_token(csrf_app, users, big_case):
    officer = csrf_login(csrf_app, users["officer"])
    inbox = officer.get("/alerts")
    assert assert_every_post_form_has_a_token(inbox) >= 3  # two acknowledgements and logout
    detail = officer.get(f"/cases/{big_case.id}")
    assert assert_every_post_form_has_a_token(detail) >= 3

    admin = csrf_login(csrf_app, users["admin"])
    assert assert_every_post_form_has_a_token(admin.get("/admin/rules")) >= 2
    assert assert_every_post_form_has_a_token(admin.get("/admin/outbox")) >= 1


def test_acknowledging_and_rule_changes_without_a_token_are_refused(csrf_app, users, big_case):
    target = alert_of(big_case.id, "collective")
    action = f"/alerts/{target.id}/acknowledge"
    officer = csrf_login(csrf_app, users["officer"])
    assert officer.post(action, data={"note": "已安排"}).status_code == 400
    assert alert_of(big_case.id, "collective").status == AlertStatus.open

    page = officer.get("/alerts")
    form = next(f for f in post_forms(page) if f.attrs.get("action") == action)
    token = form.find("input", name="csrf_token").attrs["value"]
    assert officer.post(action, data={"note": "已安排", "csrf_token": token}).status_code == 302
    assert alert_of(big_case.id, "collective").status == AlertStatus.acknowledged

    admin = csrf_login(csrf_app, users["admin"])
    assert admin.post("/admin/rules", data={"collective.workers": "8"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(RuleSettingsVersion)) == 0


def test_the_inbox_does_not_query_per_alert(app, client, users, make_case):
    """A page of 20 alerts costs the same number of statements as a page of 2."""

    def statements_for_inbox() -> int:
        db.session.expire_all()  # as in a real request: nothing loaded and fresh
        with StatementCounter() as counter:
            assert client.get("/alerts").status_code == 200
        return counter.count

    login(client, users["officer"])
    make_case(workers_involved=12)
    few = statements_for_inbox()
    for _ in range(9):
        make_case(workers_involved=12)
    many = statements_for_inbox()
    assert many == few
