"""End-to-end journeys of the first pages in a real browser."""

from __future__ import annotations

from mediation.cases.enums import State
from mediation.cases.models import Case
from mediation.extensions import db
from tests.conftest import PASSWORD, valid_credit_code


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_mediator_reports_accepts_and_mediates_then_advocate_adds_a_visit(
    live_server, browser, shot, users
):
    page = browser.new_page(locale="zh-CN")  # the UI follows the browser: Chinese
    _login(page, live_server, "mediator")

    page.click("text=登记新案件")
    page.select_option("#f-kind", "arrears")
    page.select_option("#f-category", "remuneration")
    page.select_option("#f-handling_org_id", label="一镇甲厂工会")
    page.fill("#f-title", "拖欠12名工人两个月工资")
    page.fill("#f-enterprise\\.name", "江川浏览器测试有限公司")
    page.fill("#f-enterprise\\.credit_code", "123")  # wrong on purpose
    page.fill("#f-workers_involved", "12")
    page.fill("#f-claim_amount", "96000")
    page.fill("#f-arrears_months", "2")
    page.click("button:has-text('登记')")
    # the form comes back with the error beside the field and the input kept
    assert page.locator(".field-error").first.is_visible()
    assert page.input_value("#f-title") == "拖欠12名工人两个月工资"
    shot(page, "new-case-error")

    page.fill("#f-enterprise\\.credit_code", valid_credit_code(4242))
    page.click("button:has-text('登记')")
    page.wait_for_selector("h1:has-text('拖欠12名工人两个月工资')")
    shot(page, "case-detail-reported")
    case = db.session.scalar(db.select(Case).where(Case.title == "拖欠12名工人两个月工资"))
    assert case is not None and case.state == State.reported

    page.click("#action-accept summary")
    page.select_option("#action-accept select[name=mediator_id]", str(users["mediator"].id))
    page.click("#action-accept button[type=submit]")
    page.wait_for_selector(".badge.state-accepted")
    page.click("#action-begin_mediation summary")
    page.click("#action-begin_mediation button[type=submit]")
    page.wait_for_selector(".badge.state-mediating")

    page.click("summary:has-text('指派维权志愿者')")
    page.select_option("#assign-user", str(users["advocate"].id))
    page.click("button:has-text('指派')")
    page.wait_for_selector(".chip")
    shot(page, "case-detail-mediating")
    page.click("button:has-text('退出')")
    page.wait_for_url(f"{live_server}/login")

    phone = browser.new_page(locale="zh-CN", viewport={"width": 375, "height": 740})
    _login(phone, live_server, "advocate")
    phone.click(f"text={case.number}")
    assert phone.locator("form[action*='do=transition']").count() == 0
    phone.select_option("#note-kind", "visit")
    phone.fill("#note-body", "到厂门口走访，12名工人确认两个月工资未发。")
    phone.click("button:has-text('保存走访记录')")
    phone.wait_for_selector("text=到厂门口走访")
    shot(phone, "advocate-phone-visit")

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == State.mediating
    assert case.warning_level is not None  # 12 workers: the collective-dispute alert
    assert [e.kind.value for e in case.events if e.kind.value != "alert"] == [
        "created", "transition", "transition", "assignment", "visit",
    ]  # fmt: skip
