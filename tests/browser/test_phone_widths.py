"""Every main page fits a 375-px phone in both languages: nothing scrolls the page sideways
(a wide table scrolls inside its own box). Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from mediation.cases import services
from mediation.cases.facts import add_note
from tests.conftest import PASSWORD

WIDTH = 375


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def world(users, make_case, make_enterprise):
    enterprise = make_enterprise(
        name="江川某某建筑劳务分包有限公司第三项目部", address="江川市东城街道5号"
    )
    big = make_case(enterprise_id=enterprise.id, workers_involved=60, claim_amount="1200000.00",
                    title="拖欠" + "某某建筑劳务分包有限公司第三项目部" * 2 + "农民工工资")  # fmt: skip
    services.assign_advocate(big.id, users["mediator"], users["advocate"].id)
    add_note(big.id, users["mediator"], {"kind": "note", "body": "电话联系企业负责人" * 10})
    make_case(enterprise_id=enterprise.id, workers_involved=3)
    return {"case": big, "enterprise": enterprise}


PAGES = {
    "admin": ["/", "/cases", "/admin", "/admin/users", "/admin/users/new", "/admin/rules",
              "/admin/outbox", "/admin/calendar", "/admin/import", "/admin/organizations",
              "/admin/organizations/new", "/reports", "/workflow", "/enterprises",
              "/enterprises/watch-list"],
    "officer": ["/", "/alerts", "/cases", "/cases/{case}", "/reports", "/enterprises/{enterprise}",
                "/enterprises/{enterprise}/contacts"],
    "mediator": ["/", "/cases", "/cases/new", "/cases/{case}", "/cases/{case}/edit", "/workflow"],
    "advocate": ["/", "/cases", "/cases/{case}", "/workflow"],
}  # fmt: skip


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_every_main_page_fits_a_phone(live_server, browser, shot, users, world, locale):
    too_wide = []
    for username, paths in PAGES.items():
        context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 800})
        page = context.new_page()
        _login(page, live_server, username)
        for path in paths:
            url = path.format(case=world["case"].id, enterprise=world["enterprise"].id)
            answer = page.goto(live_server + url)
            assert answer is not None and answer.status == 200, (username, url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide.append(f"{username} {url}: {width}px")
                shot(
                    page,
                    f"too-wide-{locale}-{username}-{url.strip('/').replace('/', '-') or 'home'}",
                )
        context.close()
    assert not too_wide, "\n".join(too_wide)
