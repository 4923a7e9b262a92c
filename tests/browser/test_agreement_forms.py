"""The agreement's forms on a phone (375 px), in a real browser through the real forms (CSRF on):
instalments typed as lines come back as typed with the errors beside them, then go in; a partial
payment; the notice after a failed mediation opens from the case page. Screenshots in
test-artifacts/screenshots/agreement-*.png."""

from __future__ import annotations

import pytest

from mediation.cases.enums import State
from tests.conftest import PASSWORD, future_date
from tests.helpers import reload


def _phone(browser, locale: str):
    context = browser.new_context(
        locale=locale, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    return context, context.new_page()


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _submit(page, trigger: str) -> None:
    with page.expect_navigation():
        page.click(f"#action-{trigger} button[type=submit]")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_instalments_on_a_phone(live_server, browser, shot, users, make_case, drive, locale):
    case = drive(make_case(), "mediating")
    context, page = _phone(browser, locale)
    _login(page, live_server, "mediator")
    page.goto(f"{live_server}/cases/{case.id}")
    page.click("#action-record_agreement summary")
    box = page.locator("#record_agreement-instalments").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert _no_horizontal_scroll(page)

    first, second = future_date(10), future_date(40)
    typed = f"{first} 30000\n{second} 50000"  # 80,000 of the 90,000 agreed
    page.fill("#record_agreement-terms", "分两期支付拖欠工资")
    page.fill("#record_agreement-agreement_amount", "90000")
    page.fill("#record_agreement-instalments", typed)
    _submit(page, "record_agreement")
    assert page.get_attribute("#case-head", "data-state") == "mediating"
    assert page.input_value("#record_agreement-instalments") == typed  # kept as typed
    error = page.locator("#action-record_agreement .field-error")
    assert error.count() == 1 and "90,000.00" in error.text_content()
    assert _no_horizontal_scroll(page)
    shot(page, f"agreement-instalments-error-{locale}")

    page.fill("#record_agreement-instalments", f"{first} 30000\n{second} 60000")
    _submit(page, "record_agreement")
    assert page.get_attribute("#case-head", "data-state") == "agreement"
    assert page.locator("#instalments li").count() == 2
    assert _no_horizontal_scroll(page)

    page.click("#action-record_payment summary")
    page.fill("#record_payment-paid_amount", "30000")
    _submit(page, "record_payment")
    assert page.get_attribute("#case-head", "data-state") == "agreement"
    assert page.locator("#timeline li[data-kind=payment]").count() == 1
    shot(page, f"agreement-payment-{locale}")
    stored = reload(case.id)
    assert stored.state == State.agreement and stored.paid_amount_fen == 3_000_000
    assert [i["due_on"] for i in stored.instalments] == [first, second]
    context.close()


def test_notice_opens_from_the_case_page_on_a_phone(
    live_server, browser, shot, users, make_case, drive
):
    case = drive(make_case(), "failed")
    context, page = _phone(browser, "zh-CN")
    _login(page, live_server, "mediator")
    page.goto(f"{live_server}/cases/{case.id}")
    with context.expect_page() as opened:
        page.click("#document-notice")
    notice = opened.value
    notice.wait_for_load_state()
    assert notice.url == f"{live_server}/cases/{case.id}/documents/notice"
    assert notice.locator("[data-field=arbitration-advice]").count() == 1
    shot(notice, "agreement-notice")
    context.close()
