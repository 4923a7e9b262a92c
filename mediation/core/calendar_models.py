"""The administrators' table of official working-day schedules (docs/domain.md "Calendars and
time"): one row per year entered, one row per day of it that is a holiday or an adjusted working
day (调休). `core.calendar` reads it; `core.calendar_schedules` writes it.

A year is entered whole, as the State Council's notice publishes it: any day of an entered year
that has no row is an ordinary day (Monday to Friday worked, the weekend not).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.core.clock import utcnow
from mediation.core.types import UTCDateTime
from mediation.extensions import Model

# the longest name of a holiday or note of an adjusted working day
NAME_LENGTH = 60


class CalendarYear(Model):
    """A year whose official schedule an administrator entered."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # who entered it: a username, or `cli` for the command line (core knows no users table)
    entered_by: Mapped[str] = mapped_column(String(64), default="")


class CalendarDay(Model):
    """A holiday (`working` false) or an adjusted working day (`working` true) of an entered
    year, with its name as the notice gives it (stored in Chinese)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(
        ForeignKey("calendar_years.year", ondelete="CASCADE"), index=True
    )
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
