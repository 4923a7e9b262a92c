"""Required fields are marked before anyone submits, and checked in the browser too: the
months in arrears (or the first unpaid pay day) become required the moment the kind is wage
arrears, and an empty required field is named inline without a round trip."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize(
    ("locale", "missing"),
    [("zh-CN", "此项为必填项。"), ("en-GB", "Missing data for required field.")],
)
def test_arrears_period_is_marked_and_checked_before_submitting(
    live_server, browser, users, shot, locale, missing
):
    page = browser.new_page(locale=locale, viewport={"width": 375, "height": 900})
    _login(page, live_server, "mediator")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{live_server}/cases/new")
    marker = page.locator("label[for=f-arrears_months] .req")

    page.select_option("#f-kind", "dispute")
    assert not marker.is_visible()
    page.select_option("#f-kind", "arrears")
    assert marker.is_visible()  # marked as soon as the kind says so, not after a submission
    assert page.locator("#f-arrears_months").evaluate("e => e.required")

    page.click("#case-form button[type=submit]")
    assert posts == []  # nothing went to the server
    title_error = page.locator("#f-title ~ .field-error")
    assert title_error.inner_text() == missing
    assert page.locator("#f-arrears_months ~ .field-error").is_visible()
    assert page.evaluate("document.activeElement.id") == "f-kind" or page.evaluate(
        "document.activeElement.required"
    )
    shot(page, f"required-fields-{locale}")

    # the first unpaid pay day is the other half of the pair: with it the months are optional
    page.fill("#f-wages_unpaid_since", "2026-09-01")
    assert not page.locator("#f-arrears_months").evaluate("e => e.required")
    page.close()
