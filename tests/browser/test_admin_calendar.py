"""The working-day calendar page in a real browser: it fits a 375-px phone in both languages,
its fields show where the focus is, and a refused schedule comes back beside its field."""

from __future__ import annotations

from datetime import date

from mediation.core import calendar
from tests.conftest import PASSWORD


def _login(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_calendar_page_fits_a_phone_in_both_languages(live_server, browser, shot, users):
    for locale in ("zh-CN", "en"):
        for width in (375, 1280):
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 800})
            page = context.new_page()
            _login(page, live_server)
            page.goto(f"{live_server}/admin/calendar?year=2027")
            assert page.locator("#calendar-years tr[data-year]").count() >= 4
            shot(page, f"admin-calendar-{locale}-{width}")
            # the table of years scrolls inside its box, never the page
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            context.close()


def test_an_administrator_corrects_a_refused_schedule_and_saves_it(
    live_server, browser, shot, users
):
    calendar.clear_caches()
    page = browser.new_page(locale="en", viewport={"width": 375, "height": 800})
    _login(page, live_server)
    page.goto(f"{live_server}/admin/calendar?year=2027")

    page.focus("#c-working_days")
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.id, s.boxShadow, s.outlineStyle]; })()"
    )
    assert focused[0] == "c-working_days"
    assert focused[1] != "none" or focused[2] != "none", "the focused field must show it"

    page.fill("#c-working_days", "2027-02-17")  # a Wednesday
    page.click("#calendar-form button[type=submit]")
    error = page.locator("#c-working_days ~ .field-error")
    assert "2027-02-17 is a weekday" in error.inner_text()
    assert page.input_value("#c-working_days") == "2027-02-17"
    shot(page, "admin-calendar-refused-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.fill("#c-working_days", "2027-02-20")
    page.click("#calendar-form button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/calendar")
    assert page.locator("tr[data-year='2027']").get_attribute("data-source") == "table"
    assert calendar.is_working_day(date(2027, 2, 20))
    page.close()
