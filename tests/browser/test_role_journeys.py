"""One journey per role in a real browser, through the real forms (CSRF on), with a screenshot of
every page on the way (test-artifacts/screenshots/role-*.png).

- the mediator reports a 12-worker arrears case, accepts it, mediates, records the agreement and
  prints the mediation agreement;
- the town officer sees the collective-dispute alert the case raised and acknowledges it;
- the advocate, on a phone, opens the assigned case and records a visit;
- an English-speaking browser switches the interface to Chinese and back.
"""

from __future__ import annotations

import re

import pytest

from mediation.accounts.models import User
from mediation.cases import services
from mediation.cases.enums import State
from mediation.cases.models import Case
from mediation.core.identifiers import mask_id_number
from mediation.core.money import amount_in_capitals
from mediation.extensions import db
from mediation.warnings.models import AlertStatus
from tests.conftest import PASSWORD, future_date, valid_id_number
from tests.helpers import alert_of, reload

CASE_URL = re.compile(r".*/cases/(\d+)$")
ENTERPRISE = "江川市东城精密五金制品有限公司"
TITLE = "拖欠12名工人两个月工资（东城五金）"
WORKER = "李秀英"


# demo-like names for the people of town T1 (the factories name them "mediator at T1" …)
DISPLAY_NAMES = {"mediator": "陈志明", "officer": "周慧敏", "advocate": "黄晓东"}


@pytest.fixture(autouse=True)
def _named(users):
    for key, name in DISPLAY_NAMES.items():
        users[key].display_name = name
    db.session.commit()


def _login(page, base: str, username: str, shot=None, name: str = "") -> None:
    """Sign in through the login form and land on the dashboard."""
    page.goto(f"{base}/login")
    page.wait_for_selector("#username")
    if shot:
        shot(page, f"{name}-login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _no_horizontal_scroll(page) -> bool:
    width = page.viewport_size["width"]
    return page.evaluate("document.documentElement.scrollWidth") <= width


def _case_state(page) -> str:
    return page.get_attribute("#case-head", "data-state")


def _fire(page, trigger: str, fields: dict[str, str] | None = None, selects=None) -> None:
    """Open the action's form on the case page, fill it in and submit it."""
    page.click(f"#action-{trigger} summary")
    for name, value in (selects or {}).items():
        page.select_option(f"#{trigger}-{name}", value)
    for name, value in (fields or {}).items():
        page.fill(f"#{trigger}-{name}", value)
    with page.expect_navigation():
        page.click(f"#action-{trigger} button[type=submit]")


def _enterprise(make_enterprise):
    return make_enterprise(
        org="G1",
        name=ENTERPRISE,
        address="江川市东城街道工业大道18号",
        legal_representative="赵德明",
    )


def _mediating_case(users, make_case, make_enterprise, drive) -> Case:
    """The demo-like 12-worker arrears case, accepted and in mediation (through the services)."""
    case = make_case(
        enterprise_id=_enterprise(make_enterprise).id,
        title=TITLE,
        worker_name=WORKER,
        worker_id_number=valid_id_number("19850612", 417),
    )
    return drive(case, "mediating")


def test_mediator_reports_mediates_and_prints_the_agreement(
    live_server, browser, shot, users, make_enterprise
):
    enterprise = _enterprise(make_enterprise)
    mediator: User = users["mediator"]
    id_number = valid_id_number("19850612", 417)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server, "mediator", shot, "role-mediator")
    shot(page, "role-mediator-dashboard")

    # report the case: the employer is chosen from the registry
    with page.expect_navigation():
        page.click("header nav a[href$='/cases/new']")
    page.wait_for_selector("#case-form")
    page.select_option("#f-kind", "arrears")
    page.select_option("#f-category", "remuneration")
    page.select_option("#f-channel", "walk_in")
    page.select_option("#f-handling_org_id", label="一镇甲厂工会")
    page.fill("#f-title", TITLE)
    page.fill("#f-description", "2026年1月至2月工资未发放，12名工人到工会求助。")
    # the employer search box (static/enterprise_search.js) finds the registered employer
    page.fill("#f-enterprise_q", enterprise.name[:4])
    page.click(f'#enterprise-results button[data-enterprise-id="{enterprise.id}"]')
    assert page.input_value("#f-enterprise_id") == str(enterprise.id)
    assert enterprise.name in page.inner_text("#enterprise-chosen")
    page.fill("#f-worker_name", WORKER)
    page.fill("#f-worker_phone", "13800138000")
    page.fill("#f-worker_id_number", id_number)
    page.fill("#f-workers_involved", "12")
    page.fill("#f-claim_amount", "96000")
    page.fill("#f-arrears_months", "2")
    page.check("input[name=is_migrant]")
    shot(page, "role-mediator-new-case")
    with page.expect_navigation():
        page.click("#case-form button[type=submit]")
    page.wait_for_url(CASE_URL)
    case_id = int(CASE_URL.match(page.url).group(1))
    case = reload(case_id)
    assert case.title == TITLE and case.enterprise_id == enterprise.id
    assert case.workers_involved == 12 and case.claim_amount_fen == 9_600_000
    assert page.get_attribute("#case-head", "data-case") == case.number
    assert _case_state(page) == "reported"
    assert page.text_content("#worker-id-number").strip() == id_number  # unmasked for mediators
    shot(page, "role-mediator-case-reported")

    # accept it, assigning themselves, and begin mediating
    _fire(page, "accept", selects={"mediator_id": str(mediator.id)})
    assert _case_state(page) == "accepted"
    shot(page, "role-mediator-case-accepted")
    _fire(page, "begin_mediation")
    assert _case_state(page) == "mediating"
    shot(page, "role-mediator-case-mediating")

    # record the agreement: no print link before it, one after
    assert page.locator("#document-agreement").count() == 0
    due = future_date(20)
    _fire(
        page,
        "record_agreement",
        {
            "terms": "东城五金于约定日期前一次性支付12名工人拖欠工资共计人民币88000元。",
            "agreement_amount": "88000",
            "agreement_due_on": due,
        },
    )
    assert _case_state(page) == "agreement"
    shot(page, "role-mediator-case-agreement")
    case = reload(case_id)
    assert case.state == State.agreement and case.mediator_id == mediator.id
    assert case.agreement_amount_fen == 8_800_000 and case.agreement_due_on.isoformat() == due

    # the printable mediation agreement opens in a new tab from the case page
    with context.expect_page() as opened:
        page.click("#document-agreement")
    doc = opened.value
    doc.wait_for_load_state()
    assert doc.url == f"{live_server}/cases/{case_id}/documents/agreement"
    sheet = doc.locator("#agreement-document")
    assert sheet.get_attribute("data-case-number") == case.number

    def field(name: str):
        return doc.locator(f"#agreement-document [data-field={name}]")

    assert WORKER in field("worker_name").text_content()
    assert field("worker_id_number").text_content().strip() == id_number
    assert field("enterprise_name").text_content().strip() == ENTERPRISE
    assert field("credit_code").text_content().strip() == enterprise.credit_code
    assert field("legal_representative").text_content().strip() == "赵德明"
    # issued by the union's mediation committee (docs/translations.md "The documents' issuers")
    assert field("organization").text_content().strip() == "一镇甲厂工会劳动争议调解委员会"
    assert field("mediator").text_content().strip() == mediator.display_name
    assert "88000" in field("terms").text_content()
    agreed = field("agreement_amount")
    assert agreed.get_attribute("data-fen") == "8800000"
    assert amount_in_capitals(8_800_000) == "捌万捌仟元整"
    assert "捌万捌仟元整" in agreed.text_content()
    assert "玖万陆仟元整" in field("claim_amount").text_content()  # the claim, in capitals too
    assert field("agreement_due_on").get_attribute("data-date") == due
    shot(doc, "role-mediator-agreement-document")
    context.close()


def test_town_officer_acknowledges_the_collective_alert(
    live_server, browser, shot, users, make_case, make_enterprise, drive
):
    case = _mediating_case(users, make_case, make_enterprise, drive)
    alert = alert_of(case.id, "collective")
    assert (
        alert.status == AlertStatus.open and alert.target_org_id == users["officer"].organization_id
    )
    note = "已知悉，安排一镇工会法律服务站今日约谈企业负责人。"

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server, "officer", shot, "role-officer")

    # the dashboard: the yellow count and the alert among the newest
    row = page.locator(f"#newest-alerts tr[data-alert='{alert.id}']")
    assert row.get_attribute("data-rule") == "collective"
    assert row.get_attribute("data-case") == case.number
    assert int(page.get_attribute(".level-count[data-level=yellow]", "data-count")) >= 1
    shot(page, "role-officer-dashboard")

    # the inbox: acknowledge it with a note
    with page.expect_navigation():
        page.click("#inbox-link")
    card = page.locator(f"#alert-{alert.id}")
    assert card.get_attribute("data-rule") == "collective"
    assert card.get_attribute("data-status") == "open"
    assert card.get_attribute("data-case") == case.number
    shot(page, "role-officer-inbox")
    page.fill(f"#ack-{alert.id}", note)
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    card = page.locator(f"#alert-{alert.id}")
    assert card.get_attribute("data-status") == "acknowledged"
    assert note in card.text_content()
    assert card.locator("form").count() == 0  # nothing left to acknowledge
    shot(page, "role-officer-inbox-acknowledged")
    acknowledged = alert_of(case.id, "collective")
    assert acknowledged.status == AlertStatus.acknowledged
    assert acknowledged.acknowledged_by_id == users["officer"].id and acknowledged.note == note

    # the case: the acknowledgement and its note on the timeline
    with page.expect_navigation():
        # (in the inbox the case's link heads its group of alerts)
        page.locator(f"#group-case-{case.id} h2 a:has-text('{case.number}')").click()
    assert page.get_attribute("#case-head", "data-case") == case.number
    assert page.locator(f"#alerts #alert-{alert.id}").get_attribute("data-status") == "acknowledged"
    entry = page.locator("#timeline li[data-kind=acknowledgement]")
    assert entry.count() == 1 and note in entry.text_content()
    assert DISPLAY_NAMES["officer"] in entry.text_content()
    shot(page, "role-officer-case")

    # back on the dashboard the alert no longer waits for acknowledgement
    with page.expect_navigation():
        page.click("header a.brand")
    assert page.locator(f"#newest-alerts tr[data-alert='{alert.id}']").count() == 0
    shot(page, "role-officer-dashboard-after")
    context.close()


def test_advocate_records_a_visit_on_a_phone(
    live_server, browser, shot, users, make_case, make_enterprise, drive
):
    case = _mediating_case(users, make_case, make_enterprise, drive)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    id_number = case.worker_id_number
    visit = "到东城五金厂门口走访，12名工人确认1月、2月工资未发，企业承诺月底前支付。"

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    _login(page, live_server, "advocate", shot, "role-advocate")
    card = page.locator(f"article.case-card[data-case='{case.number}']")
    assert card.get_attribute("data-state") == "mediating"
    assert _no_horizontal_scroll(page)
    shot(page, "role-advocate-dashboard")

    with page.expect_navigation():
        card.locator("a").first.click()
    assert page.get_attribute("#case-head", "data-case") == case.number
    assert _no_horizontal_scroll(page)
    shown = page.text_content("#worker-id-number").strip()
    assert shown == mask_id_number(id_number) and "*" in shown
    assert id_number not in page.content()  # nowhere on the page
    assert page.locator("[id^='action-']").count() == 0  # advocates fire no transitions
    shot(page, "role-advocate-case")

    page.select_option("#note-kind", "visit")
    page.fill("#note-body", visit)
    with page.expect_navigation():
        page.click("#note-form button[type=submit]")
    entry = page.locator("#timeline li[data-kind=visit]")
    assert entry.count() == 1 and visit in entry.text_content()
    assert DISPLAY_NAMES["advocate"] in entry.text_content()
    assert _no_horizontal_scroll(page)
    shot(page, "role-advocate-case-visit")

    db.session.expire_all()
    event = [e for e in reload(case).events if e.kind.value == "visit"]
    assert len(event) == 1 and event[0].body == visit
    assert event[0].actor_id == users["advocate"].id
    context.close()


def test_english_browser_switches_to_chinese_and_back(live_server, browser, shot, users):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()

    def lang() -> str:
        return page.get_attribute("html", "lang")

    def switch(code: str) -> None:
        with page.expect_navigation():
            page.click(f"#lang-switch button[data-lang='{code}']")

    page.goto(f"{live_server}/login")
    assert lang() == "en"
    assert page.text_content("label[for=username]").strip() == "User name"
    assert page.text_content("main h1").strip() == "Sign in"
    assert page.get_attribute("#lang-switch .lang-current", "data-lang") == "en"
    shot(page, "role-english-login-en")

    switch("zh_Hans_CN")
    assert page.url == f"{live_server}/login"
    assert lang() == "zh-CN"
    assert page.text_content("label[for=username]").strip() == "用户名"
    assert page.text_content("main h1").strip() == "登录"
    shot(page, "role-english-login-zh")

    switch("en")
    assert lang() == "en" and page.text_content("main h1").strip() == "Sign in"
    shot(page, "role-english-login-en-again")

    # signed in, the switch also stores the user's preference
    page.fill("#username", "mediator")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert lang() == "en"
    assert (
        page.locator("header nav a[href$='/cases/new']").text_content().strip() == "Register a case"
    )
    shot(page, "role-english-dashboard-en")
    switch("zh_Hans_CN")
    assert page.url == f"{live_server}/" and lang() == "zh-CN"
    shot(page, "role-english-dashboard-zh")
    db.session.expire_all()
    assert db.session.get(User, users["mediator"].id).locale == "zh_Hans_CN"
    switch("en")
    assert lang() == "en"
    db.session.expire_all()
    assert db.session.get(User, users["mediator"].id).locale == "en"
    context.close()
