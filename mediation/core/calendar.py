"""China's working-day calendar: public holidays *and* adjusted working days (调休).

Three sources; for each year the first that knows it decides (docs/domain.md "Calendars and
time"):

1. **The administrators' table** (`core.calendar_models`, entered at `/admin/calendar` or with
   `flask calendar import`): a year's official schedule as the State Council publishes it each
   November, whole. A day of an entered year without a row is an ordinary day.
2. **The `chinesecalendar` package** (import `chinese_calendar`), which carries the official
   schedules of the years known when it was released.
3. **A computed fallback** for any other year: the holidays the national regulation fixes
   (全国年节及纪念日放假办法, as revised in 2024, in force from 2025) on their own dates (the lunar
   ones and the Qingming solar term from the `tyme4py` package), and the weekend as rest. It cannot know the bridge days and adjusted working days a schedule adds,
   so a period counted with it is provisional (`has_official_schedule`), and its first use for
   a year is logged so that an operator enters that year's schedule.

Caching. The package and the fallback never change while the process runs: they are
`lru_cache`d per day and per year. The table is read in one statement, at the first look
inside an application context, and again when `REFRESH_SECONDS` have passed, so that a process
that did not make an edit (the scheduler, another web worker) sees it within a minute or so;
the process that made it reloads at once (`refresh`, called by `core.calendar_schedules`). What
was read is kept on the application (`app.extensions`), never in a module global, so two
applications in one process (the tests) do not share it, and the `lru_cache`s, which never hold
the table's answers, need no clearing when it changes. Without an application context (the
rules' unit tests) there is no table: the package and the fallback decide.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from flask import current_app, has_app_context
from sqlalchemy import select
from tyme4py.lunar import LunarDay
from tyme4py.solar import SolarDay, SolarTerm

from mediation.core.calendar_models import CalendarDay, CalendarYear
from mediation.core.messages import N_
from mediation.extensions import db

log = logging.getLogger(__name__)
_warned_years: set[int] = set()

# how long a process trusts what it read of the administrators' table
REFRESH_SECONDS = 60.0
_EXTENSION = "mediation_calendar_schedules"
_clock = time.monotonic  # (the tests move it)


class Source(enum.StrEnum):
    """Where a year's working days come from."""

    table = "table"  # official: entered by an administrator
    package = "package"  # official: carried by chinesecalendar
    fallback = "fallback"  # provisional: computed from the regulation


# --- the computed fallback ------------------------------------------------------------------------

# the holidays of the regulation (art. 2), by name
NEW_YEAR = N_("New Year's Day")
SPRING_FESTIVAL = N_("Spring Festival")
QINGMING = N_("Qingming Festival")
LABOUR_DAY = N_("Labour Day")
DRAGON_BOAT = N_("Dragon Boat Festival")
MID_AUTUMN = N_("Mid-Autumn Festival")
NATIONAL_DAY = N_("National Day")


def _gregorian(day: SolarDay) -> date:
    return date(day.get_year(), day.get_month(), day.get_day())


def _lunar(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the lunar year that begins in `year` (never a leap
    month)."""
    return _gregorian(LunarDay.from_ymd(year, month, day).get_solar_day())


@lru_cache(maxsize=64)
def spring_festival(year: int) -> date:
    """The Spring Festival (the first day of the first lunar month) in `year`. Computed from the
    lunar calendar for any year: `chinesecalendar` names the festival's days off only for the
    years whose official schedule it carries, and the days off begin on its eve or earlier."""
    return _lunar(year, 1, 1)


@lru_cache(maxsize=64)
def fallback_holidays(year: int) -> Mapping[date, str]:
    """The holidays the regulation fixes in `year`, each with its name (an English msgid):
    New Year's Day; the Spring Festival's eve (the last day of the twelfth lunar month) and the
    first three days of the first; the Qingming solar term; 1–2 May; the Dragon Boat Festival
    (lunar 5/5); the Mid-Autumn Festival (lunar 8/15); 1–3 October. Every one of them falls in
    the Gregorian year whose number the lunar year bears."""
    spring = spring_festival(year)
    days = {date(year, 1, 1): NEW_YEAR}
    days |= {spring + timedelta(days=i): SPRING_FESTIVAL for i in range(-1, 3)}
    days[_gregorian(SolarTerm.from_name(year, "清明").get_solar_day())] = QINGMING
    days |= {date(year, 5, 1): LABOUR_DAY, date(year, 5, 2): LABOUR_DAY}
    days[_lunar(year, 5, 5)] = DRAGON_BOAT
    days[_lunar(year, 8, 15)] = MID_AUTUMN
    days |= {date(year, 10, d): NATIONAL_DAY for d in (1, 2, 3)}
    return MappingProxyType(dict(sorted(days.items())))


# --- the package and the fallback -----------------------------------------------------------------


@lru_cache(maxsize=256)
def package_knows(year: int) -> bool:
    """Whether `chinesecalendar` carries `year`'s official schedule."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except (RuntimeError, NotImplementedError):  # it raises for the years it does not know
        return False
    return True


@lru_cache(maxsize=4096)
def _built_in_working_day(day: date) -> bool:
    """The package's answer, or the fallback's for a year it does not know."""
    if package_knows(day.year):
        return bool(chinese_calendar.is_workday(day))
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        log.warning(
            "no official schedule for %s (chinesecalendar does not know it and no administrator "
            "entered it); counting its statutory holidays and weekends as rest days, "
            "provisionally",
            day.year,
        )
    return day.weekday() < 5 and day not in fallback_holidays(day.year)


def clear_caches() -> None:
    """Forget what the package and the fallback answered and which years were logged (tests)."""
    _built_in_working_day.cache_clear()
    package_knows.cache_clear()
    fallback_holidays.cache_clear()
    _warned_years.clear()


# --- the administrators' table --------------------------------------------------------------------


@dataclass(frozen=True)
class Schedules:
    """The administrators' table as read: the years entered, and for each listed day of them
    whether it is worked (an adjusted working day) or not (a holiday)."""

    years: frozenset[int] = frozenset()
    working: Mapping[date, bool] = field(default_factory=dict)
    loaded_at: float = float("-inf")


NO_SCHEDULES = Schedules()

_LOAD = select(CalendarYear.year, CalendarDay.day, CalendarDay.working).outerjoin(
    CalendarDay, CalendarDay.year == CalendarYear.year
)


def _load() -> Schedules:
    # no autoflush: a rule may ask while the session holds a case not yet inserted
    with db.session.no_autoflush:
        rows = db.session.execute(_LOAD).all()
    return Schedules(
        years=frozenset(year for year, _day, _working in rows),
        working=MappingProxyType({day: working for _year, day, working in rows if day}),
        loaded_at=_clock(),
    )


def schedules() -> Schedules:
    """The table as this application last read it, read again when it is older than
    `REFRESH_SECONDS`; nothing outside an application context."""
    if not has_app_context():
        return NO_SCHEDULES
    # (the proxy's own attribute lookup costs five times this: every rule's question comes here)
    extensions = current_app._get_current_object().extensions  # type: ignore[attr-defined]
    loaded: Schedules | None = extensions.get(_EXTENSION)
    if loaded is None or _clock() - loaded.loaded_at >= REFRESH_SECONDS:
        loaded = extensions[_EXTENSION] = _load()
    return loaded


def refresh() -> None:
    """Read the table again now (after an edit, in the process that made it)."""
    if has_app_context():
        current_app.extensions[_EXTENSION] = _load()


# --- the questions --------------------------------------------------------------------------------


def _working(day: date, table: Schedules) -> bool:
    if day.year in table.years:
        return table.working.get(day, day.weekday() < 5)
    return _built_in_working_day(day)


def _working_day_test(table: Schedules) -> Callable[[date], bool]:
    """The question for a loop over days: the cached built-in answer itself while no year is
    entered (most of the time), else the table first."""
    if not table.years:
        return _built_in_working_day
    return lambda day: _working(day, table)


def is_working_day(day: date) -> bool:
    return _working(day, schedules())


def is_rest_day(day: date) -> bool:
    """A weekly rest day that is not an adjusted working day, or a public holiday (the days a
    period's last day moves past, Civil Code art. 203)."""
    return not is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    working = _working_day_test(schedules())
    current, remaining = start, days
    while remaining:
        current += timedelta(days=1)
        if working(current):
            remaining -= 1
    return current


def add_working_days_checked(start: date, days: int) -> tuple[date, bool]:
    """`add_working_days`, and whether the count crossed a year without an official schedule
    (the date is then provisional)."""
    end = add_working_days(start, days)
    return end, working_days_provisional(start, end)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    working = _working_day_test(schedules())
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if working(current):
            count += 1
    return count


def working_days_provisional(start: date, end: date) -> bool:
    """Whether a day of (start, end] falls in a year without an official schedule."""
    if end <= start:
        return False
    first = start + timedelta(days=1)
    return not all(has_official_schedule(year) for year in range(first.year, end.year + 1))


def source(year: int) -> Source:
    """Where `year`'s working days come from."""
    if year in schedules().years:
        return Source.table
    return Source.package if package_knows(year) else Source.fallback


def has_official_schedule(year: int) -> bool:
    """Whether `year`'s holidays and adjusted working days are an official schedule (entered by
    an administrator or carried by the package), not the fallback: a deadline counted without
    one is provisional."""
    return year in schedules().years or package_knows(year)
