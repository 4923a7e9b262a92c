"""Construction projects in a real browser (docs/enterprise-file.md "Construction projects"):
an officer registers a project with a natural-person team leader through the form, and every
project page and the year-end campaign fit a 375-px phone and a desktop, in both languages.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mediation.core.clock import local_date
from tests.conftest import PASSWORD, valid_id_number

PHONE, DESKTOP = 375, 1280


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_an_officer_registers_a_project_and_its_pages_fit_a_phone(
    live_server, browser, shot, users, make_enterprise, make_case, locale
):
    contractor = make_enterprise("G1", name="宏达建设集团有限公司")
    today = local_date(datetime.now(UTC))
    context = browser.new_context(locale=locale, viewport={"width": DESKTOP, "height": 900})
    page = context.new_page()
    _login(page, live_server, users["officer"].username)
    page.goto(f"{live_server}/projects/new")
    page.fill("#f-name", "滨江花园三期住宅工程")
    page.fill("#f-location", "一镇滨江路88号")
    page.select_option("#f-general_contractor_id", str(contractor.id))
    page.fill("#f-started_on", (today - timedelta(days=200)).isoformat())
    page.fill("#f-planned_completion_on", (today + timedelta(days=30)).isoformat())
    page.fill("#f-sub-0-leader_name", "王建军")
    page.fill("#f-sub-0-leader_id_number", valid_id_number("19780312", 731))
    page.fill("#f-sub-0-trade", "木工班组")
    page.click("#project-form button[type=submit]")
    page.wait_for_selector("#project-name")
    project_url = page.url
    assert "宏达建设集团有限公司" in page.inner_text("#general-contractor")
    assert "19780312" not in page.inner_text("#subcontractors")
    project_id = int(project_url.rstrip("/").rsplit("/", 1)[1])
    make_case(enterprise_id=contractor.id, project_id=project_id)
    shot(page, f"project-{locale}-desktop")

    page.set_viewport_size({"width": PHONE, "height": 800})
    too_wide = []
    for path in ("/projects", f"/projects/{project_id}", f"/projects/{project_id}/edit",
                 "/projects/campaign"):  # fmt: skip
        answer = page.goto(live_server + path)
        assert answer is not None and answer.status == 200, path
        if page.evaluate("document.documentElement.scrollWidth") > PHONE:
            too_wide.append(path)
        shot(page, f"project-{locale}-phone{path.replace('/', '-')}")
    assert not too_wide, too_wide
    # the campaign lists the project with its case; a tick is kept with who ticked it
    page.goto(f"{live_server}/projects/campaign")
    page.click(f"#project-{project_id} button[data-item=site_visited]")
    page.wait_for_selector(
        f"#project-{project_id} button[data-item=site_visited][aria-pressed=true]"
    )
    context.close()
