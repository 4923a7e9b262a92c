"""The pages of supervision notices: the issue form (CSRF, errors beside the fields with what
was typed), the notice page and its reply and verification forms, the register, the enterprise
page's section, the printable notice with its long dates, the alert in the inbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from mediation.labour_supervision import services
from mediation.labour_supervision.models import SupervisionNotice
from mediation.warnings.sweep import sweep
from tests.conftest import login
from tests.html import dom
from tests.labour_supervision.conftest import T10


def _form(enterprise_id: int, **overrides) -> dict:
    today = local_date(utcnow())
    form = {
        "kind": "opinion", "enterprise_id": str(enterprise_id), "issued_on": today.isoformat(),
        "findings": "未按时足额支付工资", "rectification": "补发工资",
        "deadline": (today + timedelta(days=10)).isoformat(), "case_ids": "",
    }  # fmt: skip
    form.update(overrides)
    return form


def test_the_form_issues_the_notice(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    page = client.get(f"/supervision-notices/new?enterprise_id={case.enterprise_id}")
    assert page.status_code == 200 and case.enterprise.name in page.get_data(as_text=True)
    r = client.post("/supervision-notices/new",
                    data=_form(case.enterprise_id, case_ids=f"{case.id}，"))  # fmt: skip
    assert r.status_code == 302
    notice = db.session.scalar(select(SupervisionNotice))
    assert r.headers["Location"].endswith(f"/supervision-notices/{notice.id}")
    assert notice.case_ids == [case.id] and notice.issued_by_id == users["mediator"].id
    html = client.get(f"/supervision-notices/{notice.id}").get_data(as_text=True)
    assert 'id="reply-form"' in html and 'id="verify-form"' in html
    assert 'data-status="issued"' in html


def test_errors_are_shown_beside_the_fields_with_what_was_typed(client, users, make_enterprise):
    enterprise = make_enterprise()
    login(client, users["mediator"])
    today = local_date(utcnow())
    r = client.post("/supervision-notices/new", data=_form(
        enterprise.id, deadline=(today - timedelta(days=1)).isoformat(), rectification="",
        findings="工资表显示十月工资未发",
    ))  # fmt: skip
    assert r.status_code == 422
    page = dom(r)
    assert page.find("textarea", id="f-findings").text == "工资表显示十月工资未发"
    deadline_field = page.find("input", id="f-deadline").parent
    assert "has-error" in deadline_field.attrs["class"]
    assert deadline_field.find("p", cls="field-error") is not None
    assert "has-error" in page.find("textarea", id="f-rectification").parent.attrs["class"]
    assert db.session.scalar(select(SupervisionNotice)) is None


def test_the_form_refuses_a_post_without_the_csrf_token(csrf_app, users, make_enterprise):
    enterprise = make_enterprise()
    browser = csrf_app.test_client()
    with csrf_app.app_context():
        token = dom(browser.get("/login")).find("input", name="csrf_token").attrs["value"]
        browser.post("/login", data={"username": "mediator", "password": "correct-horse-1",
                                     "csrf_token": token})  # fmt: skip
        form_page = browser.get(f"/supervision-notices/new?enterprise_id={enterprise.id}")
        assert dom(form_page).find("input", name="csrf_token") is not None
        assert (
            browser.post("/supervision-notices/new", data=_form(enterprise.id)).status_code == 400
        )
        db.session.remove()
    assert db.session.scalar(select(SupervisionNotice)) is None


def test_reply_and_verification_forms(client, users, make_enterprise):
    notice = services.create_notice(users["mediator"], {
        "kind": "recommendation", "enterprise_id": make_enterprise().id,
        "issued_on": local_date(utcnow()).isoformat(), "findings": "甲", "rectification": "乙",
        "deadline": local_date(utcnow()).isoformat(),
    })  # fmt: skip
    login(client, users["officer"])
    bad = client.post(f"/supervision-notices/{notice.id}/reply",
                      data={"reply_on": "", "reply_text": "我司已整改"})  # fmt: skip
    assert bad.status_code == 422
    assert dom(bad).find("textarea", id="r-reply_text").text == "我司已整改"
    ok = client.post(f"/supervision-notices/{notice.id}/reply", data={
        "reply_on": local_date(utcnow()).isoformat(), "reply_text": "我司已整改"})  # fmt: skip
    assert ok.status_code == 302
    html = client.get(f"/supervision-notices/{notice.id}").get_data(as_text=True)
    assert 'id="reply-form"' not in html and 'id="verify-form"' in html
    assert client.post(f"/supervision-notices/{notice.id}/verify", data={}).status_code == 422
    r = client.post(f"/supervision-notices/{notice.id}/verify",
                    data={"rectified": "true", "note": "核实"})  # fmt: skip
    assert r.status_code == 302
    html = client.get(f"/supervision-notices/{notice.id}").get_data(as_text=True)
    assert 'data-rectified="yes"' in html and 'id="verify-form"' not in html


def test_the_printed_notice_writes_its_dates_as_letters_do(client, users, notice_payload):
    notice = services.create_notice(users["mediator"], notice_payload(), now=T10)
    login(client, users["mediator"])
    r = client.get(f"/supervision-notices/{notice.id}/document")
    assert r.status_code == 200
    page = dom(r)
    sheet = page.find("article", id="supervision-notice-document")
    assert sheet.attrs["data-kind"] == "opinion"
    assert page.find("p", **{"data-field": "issued_on"}).text.strip() == "2026年12月3日"
    assert "2026年12月10日" in page.find("p", **{"data-field": "deadline"}).text
    assert notice.enterprise.name in page.find("p", **{"data-field": "addressee"}).text
    assert "拖欠12名职工" in page.find("p", **{"data-field": "findings"}).text
    english = client.get(f"/supervision-notices/{notice.id}/document?lang=en")
    assert "December 10, 2026" in english.get_data(as_text=True)


def test_register_enterprise_page_and_inbox_show_the_overdue_notice(client, users,
                                                                   notice_payload):  # fmt: skip
    today = local_date(utcnow())
    notice = services.create_notice(users["mediator"], notice_payload(
        issued_on=(today - timedelta(days=10)).isoformat(),
        deadline=(today - timedelta(days=3)).isoformat(),
    ))  # fmt: skip
    sweep(utcnow())
    login(client, users["officer"])
    register = dom(client.get("/supervision-notices"))
    row = register.find("tr", **{"data-notice": str(notice.id)})
    assert row.attrs.get("data-overdue") == "1"
    assert dom(client.get("/supervision-notices?overdue=1")).find(
        "tr", **{"data-notice": str(notice.id)}
    )
    enterprise_page = client.get(f"/enterprises/{notice.enterprise_id}")
    section = dom(enterprise_page).find("section", id="enterprise-notices")
    assert section.find("li", **{"data-notice": str(notice.id)}) is not None
    assert 'data-overdue-notices="1"' in enterprise_page.get_data(as_text=True)
    inbox = dom(client.get("/alerts"))
    group = inbox.find("section", id=f"group-notice-{notice.id}")
    assert group is not None and group.find("div", **{"data-notice": str(notice.id)})
    # acknowledged from the notice's page, back to it
    alert_id = group.find("div", **{"data-notice": str(notice.id)}).attrs["id"].split("-")[1]
    r = client.post(f"/alerts/{alert_id}/acknowledge", data={"note": "已督促", "back": "notice"})
    assert r.headers["Location"].endswith(f"/supervision-notices/{notice.id}")
