"""Counting statutory periods as the Civil Code does (arts. 200-204; docs/domain.md "Clocks in
detail"): the one place that turns a start day and a length into a legal last day.

- The start day is not counted: a period of N days from day D has its last day D + N.
- A period of months or years ends on the day of the last month that corresponds to the start
  day; a month without that day ends on its last day (2024-02-29 + 1 year = 2025-02-28,
  2023-03-01 + 1 year = 2024-03-01).
- A last day that is a rest day (a weekend day that is not an adjusted working day, or a public
  holiday) moves to the first working day after the rest ends.
- The period ends at 24:00 of its last day: `ends_at` is the first moment after it.

Written by hand because no library counts this way: `dateutil.relativedelta` clamps to the
month's end like art. 202 does, but knows no rest days and does not say when a date is
provisional.
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from mediation.core import calendar
from mediation.core.clock import ensure_utc, local_zone


@dataclass(frozen=True)
class PeriodEnd:
    """A period's legal last day, and how it was reached."""

    last_day: date
    # the day the count itself gave, when a rest day moved the last day later
    moved_from: date | None = None
    # counted with a calendar year that has no official holiday schedule yet
    provisional: bool = False

    @property
    def ends_at(self) -> datetime:
        return ends_at(self.last_day)


def ends_at(last_day: date) -> datetime:
    """24:00 of `last_day` in China, as a UTC moment (the first moment after the period)."""
    return ensure_utc(datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=local_zone()))


def add_months(start: date, months: int) -> date:
    """The day of the month `months` later that corresponds to `start` (art. 202), clamped to
    that month's last day."""
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    last = _gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def on_working_day(day: date) -> PeriodEnd:
    """`day` as a last day: moved past the rest days it falls on (art. 203)."""
    provisional = not calendar.has_official_schedule(day.year)
    moved = day
    while calendar.is_rest_day(moved):
        moved += timedelta(days=1)
        provisional = provisional or not calendar.has_official_schedule(moved.year)
    return PeriodEnd(moved, day if moved != day else None, provisional)


def days_after(start: date, days: int) -> PeriodEnd:
    """The last day of a period of `days` calendar days starting on `start`."""
    if days < 0:
        raise ValueError("a period cannot be negative")
    return on_working_day(start + timedelta(days=days))


def months_after(start: date, months: int) -> PeriodEnd:
    if months < 0:
        raise ValueError("a period cannot be negative")
    return on_working_day(add_months(start, months))


def years_after(start: date, years: int) -> PeriodEnd:
    return months_after(start, 12 * years)
