"""The dashboards in a real browser: the advocate's fits a 375-px phone without horizontal
scrolling, and every stylesheet comes from the app itself."""

from __future__ import annotations

from mediation.cases import services
from tests.conftest import PASSWORD


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_advocate_dashboard_fits_a_phone(live_server, browser, shot, users, make_case):
    long_title = "拖欠" + "某某建筑劳务分包有限公司第三项目部" * 3 + "农民工工资"
    for title in (long_title, "未依法缴纳社会保险"):
        case = make_case(title=title[:200], workers_involved=60)
        services.assign_advocate(case.id, users["mediator"], users["advocate"].id)

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _login(page, live_server, "advocate")
    assert page.locator("article.case-card").count() == 2
    shot(page, "dashboard-advocate-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # nothing is fetched from anywhere but the app (the CSS framework is vendored)
    assert requests and all(url.startswith(live_server) for url in requests)
    context.close()


def test_mediator_and_officer_dashboards_render(live_server, browser, shot, users, make_case):
    make_case(workers_involved=12)
    for username in ("mediator", "officer"):
        for width in (1280, 375):
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            _login(page, live_server, username)
            shot(page, f"dashboard-{username}-{width}")
            # wide tables scroll inside their card, never the page
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            context.close()
