"""The bell and the notices page on a 375-px phone, in Chinese and English: the bell counts
the unread notices, the page lists them in the reader's language and marks them read
(docs/notifications.md). Screenshots go to test-artifacts/screenshots/notices-*."""

from __future__ import annotations

import pytest

from mediation.cases import services
from tests.conftest import PASSWORD
from tests.helpers import reload

WIDTH = 375
TEXTS = {
    "zh-CN": ("已在案件", "已指派您为案件"),
    "en-GB": ("recorded a visit on case", "assigned you as an advocate on case"),
}


@pytest.fixture
def world(users, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")  # the T1 mediator's
    services.add_note(case.id, users["officer"], {"kind": "visit", "body": "走访企业"})
    services.add_note(case.id, users["officer"], {"kind": "visit", "body": "再次走访"})
    services.assign_advocate(case.id, users["officer"], users["advocate"].id)
    return reload(case)


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_bell_counts_and_the_page_lists_and_marks_read(
    live_server, browser, shot, users, world, locale
):
    visit_text, advocate_text = TEXTS[locale]
    for username, unread, text in (("mediator", "2", visit_text), ("advocate", "1", advocate_text)):
        context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 800})
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        assert page.inner_text("#bell-count").strip() == unread
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        shot(page, f"notices-{locale}-{username}-bell")
        page.click("#bell")
        page.wait_for_url(f"{live_server}/notices")
        items = page.locator("#notice-list li")
        assert items.count() == int(unread)
        assert text in items.first.inner_text() and world.number in items.first.inner_text()
        assert page.locator("#notice-list li.notice-new").count() == int(unread)
        assert page.locator("#bell-count").count() == 0  # read on view
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        shot(page, f"notices-{locale}-{username}-list")
        page.locator("#notice-list li a").first.click()
        page.wait_for_url(f"{live_server}/cases/{world.id}")
        page.goto(f"{live_server}/notices")
        assert page.locator("#notice-list li.notice-new").count() == 0
        context.close()
