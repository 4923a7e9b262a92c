"""The worker services on a 375-px phone in both languages: the Services menu opens, and a
hardship file with its aid form and the advocates' team fit the screen (docs/worker-services.md)."""

from __future__ import annotations

import pytest

from mediation.hardship import services as hardship
from tests.conftest import PASSWORD, valid_id_number


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_hardship_file_and_the_team_fit_a_phone(live_server, browser, shot, users, orgs, locale):
    file = hardship.open_file(users["mediator"], {
        "name": "李秀英", "id_number": valid_id_number("19780512", 321),
        "hardship_type": "illness", "level": "extreme", "income_per_head": "620.00",
        "household": "丈夫重病，女儿读高中，家庭人均收入低于当地最低生活保障标准。",
        "employer": "江川宏达家具制造有限公司（西湖工业区）", "organization_id": orgs["T1"].id,
    })  # fmt: skip
    context = browser.new_context(locale=locale, viewport={"width": 375, "height": 800})
    page = context.new_page()
    _login(page, live_server, users["mediator"].username)

    page.click("#services-menu summary")
    page.click("#nav-hardship")
    page.wait_for_url(f"{live_server}/hardship")
    assert page.locator(f"#hardship-list tr[data-file-id='{file.id}']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(f"{live_server}/hardship/{file.id}")
    page.click("#aid-form >> xpath=.. >> summary")
    page.focus("#aid-amount")
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.id, s.boxShadow, s.outlineStyle]; })()"
    )
    assert focused[0] == "aid-amount"
    assert focused[1] != "none" or focused[2] != "none", "the focused field must show it"
    page.fill("#aid-amount", "-1")
    page.fill("#aid-source", "市总送温暖专项")
    page.fill("#aid-approved", "周主席")
    page.click("#aid-form button[type=submit]")
    assert page.locator("#aid-amount ~ .field-error").count() == 1
    assert page.input_value("#aid-source") == "市总送温暖专项"
    shot(page, f"hardship-file-{locale}-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(f"{live_server}/advocates")
    assert page.locator("#advocate-list").count() == 1
    shot(page, f"advocates-{locale}-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
