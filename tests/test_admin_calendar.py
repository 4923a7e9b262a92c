"""The administrators' working-day calendar page (`/admin/calendar`): the years and where their
schedules come from, and the form that enters or replaces a year's official schedule. Bad input
comes back with what was typed and the messages beside the fields, and writes nothing."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from mediation.core import calendar
from mediation.core.calendar import is_working_day
from mediation.core.calendar_models import CalendarDay, CalendarYear
from mediation.core.calendar_schedules import save_schedule
from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from tests.conftest import login
from tests.html import dom

GOOD = {
    "year": "2027",
    "holidays": "2027-01-01 元旦\n2027-02-05..2027-02-11 春节",
    "working_days": "2027-02-20 春节调休",
}
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.clear_caches()
    yield
    calendar.clear_caches()


def stored() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(CalendarYear)),
        db.session.scalar(select(func.count()).select_from(CalendarDay)),
    )


def rows(response) -> dict[int, str]:
    return {
        int(tr.attrs["data-year"]): tr.attrs["data-source"]
        for tr in dom(response).find_all("tr")
        if "data-year" in tr.attrs
    }


def test_the_page_lists_the_years_around_today_with_their_sources(client, users):
    login(client, users["admin"])
    response = client.get("/admin/calendar", headers=EN)
    assert response.status_code == 200
    this_year = local_date(utcnow()).year
    listed = rows(response)
    assert set(listed) == set(range(this_year - 1, this_year + 3))
    for year, source in listed.items():
        assert source == calendar.source(year).value
    assert rows(client.get("/admin/calendar")) == listed  # the Chinese page too


def test_a_year_asked_for_fills_the_form_with_its_computed_holidays(client, users):
    login(client, users["admin"])
    page = dom(client.get("/admin/calendar?year=2027", headers=EN))
    assert page.find("input", name="year").attrs["value"] == "2027"
    holidays = page.find("textarea", name="holidays").text
    assert "2027-02-05..2027-02-08" in holidays
    assert page.find("textarea", name="working_days").text.strip() == ""
    assert page.find("input", name="csrf_token") is not None


def test_an_administrator_enters_2027_and_it_applies_at_once(client, users):
    login(client, users["admin"])
    assert not is_working_day(date(2027, 2, 20))
    response = client.post("/admin/calendar", data=GOOD, headers=EN)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/calendar"
    assert stored() == (1, 1 + 7 + 1)
    assert db.session.get(CalendarYear, 2027).entered_by == users["admin"].username
    assert is_working_day(date(2027, 2, 20))
    assert calendar.has_official_schedule(2027)

    page = client.get("/admin/calendar", headers=EN)
    assert rows(page)[2027] == "table"
    assert (
        "2027-02-20 春节调休"
        in dom(client.get("/admin/calendar?year=2027")).find("textarea", name="working_days").text
    )


def test_bad_input_comes_back_with_messages_beside_the_fields_and_writes_nothing(client, users):
    save_schedule("2027", "2027-01-01 元旦", "", entered_by="admin")
    login(client, users["admin"])
    typed = {
        "year": "2027",
        "holidays": "2027-01-01 元旦\n2027-02-31 春节",
        "working_days": "2027-02-17",
    }
    response = client.post("/admin/calendar", data=typed, headers=EN)
    assert response.status_code == 422
    page = dom(response)
    for name, message in (
        ("holidays", "Line 2: 2027-02-31 is not a date."),
        ("working_days", "Line 1: 2027-02-17 is a weekday"),
    ):
        field = page.find("textarea", name=name).parent
        assert "has-error" in field.classes
        assert message in " ".join(p.text for p in field.find_all("p", cls="field-error"))
        assert f">{typed[name]}</textarea>" in response.get_data(as_text=True)  # as typed
    assert stored() == (1, 1)
    assert is_working_day(date(2027, 2, 9))


def test_a_bad_year_is_refused_beside_the_year(client, users):
    login(client, users["admin"])
    response = client.post("/admin/calendar", data=GOOD | {"year": "two"}, headers=EN)
    assert response.status_code == 422
    field = dom(response).find("input", name="year").parent
    assert "Enter the year as four digits" in field.text
    assert dom(response).find("input", name="year").attrs["value"] == "two"
    assert stored() == (0, 0)


def test_removing_an_entered_year_restores_the_fallback(client, users):
    save_schedule("2027", GOOD["holidays"], GOOD["working_days"], entered_by="admin")
    login(client, users["admin"])
    response = client.post("/admin/calendar/2027/delete")
    assert response.status_code == 302
    assert stored() == (0, 0)
    assert not is_working_day(date(2027, 2, 20))
    assert client.post("/admin/calendar/2027/delete").status_code == 404
    assert client.post("/admin/calendar/99999999999/delete").status_code == 404


@pytest.mark.parametrize("role", ["officer", "mediator", "advocate", "city_officer"])
def test_other_roles_are_refused_as_on_the_other_admin_pages(client, users, role):
    save_schedule("2028", "2028-01-01 元旦", "", entered_by="admin")
    login(client, users[role])
    assert client.get("/admin/calendar").status_code == 403
    assert client.post("/admin/calendar", data=GOOD).status_code == 403
    assert client.post("/admin/calendar/2028/delete").status_code == 403
    assert stored() == (1, 1)


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/admin/calendar")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    refused = client.post("/admin/calendar", data=GOOD)  # kept on a sign-in page, not saved
    assert refused.status_code == 401 and 'id="resubmit-form"' in refused.get_data(as_text=True)
    assert stored() == (0, 0)


def test_the_form_refuses_a_post_without_the_csrf_token(csrf_app, users):
    browser = csrf_app.test_client()
    with csrf_app.app_context():
        login_page = browser.get("/login")
        token = dom(login_page).find("input", name="csrf_token").attrs["value"]
        browser.post(
            "/login",
            data={"username": "admin", "password": "correct-horse-1", "csrf_token": token},
        )
        assert browser.post("/admin/calendar", data=GOOD).status_code == 400
        db.session.remove()
    assert stored() == (0, 0)
