"""Every difference between PostgreSQL and SQLite in the statistics, in one object per backend.

`current()` picks it from the name of the session's engine's dialect: PostgreSQL by name, any
other backend as SQLite (the only other one the application runs on). PostgreSQL does more in
the database (GROUPING SETS, medians with `percentile_cont`, the days at each tier), groups by
month with a binary search, takes session settings for the statistics and may read a report's
parts at the same time on separate connections (`threads.py`); SQLite runs one statement per
grouping, computes the medians and the days at each tier in Python, and reads one part after
the other. The figures' two ways themselves live with the figures (`grouping.py`,
`durations.py`, `tiers.py`): this module says which one each backend takes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Subquery, func, literal, select
from sqlalchemy.dialects import postgresql

from mediation.accounts.models import User
from mediation.core.clock import local_offset_hours, local_zone
from mediation.extensions import db
from mediation.reports.stats import durations, grouping, tiers
from mediation.reports.stats.periods import Period, months

MonthKey = tuple[ColumnElement[Any], Callable[[Any], str]]


class Dialect(ABC):
    """What the statistics do differently on one backend."""

    name: ClassVar[str]
    # a report's parts may be read at the same time on separate connections (`threads.py`)
    concurrent: ClassVar[bool]

    @abstractmethod
    def prepare(self) -> None:
        """Settings for the statistics, for the rest of the session's transaction."""

    @abstractmethod
    def month_key(self, column: Any, period: Period) -> MonthKey:
        """(an expression grouping a UTC timestamp column by China-time month, a function from
        its value to 'YYYY-MM'), for rows within the period."""

    @abstractmethod
    def local_week(self, column: Any) -> ColumnElement[str]:
        """'YYYY-MM-DD' of the Monday of a UTC timestamp's week, in China time."""

    @abstractmethod
    def days_between(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """Days from one timestamp column to another, as a number (summed for averages)."""

    @abstractmethod
    def rollup(
        self, source: Subquery, sets: grouping.Sets, aggregates: grouping.Aggregates
    ) -> grouping.Grouped:
        """The rows of `source` grouped by each named set of its columns (`grouping.py`)."""

    @abstractmethod
    def medians(self, user: User, period: Period, org_id: int | None) -> durations.Medians:
        """The medians of days to closure and to agreement, and the amount agreed."""

    @abstractmethod
    def alerts(self, user: User, period: Period, org_id: int | None) -> durations.Alerts:
        """The alerts raised in the period and their hours to acknowledgement."""

    @abstractmethod
    def days_at_tier(
        self, user: User, period: Period, org_id: int | None, *, now: datetime
    ) -> dict[str, dict]:
        """How long the cases received in the period were supervised at each tier."""


class PostgreSQL(Dialect):
    name = "postgresql"
    concurrent = True

    def prepare(self) -> None:
        """Sorts (the medians over a period's cases) stay in memory (the default `work_mem` of
        4 MB spills them to disk from about 100,000 cases), and no JIT compilation (it cost
        0.15-0.3 s per statement over a year of cases, more than it saved)."""
        db.session.execute(
            select(func.set_config("work_mem", "64MB", True), func.set_config("jit", "off", True))
        )

    def month_key(self, column: Any, period: Period) -> MonthKey:
        """The month's number in the period (`width_bucket` over the months' first moments: a
        binary search per row, where `to_char` of the local time costs a time zone conversion
        and a formatting)."""
        names = months(period)
        starts = [
            datetime(int(m[:4]), int(m[5:]), 1, tzinfo=local_zone()).astimezone(UTC) for m in names
        ]
        bounds = postgresql.array([literal(start, column.type) for start in starts])
        return func.width_bucket(column, bounds), lambda n: names[n - 1]

    def local_week(self, column: Any) -> ColumnElement[str]:
        return func.to_char(
            func.date_trunc("week", func.timezone(local_zone().key, column)), "YYYY-MM-DD"
        )

    def days_between(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        return durations.sql_days(later, earlier)

    def rollup(
        self, source: Subquery, sets: grouping.Sets, aggregates: grouping.Aggregates
    ) -> grouping.Grouped:
        return grouping.grouping_sets(source, sets, aggregates)

    def medians(self, user: User, period: Period, org_id: int | None) -> durations.Medians:
        return durations.medians_in_database(user, period, org_id)

    def alerts(self, user: User, period: Period, org_id: int | None) -> durations.Alerts:
        return durations.alerts_in_database(user, period, org_id)

    def days_at_tier(
        self, user: User, period: Period, org_id: int | None, *, now: datetime
    ) -> dict[str, dict]:
        return tiers.days_at_tier_sql(user, period, org_id, now=now)


def _local_offset() -> str:
    """SQLite's modifier from UTC to the local zone (it knows fixed offsets only)."""
    return f"{local_offset_hours():+g} hours"


class SQLite(Dialect):
    name = "sqlite"
    concurrent = False

    def prepare(self) -> None:
        """Nothing to set."""

    def month_key(self, column: Any, period: Period) -> MonthKey:
        """The month itself."""
        return func.strftime("%Y-%m", column, _local_offset()), str

    def local_week(self, column: Any) -> ColumnElement[str]:
        return func.date(column, _local_offset(), "weekday 0", "-6 days")

    def days_between(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """(timestamps are stored as UTC text: `julianday` reads them)"""
        return func.julianday(later) - func.julianday(earlier)

    def rollup(
        self, source: Subquery, sets: grouping.Sets, aggregates: grouping.Aggregates
    ) -> grouping.Grouped:
        return grouping.each_set(source, sets, aggregates)

    def medians(self, user: User, period: Period, org_id: int | None) -> durations.Medians:
        return durations.medians_in_python(user, period, org_id)

    def alerts(self, user: User, period: Period, org_id: int | None) -> durations.Alerts:
        return durations.alerts_in_python(user, period, org_id)

    def days_at_tier(
        self, user: User, period: Period, org_id: int | None, *, now: datetime
    ) -> dict[str, dict]:
        return tiers.days_at_tier_python(user, period, org_id, now=now)


POSTGRESQL, SQLITE = PostgreSQL(), SQLite()


def current() -> Dialect:
    """The dialect of the engine `db.session` is bound to."""
    return POSTGRESQL if db.session.get_bind().dialect.name == POSTGRESQL.name else SQLITE
