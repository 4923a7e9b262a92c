"""The case list's queue tools on a 375-px phone, in both languages (docs/case-list.md): the
rows are cards with the state in view, the filters are folded behind one button, a saved filter
and a bulk assignment go through the real forms (CSRF on)."""

from __future__ import annotations

import pytest

from mediation.cases.models import Case
from mediation.extensions import db
from tests.conftest import PASSWORD

WIDTH = 375


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_case_list_on_a_phone(live_server, browser, shot, users, make_case, locale):
    cases = [make_case(workers_involved=3), make_case(workers_involved=7)]
    context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    _login(page, live_server, "officer")
    page.goto(f"{live_server}/cases")
    # nothing scrolls sideways; each case is a card with its state badge in view
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert not page.locator("table.case-cards thead").is_visible()
    first = page.locator("table.case-cards tbody tr").first
    assert first.evaluate("el => getComputedStyle(el).display") == "block"
    assert first.locator("td.state .badge, td.state span").first.is_visible()
    # the filters are folded behind one button
    assert not page.locator("#case-filters").is_visible()
    page.locator("details.filters-fold > summary").click()
    assert page.locator("#case-filters").is_visible()
    # sort by a header link (headers are hidden on a phone: use the select), save the filters
    page.select_option("#case-filters select[name=sort]", "-workers_involved")
    page.locator("#case-filters button[type=submit]").click()
    page.wait_for_url("**sort=-workers_involved**")
    # the fold stays open once filters are chosen (the form's blank "All" choices are no filter)
    assert page.locator("#save-filter").is_visible()
    page.fill("#save-filter input[name=name]", "人数多")
    page.locator("#save-filter button[type=submit]").click()
    page.wait_for_url("**/cases?sort=-workers_involved")
    assert page.locator("#saved-filters-menu").count() == 1
    shot(page, f"case-list-phone-{locale}")
    # bulk assignment of both cases
    for case in cases:
        page.check(f"input[name=case][value^='{case.id}:']")
    page.select_option("#bulk-assign select[name=mediator_id]", str(users["g1_mediator"].id))
    page.locator("#bulk-assign button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    context.close()
    db.session.expire_all()
    assert {db.session.get(Case, c.id).mediator_id for c in cases} == {users["g1_mediator"].id}
