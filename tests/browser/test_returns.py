"""The return's pages in a real browser, in both languages (docs/returns.md): the list leads to
a submitted return whose frozen tables read in the reader's language, on a phone without
sideways scrolling, and the printable page opens in Chinese."""

from __future__ import annotations

import pytest

from mediation.core.clock import local_date, utcnow
from mediation.returns import services
from tests.conftest import PASSWORD


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize(("locale", "title"), [("zh-CN", "主要指标"), ("en", "Main figures")])
def test_a_submitted_return_reads_in_both_languages(
    live_server, browser, shot, users, make_case, locale, title
):
    make_case()
    today = local_date(utcnow())
    ret = services.create_draft(
        users["officer"], {"kind": "month", "year": today.year, "number": today.month}
    )
    services.update_sections(users["officer"], ret.id, {"main_problems": "欠薪集中在建筑领域"})
    services.fire(users["officer"], ret.id, "submit")

    context = browser.new_context(locale=locale, viewport={"width": 375, "height": 800})
    page = context.new_page()
    _login(page, live_server, users["city_officer"].username)
    page.goto(f"{live_server}/returns")
    page.click(f"#return-list tr[data-return-id='{ret.id}'] a")
    page.wait_for_url(f"{live_server}/returns/{ret.id}")
    assert page.inner_text("#table-overview h2") == title
    assert page.locator("#return-version").get_attribute("data-version") == "1"
    assert "欠薪集中在建筑领域" in page.inner_text("#main-problems")
    assert page.locator("#step-approve").count() == 1  # the city decides
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, f"return-{locale}")

    page.goto(f"{live_server}/returns/{ret.id}/print")
    assert page.inner_text("#return-document h1") == "维权工作情况报告"
    assert "主要指标" in page.inner_text("#return-document")
    context.close()
