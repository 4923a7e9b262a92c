"""The daily work of the two roles the older journeys leave out, in Chinese and in English, in
a real browser through the real forms (CSRF on), with screenshots
(test-artifacts/screenshots/daily-*.png); the mediator's, the town officer's and the advocate's
are in test_role_journeys.py, test_inbox_tools.py, test_case_list_tools.py and
test_visit_photos.py.

- the city officer takes a town's case over (提级办理); the town officer who worked it still
  reads it, marked as taken over, in the list and on its page, with no form to change it, and
  finds the take-over in the bell;
- the administrator reads the rule thresholds as translated choices, and deactivates a user
  only after ticking the confirmation.
"""

from __future__ import annotations

import pytest

from mediation.accounts.models import User
from mediation.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import reload

TAKEN_OVER = {"zh-CN": "提级办理", "en-GB": "Taken over by"}
CONFIRM = {"zh-CN": "确认停用", "en-GB": "Deactivate"}


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_city_officer_takes_over_and_the_town_still_reads_it(
    live_server, browser, shot, users, make_case, locale
):
    case = make_case()
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server, "city_officer")
    page.goto(f"{live_server}/cases/{case.id}")
    page.locator("#action-takeover > summary").click()
    page.fill("#takeover-reason", "涉及人数多，市总工会提级办理。")
    shot(page, f"daily-{locale}-city-takeover")
    with page.expect_navigation():
        page.locator("#takeover-form button[type=submit]").click()
    assert reload(case).handling_org_id == users["city_officer"].organization_id
    context.close()

    # the town officer, on a phone: the list marks it, the page reads it, nothing to change
    context = browser.new_context(locale=locale, viewport={"width": 375, "height": 800})
    page = context.new_page()
    _login(page, live_server, "officer")
    page.goto(f"{live_server}/cases")
    _fits(page, 375)
    assert TAKEN_OVER[locale] in page.locator("span.badge.taken-over").first.inner_text()
    shot(page, f"daily-{locale}-town-list-taken-over")
    page.goto(f"{live_server}/cases/{case.id}")
    assert page.locator("#read-only").is_visible()
    assert page.locator("#note-form").count() == 0
    assert page.locator("form[action*='do=transition']").count() == 0
    _fits(page, 375)
    shot(page, f"daily-{locale}-town-case-read-only")
    # and the bell told them of the take-over
    assert int(page.inner_text("#bell-count").strip()) >= 1
    context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_administrator_reads_rules_as_choices_and_confirms_a_deactivation(
    live_server, browser, shot, users, make_user, locale
):
    leaver = make_user("mediator", "T1", "leaver")
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server, "admin")

    page.goto(f"{live_server}/admin/rules")
    selects = page.locator("form select")
    assert selects.count() > 0
    # every choice is a translated word, never a bare code
    codes = {"yellow", "orange", "red", "blue", "town", "city", "handling"}
    for text in page.locator("form select option").all_inner_texts():
        assert text.strip() not in codes, text
    _fits(page, 1280)
    shot(page, f"daily-{locale}-admin-rules")

    page.goto(f"{live_server}/admin/users")
    confirm = page.locator(f"#deactivate-{leaver.id}")
    confirm.locator("summary").click()
    button = confirm.locator("button[type=submit]")
    # without the tick the browser refuses (and the server would change nothing)
    button.click()
    db.session.expire_all()
    assert db.session.get(User, leaver.id).is_active
    confirm.locator("input[name=confirm]").check()
    shot(page, f"daily-{locale}-admin-deactivate")
    with page.expect_navigation():
        button.click()
    db.session.expire_all()
    assert not db.session.get(User, leaver.id).is_active
    context.close()
