"""China's working-day calendar: public holidays *and* adjusted working days (调休).

Uses the `chinesecalendar` package, which carries the official schedule year by year. For a year
it does not know yet, working days fall back to Monday–Friday, and the fallback is logged once per
year so an operator knows to upgrade the package.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except RuntimeError:  # the package raises (NotImplemented…) for years it does not know
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "chinesecalendar has no schedule for %s; counting Monday–Friday as working days",
                day.year,
            )
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, remaining = start, days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def is_rest_day(day: date) -> bool:
    """A weekly rest day that is not an adjusted working day, or a public holiday (the days a
    period's last day moves past, Civil Code art. 203)."""
    return not is_working_day(day)


@lru_cache(maxsize=256)
def has_official_schedule(year: int) -> bool:
    """Whether `year`'s holidays and adjusted working days are the official schedule, not a
    fallback (a deadline counted without one is provisional)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except (RuntimeError, NotImplementedError):
        return False
    return True
