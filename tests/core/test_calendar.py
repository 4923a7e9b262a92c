"""The working-day calendar beyond the years `chinesecalendar` knows (docs/domain.md "Calendars
and time"): the holidays computed from the national regulation (全国年节及纪念日放假办法, revised
2024), the administrators' table of official schedules that overrides the package and the
fallback, its cache, and the provisional marker of a period counted without an official
schedule."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import chinese_calendar
import pytest
from sqlalchemy import func, select

from mediation import create_app
from mediation.core import calendar, periods
from mediation.core.calendar import (
    Source,
    add_working_days,
    add_working_days_checked,
    fallback_holidays,
    has_official_schedule,
    is_working_day,
    working_days_between,
    working_days_provisional,
)
from mediation.core.calendar_models import CalendarDay, CalendarYear
from mediation.core.calendar_schedules import (
    delete_schedule,
    entries_of,
    parse_schedule,
    save_schedule,
    schedule_text,
)
from mediation.core.db import engines
from mediation.core.errors import NotFound, ValidationFailed
from mediation.extensions import db
from tests.helpers import StatementCounter

# the fallback's names, and the package's for the same holidays
PACKAGE_NAMES = {
    calendar.NEW_YEAR: "New Year's Day",
    calendar.SPRING_FESTIVAL: "Spring Festival",
    calendar.QINGMING: "Tomb-sweeping Day",
    calendar.LABOUR_DAY: "Labour Day",
    calendar.DRAGON_BOAT: "Dragon Boat Festival",
    calendar.MID_AUTUMN: "Mid-autumn Festival",
    calendar.NATIONAL_DAY: "National Day",
}
# a 2027 schedule as an administrator would enter it (the dates are this test's, not the
# State Council's): the Spring Festival a week long, Saturday 20 February worked
HOLIDAYS_2027 = """\
2027-01-01 元旦
2027-02-05..2027-02-11 春节
2027-04-05 清明节
2027-05-01..2027-05-05 劳动节
2027-06-09 端午节
2027-09-15 中秋节
2027-10-01..2027-10-07 国庆节
"""
WORKING_2027 = "2027-02-20 春节调休\n2027-10-09\n"


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.clear_caches()
    yield
    calendar.clear_caches()


# --- the computed fallback ------------------------------------------------------------------------


def test_the_package_does_not_know_2027():
    assert not calendar.package_knows(2027)
    assert not has_official_schedule(2027)
    assert calendar.source(2027) == Source.fallback


def test_new_years_day_2027_is_a_rest_day_by_the_fallback():
    assert date(2027, 1, 1).weekday() == 4  # a Friday
    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_the_2027_spring_festival_is_the_eve_and_the_first_three_days():
    # lunar 1/1 of the year 丁未 is Saturday 6 February 2027; its eve (腊月廿九: the twelfth month
    # has 29 days) is Friday 5 February
    festival = [d for d, name in fallback_holidays(2027).items() if name == "Spring Festival"]
    assert festival == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert not any(is_working_day(d) for d in festival)
    assert is_working_day(date(2027, 2, 4))  # Thursday before the eve
    assert is_working_day(date(2027, 2, 9))  # Tuesday after: no bridge days without a schedule
    # Thursday 4 Feb + 2 working days: Tuesday 9 and Wednesday 10 February
    assert add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 10)


def test_the_fallback_holidays_of_2027():
    assert dict(fallback_holidays(2027)) == {
        date(2027, 1, 1): "New Year's Day",
        date(2027, 2, 5): "Spring Festival",
        date(2027, 2, 6): "Spring Festival",
        date(2027, 2, 7): "Spring Festival",
        date(2027, 2, 8): "Spring Festival",
        date(2027, 4, 5): "Qingming Festival",  # the solar term
        date(2027, 5, 1): "Labour Day",
        date(2027, 5, 2): "Labour Day",
        date(2027, 6, 9): "Dragon Boat Festival",  # lunar 5/5
        date(2027, 9, 15): "Mid-Autumn Festival",  # lunar 8/15
        date(2027, 10, 1): "National Day",
        date(2027, 10, 2): "National Day",
        date(2027, 10, 3): "National Day",
    }


def test_the_fallback_has_no_adjusted_working_days():
    assert not is_working_day(date(2027, 2, 20))  # a Saturday
    assert not is_working_day(date(2027, 2, 21))  # a Sunday


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_fallback_holiday_is_a_holiday_of_the_official_schedule(year):
    """The years the package knows under the revised regulation: what the fallback computes is
    all in the published schedule, under the same name (the schedule adds bridge days)."""
    for day, name in fallback_holidays(year).items():
        is_holiday, official_name = chinese_calendar.get_holiday_detail(day)
        assert is_holiday, day
        assert official_name == PACKAGE_NAMES[name], day


@pytest.mark.parametrize("year", range(2008, 2027))
def test_the_lunar_and_solar_term_holidays_agree_with_the_package_since_2008(year):
    """Since 2008 (when Qingming, Dragon Boat and Mid-Autumn became holidays) the days the
    lunar package dates were all official holidays, whatever else the regulation then said."""
    lunar_dated = {calendar.SPRING_FESTIVAL, calendar.QINGMING, calendar.DRAGON_BOAT,
                   calendar.MID_AUTUMN}  # fmt: skip
    spring_eve = min(d for d, n in fallback_holidays(year).items() if n == calendar.SPRING_FESTIVAL)
    for day, name in fallback_holidays(year).items():
        # the eve was no holiday from 2014 to 2024
        if name in lunar_dated and day != spring_eve:
            assert chinese_calendar.is_holiday(day), (day, name)


def test_the_fallback_is_logged_once_per_year(caplog):
    caplog.set_level("WARNING", logger="mediation.core.calendar")
    working_days_between(date(2027, 1, 1), date(2027, 12, 31))
    assert [r for r in caplog.records if "2027" in r.getMessage()] and len(caplog.records) == 1


# --- provisional ----------------------------------------------------------------------------------


def test_a_period_ending_on_new_years_day_2027_moves_and_is_provisional():
    end = periods.days_after(date(2026, 12, 17), 15)
    assert end.moved_from == date(2027, 1, 1)
    assert end.last_day == date(2027, 1, 4)  # past the weekend of 2 and 3 January
    assert end.provisional


def test_a_period_inside_a_known_year_is_not_provisional():
    end = periods.days_after(date(2026, 11, 1), 15)
    assert (end.last_day, end.provisional) == (date(2026, 11, 16), False)


def test_add_working_days_checked_says_whether_it_crossed_an_unofficial_year():
    # Wed 30 Dec 2026 + 3: Thu 31, (Fri 1 Jan a holiday, the weekend), Mon 4, Tue 5
    assert add_working_days_checked(date(2026, 12, 30), 3) == (date(2027, 1, 5), True)
    assert add_working_days_checked(date(2026, 12, 1), 3) == (date(2026, 12, 4), False)
    assert add_working_days_checked(date(2026, 12, 31), 0) == (date(2026, 12, 31), False)


def test_working_days_provisional_looks_at_the_days_after_the_start():
    assert not working_days_provisional(date(2026, 12, 1), date(2026, 12, 31))
    assert working_days_provisional(date(2026, 12, 31), date(2027, 1, 1))
    assert not working_days_provisional(date(2027, 1, 5), date(2027, 1, 5))
    assert working_days_provisional(date(2025, 6, 1), date(2028, 1, 3))


# --- the administrators' table --------------------------------------------------------------------


def test_an_entered_2027_schedule_overrides_the_fallback(app):
    assert save_schedule("2027", HOLIDAYS_2027, WORKING_2027, entered_by="admin") == 2027
    assert calendar.source(2027) == Source.table
    assert has_official_schedule(2027)
    assert is_working_day(date(2027, 2, 20))  # the adjusted Saturday
    assert not is_working_day(date(2027, 2, 9))  # a bridge day the fallback did not know
    assert not is_working_day(date(2027, 2, 27))  # an ordinary Saturday
    assert is_working_day(date(2027, 2, 12))  # an ordinary Friday
    # Thu 4 Feb + 2: Fri 5 to Thu 11 off, so Fri 12 and Mon 15; Thu 18 + 2: Fri 19, Sat 20
    assert add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 15)
    assert add_working_days(date(2027, 2, 18), 2) == date(2027, 2, 20)

    end = periods.days_after(date(2026, 12, 17), 15)
    assert (end.last_day, end.provisional) == (date(2027, 1, 4), False)
    assert add_working_days_checked(date(2026, 12, 30), 3) == (date(2027, 1, 5), False)


def test_the_table_overrides_the_package_too_and_removing_it_restores_the_package(app):
    assert not is_working_day(date(2026, 2, 16))  # the package's Spring Festival
    save_schedule("2026", "2026-01-01 元旦", "", entered_by="admin")
    assert is_working_day(date(2026, 2, 16))
    assert not is_working_day(date(2026, 2, 14))  # no longer an adjusted Saturday
    delete_schedule(2026)
    assert calendar.source(2026) == Source.package
    assert not is_working_day(date(2026, 2, 16)) and is_working_day(date(2026, 2, 14))
    with pytest.raises(NotFound):
        delete_schedule(2026)


def test_replacing_a_year_replaces_all_its_days(app):
    save_schedule("2027", HOLIDAYS_2027, WORKING_2027, entered_by="admin")
    save_schedule("2027", "2027-01-01 元旦", "", entered_by="other")
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == 1
    assert db.session.get(CalendarYear, 2027).entered_by == "other"
    assert is_working_day(date(2027, 2, 9)) and not is_working_day(date(2027, 2, 20))


def test_without_an_application_the_table_is_not_consulted(app):
    """A rule called outside any application context (here: in a thread of its own, which does
    not inherit the test's context) counts with the package and the fallback."""
    save_schedule("2027", HOLIDAYS_2027, WORKING_2027, entered_by="admin")
    assert is_working_day(date(2027, 2, 20))
    answers: list[bool] = []
    thread = threading.Thread(
        target=lambda: answers.extend(
            [is_working_day(date(2027, 2, 20)), has_official_schedule(2027)]
        )
    )
    thread.start()
    thread.join()
    assert answers == [False, False]


def test_the_table_is_read_once_and_again_after_a_minute(app, monkeypatch):
    """Another process (here: another application on the same database) sees an edit when
    its copy is older than REFRESH_SECONDS; until then it reads nothing."""
    now = [1000.0]
    monkeypatch.setattr(calendar, "_clock", lambda: now[0])
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.app_context():
            assert not is_working_day(date(2027, 2, 20))
            with StatementCounter() as counter:
                for day in range(365):
                    is_working_day(date(2027, 1, 1) + timedelta(days=day))
            assert counter.count == 0

        save_schedule("2027", HOLIDAYS_2027, WORKING_2027, entered_by="admin")
        assert is_working_day(date(2027, 2, 20))  # at once in the process that saved it

        with other.app_context():
            now[0] += calendar.REFRESH_SECONDS - 1
            assert not is_working_day(date(2027, 2, 20))
            now[0] += 1
            with StatementCounter() as counter:
                assert is_working_day(date(2027, 2, 20))
                assert has_official_schedule(2027)
            assert counter.count == 1
            db.session.remove()
    finally:
        with other.app_context():
            for engine in engines():
                engine.dispose()


# --- checking the text ----------------------------------------------------------------------------


def refused(year: str, holidays: str, working: str = "") -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_schedule(year, holidays, working)
    return caught.value.fields


def test_a_good_schedule_is_read_with_its_ranges_and_notes():
    year, entries = parse_schedule(" 2027 ", "# 国务院办公厅通知\n\n" + HOLIDAYS_2027, WORKING_2027)
    assert year == 2027
    holidays = [e for e in entries if not e.working]
    assert len(holidays) == 1 + 7 + 1 + 5 + 1 + 1 + 7
    assert [(e.day, e.name) for e in entries if e.working] == [
        (date(2027, 2, 20), "春节调休"),
        (date(2027, 10, 9), ""),
    ]


def test_the_form_text_of_a_schedule_reads_back_the_same():
    _year, entries = parse_schedule("2027", HOLIDAYS_2027, WORKING_2027)
    holidays, working = schedule_text(entries)
    assert holidays == HOLIDAYS_2027.strip()
    assert working == "2027-02-20 春节调休\n2027-10-09"


@pytest.mark.parametrize(
    "year,holidays,working,field,message",
    [
        ("27", "2027-01-01 元旦", "", "year", "Enter the year as four digits, e.g. 2027."),
        ("1999", "1999-01-01 元旦", "", "year", "Enter a year from 2000 to 2100."),
        ("2027", "", "", "holidays", "Enter the year's holidays, one line each."),
        ("2027", "1 January 元旦", "", "holidays", "Line 1: write a day as YYYY-MM-DD, or days "
         "as YYYY-MM-DD..YYYY-MM-DD, then the holiday's name."),
        ("2027", "2027-01-01 元旦\n2027-02-30 春节", "", "holidays",
         "Line 2: 2027-02-30 is not a date."),
        ("2027", "2026-12-31..2027-01-01 元旦", "", "holidays",
         "Line 1: 2026-12-31 is not in 2027."),
        ("2027", "2027-02-11..2027-02-05 春节", "", "holidays",
         "Line 1: the last day comes before the first."),
        ("2027", "2027-01-01", "", "holidays", "Line 1: give the holiday its name after the date."),
        ("2027", "2027-01-01 元旦\n2027-01-01..2027-01-02 元旦", "", "holidays",
         "Line 2: 2027-01-01 is listed twice."),
        ("2027", "2027-01-01 " + "节" * 61, "", "holidays",
         "Line 1: the name is longer than 60 characters."),
        ("2027", "2027-01-01 元旦", "2027-02-20..2027-02-21", "working_days",
         "Line 1: write one day per line as YYYY-MM-DD."),
        ("2027", "2027-01-01 元旦", "2027-02-17", "working_days",
         "Line 1: 2027-02-17 is a weekday; only a Saturday or a Sunday can become an adjusted "
         "working day."),
        ("2027", "2027-02-05..2027-02-11 春节", "\n2027-02-06", "working_days",
         "Line 2: 2027-02-06 is also listed as a holiday."),
        ("2027", "2027-01-01 元旦", "2028-01-08", "working_days",
         "Line 1: 2028-01-08 is not in 2027."),
    ],
)  # fmt: skip
def test_bad_text_is_refused_naming_the_field_and_the_line(year, holidays, working, field,
                                                          message):  # fmt: skip
    fields = refused(year, holidays, working)
    assert message in fields[field], fields


def test_every_field_is_checked_at_once():
    fields = refused("20x7", "2027-01-01", "2027-01-04")
    assert set(fields) == {"year", "holidays", "working_days"}


def test_refused_text_writes_nothing(app):
    save_schedule("2027", "2027-01-01 元旦", "", entered_by="admin")
    with pytest.raises(ValidationFailed):
        save_schedule("2027", HOLIDAYS_2027, "2027-02-05", entered_by="admin")
    with pytest.raises(ValidationFailed):
        save_schedule("2028", HOLIDAYS_2027, "", entered_by="admin")
    db.session.expire_all()
    assert db.session.scalars(select(CalendarYear.year)).all() == [2027]
    assert db.session.scalars(select(CalendarDay.name)).all() == ["元旦"]


# --- what the page shows and fills in -------------------------------------------------------------


def test_entries_of_a_year_come_from_the_table_the_package_or_the_fallback(app):
    source, entries = entries_of(2026)
    assert source == Source.package
    holidays, working = schedule_text(entries)
    assert "2026-02-15..2026-02-23 春节" in holidays.splitlines()
    assert working.splitlines()[:3] == ["2026-01-04 元旦", "2026-02-14 春节", "2026-02-28 春节"]

    source, entries = entries_of(2027)
    assert source == Source.fallback
    assert [e.day for e in entries] == list(fallback_holidays(2027))

    save_schedule("2027", HOLIDAYS_2027, WORKING_2027, entered_by="admin")
    source, entries = entries_of(2027)
    assert source == Source.table
    assert schedule_text(entries) == (HOLIDAYS_2027.strip(), "2027-02-20 春节调休\n2027-10-09")


# --- the command line -----------------------------------------------------------------------------


def test_flask_calendar_import_saves_or_refuses_with_exit_code_2(app, tmp_path):
    holidays, working = tmp_path / "holidays.txt", tmp_path / "working.txt"
    holidays.write_text(HOLIDAYS_2027, encoding="utf-8")
    working.write_text(WORKING_2027, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "import", "2027", str(holidays), str(working)])
    assert result.exit_code == 0, result.output
    assert "2027" in result.output
    assert is_working_day(date(2027, 2, 20))

    working.write_text("2027-02-17\n", encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", "2027", str(holidays), str(working)])
    assert result.exit_code == 2
    assert "Line 1: 2027-02-17 is a weekday" in result.output
    db.session.expire_all()
    assert is_working_day(date(2027, 2, 20))  # the saved schedule stays

    result = runner.invoke(args=["calendar", "status"])
    assert result.exit_code == 0
    assert "2027  table" in result.output
