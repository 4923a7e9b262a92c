"""The roster and the merge on a 375-px phone in a real browser, through the real forms (CSRF
on): a mediator adds a worker with a wrong ID number (refused beside the field, input kept),
corrects it, then merges a duplicate report into the case (docs/collective.md)."""

from __future__ import annotations

import pytest

from mediation.cases.enums import Outcome
from mediation.cases.models import Case
from mediation.extensions import db
from tests.browser.test_journeys import _login
from tests.conftest import valid_id_number


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_mediator_keeps_the_roster_and_merges_on_a_phone(
    live_server, browser, shot, users, make_case, make_enterprise, locale
):
    employer = make_enterprise()
    duplicate = make_case(enterprise_id=employer.id, workers_involved=1, worker_name="甲")
    case = make_case(
        enterprise_id=employer.id, workers_involved=1, worker_name="乙",
        worker_id_number=valid_id_number(serial=61),
    )  # fmt: skip
    page = browser.new_page(locale=locale, viewport={"width": 375, "height": 800})
    _login(page, live_server, "mediator")
    page.goto(f"{live_server}/cases/{case.id}#roster")

    page.click("#action-worker-new summary")
    page.fill("#worker-new-name", "丙")
    page.fill("#worker-new-id_number", "110101199003071234")
    page.fill("#worker-new-amount_owed", "3000")
    page.click("#action-worker-new button[type=submit]")
    page.wait_for_selector("#action-worker-new .field-error")
    assert page.input_value("#worker-new-name") == "丙"
    shot(page, f"roster-refused-{locale}")
    page.fill("#worker-new-id_number", valid_id_number(serial=62))
    page.click("#action-worker-new button[type=submit]")
    page.wait_for_selector("table.roster td:has-text('丙')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.wait_for_selector(f"#duplicate-list [data-case='{duplicate.number}']")
    page.click("#action-merge summary")
    page.check(f"#action-merge input[value='{duplicate.id}']")
    page.click("#action-merge button[type=submit]")
    page.wait_for_selector("#merged-cases")
    shot(page, f"roster-merged-{locale}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    db.session.expire_all()
    assert db.session.get(Case, duplicate.id).outcome == Outcome.merged
    assert db.session.get(Case, case.id).workers_involved == 2
