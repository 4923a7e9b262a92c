"""The advocate's quick incident form on a phone (375 px): from the navigation to a saved
incident, its report chain and a first report, without horizontal scrolling, in Chinese and
in English."""

from __future__ import annotations

from sqlalchemy import select

from mediation.extensions import db
from mediation.incidents.models import Incident
from mediation.warnings.models import Alert
from tests.conftest import PASSWORD

PHONE = {"width": 375, "height": 812}


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_advocate_reports_an_incident_from_a_phone(live_server, browser, shot, users):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    _login(page, live_server, "advocate")
    with page.expect_navigation():
        page.click("#nav-incidents")
    assert _fits(page)
    with page.expect_navigation():
        page.click("#new-incident")
    assert _fits(page)
    shot(page, "incident-quick-form")

    page.fill("#f-employer_name", "顺发电子厂")
    page.fill("#f-place", "一镇政府门口")
    page.fill("#f-participants", "60")
    page.check("input[name=behaviours][value=gathering]")
    page.check("input[name=behaviours][value=road_blocking]")
    page.select_option("#f-cause", "wage_arrears")
    with page.expect_navigation():
        page.click("#incident-form button[type=submit]")
    assert page.locator("#major-badge").count() == 1
    assert page.locator("#chain li[data-step=verbal]").count() == 1
    assert _fits(page)
    shot(page, "incident-page")

    incident = db.session.scalar(select(Incident))
    assert incident.employer_name == "顺发电子厂" and incident.major
    assert incident.organization_id == users["advocate"].organization_id
    alert = db.session.scalar(select(Alert).where(Alert.incident_id == incident.id))
    assert alert.rule == "mass_incident" and alert.level.value == "red"

    page.select_option("#r-kind", "verbal")
    page.fill("#r-content", "已电话报告市总工会值班室")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    assert page.locator("#reports li[data-kind=verbal]").count() == 1
    assert _fits(page)
    context.close()

    english = browser.new_context(locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True)
    page = english.new_page()
    page.set_extra_http_headers({"Accept-Language": "en"})
    _login(page, live_server, "advocate")
    for path in ("/incidents/new", f"/incidents/{incident.id}", "/incidents"):
        page.goto(live_server + path)
        assert _fits(page), path
    english.close()
