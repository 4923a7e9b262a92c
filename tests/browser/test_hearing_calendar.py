"""A hearing point's calendar on a 375-px phone, in Chinese and in English: week and month
fit the screen without horizontal scrolling, the hearings are listed by day, and the Services
menu opens to it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from mediation.core.clock import ensure_utc, local_date, local_zone, utcnow
from mediation.hearings import services
from tests.conftest import PASSWORD


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_point_calendar_fits_a_phone_in_both_languages(
    live_server, browser, shot, users, orgs, make_case
):
    point = services.create_point(users["officer"], {
        "name": "一镇职工维权流动法庭（人民路服务中心）", "organization_id": orgs["T1"].id,
        "partner_kind": "court", "partner_name": "市人民法院一镇人民法庭",
        "address": "一镇人民路1号工会职工服务中心三楼",
    })  # fmt: skip
    day = local_date(utcnow()) + timedelta(days=1)
    for n, hour in enumerate((9, 14)):
        case = make_case(title="拖欠某建筑劳务分包有限公司第三项目部农民工工资" * 2)
        start = ensure_utc(datetime.combine(day, time(hour), tzinfo=local_zone()))
        services.schedule_hearing(users["mediator"], case.id, {
            "point_id": point.id, "kind": "trial" if n else "mediation",
            "starts_at": start.isoformat(), "duration_minutes": 120})  # fmt: skip

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    _login(page, live_server, "mediator")
    for code, lang in (("zh_Hans_CN", "zh-CN"), ("en", "en")):
        if page.get_attribute("html", "lang") != lang:
            page.click(f"#lang-switch button[data-lang='{code}']")
            page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == lang
        page.click("#services-menu summary")
        page.click("#nav-hearings")
        page.click(f"tr[data-point-id='{point.id}'] a >> nth=0")
        for view in ("week", "month"):
            page.goto(f"{live_server}/hearing-points/{point.id}/calendar?view={view}"
                      f"&day={day.isoformat()}")  # fmt: skip
            assert page.get_attribute("#calendar", "data-view") == view
            items = page.locator(f"li.cal-day[data-day='{day.isoformat()}'] .cal-item")
            assert items.count() == 2
            shot(page, f"hearing-calendar-{view}-{code}-375")
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, (view, code)
        # a hearing links to its page, which also fits
        items.first.locator("a").click()
        assert page.locator("#hearing").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_the_meetings_pages_fit_a_phone_with_the_checklist_and_overdue_marker(
    live_server, browser, shot, users
):
    from mediation.meetings import services as meetings

    today = local_date(utcnow())
    held_on = today - timedelta(days=20)
    meeting = meetings.create_meeting(users["city_officer"], {
        "kind": "city_government", "title": "劳动关系三方联席会议（市政府）" * 3,
        "held_on": held_on.isoformat(), "bodies": ["government", "hrss", "court", "employers"],
        "agenda": "通报欠薪案件情况", "minutes": "会议决定建立联合处置机制。",
    })  # fmt: skip
    meetings.add_action_item(users["city_officer"], meeting.id, {
        "title": "督促重点企业清偿拖欠农民工工资" * 3, "owner_body": "hrss",
        "due_on": (held_on + timedelta(days=5)).isoformat()})  # fmt: skip

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    _login(page, live_server, "city_officer")
    for code, lang in (("zh_Hans_CN", "zh-CN"), ("en", "en")):
        if page.get_attribute("html", "lang") != lang:
            page.click(f"#lang-switch button[data-lang='{code}']")
            page.wait_for_load_state()
        page.goto(f"{live_server}/meetings")
        assert page.get_attribute(f"#checklist li[data-year='{today.year}']", "data-met") == "yes"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, code
        shot(page, f"meetings-{code}-375")
        page.goto(f"{live_server}/meetings/{meeting.id}")
        assert page.locator("li[data-overdue='yes']").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, code
        shot(page, f"meeting-{code}-375")
    context.close()
