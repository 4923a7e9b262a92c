"""The period a report covers: its China-time dates, their bounds as moments, and the months and
weeks the charts count by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression

from mediation.core.clock import local_zone


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, China dates
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[low, high) as aware datetimes (midnight China time)."""
        low = datetime.combine(self.start, datetime.min.time(), local_zone())
        high = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), local_zone())
        return low, high

    @classmethod
    def this_year(cls, today: date) -> Period:
        return cls(start=today.replace(month=1, day=1), end=today)


def within(column: SQLColumnExpression[Any], period: Period) -> ColumnElement[bool]:
    """The condition that a timestamp column falls in the period."""
    low, high = period.bounds
    return (column >= low) & (column < high)


def months(period: Period) -> list[str]:
    """'YYYY-MM' of every month the period touches, in order."""
    found, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def weeks(period: Period) -> list[str]:
    """'YYYY-MM-DD' of the Monday of every week the period touches, in order."""
    monday = period.start - timedelta(days=period.start.weekday())
    found = []
    while monday <= period.end:
        found.append(monday.isoformat())
        monday += timedelta(days=7)
    return found
