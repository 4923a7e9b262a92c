"""A return's period (docs/returns.md "Periods"): a month, a quarter or a year, with the year to
date and the same period last year that its tables put beside it."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import _, lazy_gettext
from mediation.reports.stats import Period


class PeriodKind(LabelledEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


set_labels(
    {
        PeriodKind.month: lazy_gettext("Monthly"),
        PeriodKind.quarter: lazy_gettext("Quarterly"),
        PeriodKind.year: lazy_gettext("Annual"),
    }
)

# the largest number of each kind (a year's number is always 1)
MAX_NUMBER = {PeriodKind.month: 12, PeriodKind.quarter: 4, PeriodKind.year: 1}


@dataclass(frozen=True)
class ReturnPeriod:
    kind: PeriodKind
    year: int
    number: int  # month 1–12, quarter 1–4, 1 for a year

    @property
    def start(self) -> date:
        if self.kind == PeriodKind.month:
            return date(self.year, self.number, 1)
        if self.kind == PeriodKind.quarter:
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        if self.kind == PeriodKind.month:
            last_month = self.number
        elif self.kind == PeriodKind.quarter:
            last_month = 3 * self.number
        else:
            last_month = 12
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def stats(self) -> Period:
        return Period(self.start, self.end)

    @property
    def year_to_date(self) -> Period:
        return Period(date(self.year, 1, 1), self.end)

    @property
    def last_year(self) -> Period:
        """The same period a year before (29 February falls back to the 28th)."""
        earlier = ReturnPeriod(self.kind, self.year - 1, self.number)
        return Period(earlier.start, earlier.end)

    def title(self) -> str:
        """The period in the reader's language: 2026年11月 / November 2026 style."""
        if self.kind == PeriodKind.month:
            return _("%(month)s/%(year)s", year=self.year, month=self.number)
        if self.kind == PeriodKind.quarter:
            return _("Q%(quarter)s %(year)s", quarter=self.number, year=self.year)
        return _("Year %(year)s", year=self.year)

    def following_month(self) -> tuple[int, int]:
        """(year, month) of the month after the period, when its return falls due."""
        end = self.end
        return (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)


def last_month(today: date) -> ReturnPeriod:
    """The monthly period before the one `today` falls in."""
    if today.month == 1:
        return ReturnPeriod(PeriodKind.month, today.year - 1, 12)
    return ReturnPeriod(PeriodKind.month, today.year, today.month - 1)
