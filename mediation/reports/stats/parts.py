"""The parts of a report, each read once per report and shared (`Rollups`): the counts and sums
of the cases received in the period and of those closed in it, grouped several ways at once, the
days at each tier, the medians, the alerts and the alerts per week.

The cases received in the period are read once for every count by state, kind, category, tier,
month and handling organization, and those closed in it once for every count by outcome, month
and organization, so no figure needs a statement per case, per organization or per month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Subquery, func, literal_column, or_, select

from mediation.accounts.models import User
from mediation.cases.enums import COLLECTIVE_WORKERS, Outcome
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.core.fields import code_of
from mediation.extensions import db
from mediation.reports.stats import threads
from mediation.reports.stats.dialect import Dialect, current
from mediation.reports.stats.durations import Alerts, Medians
from mediation.reports.stats.periods import Period, within
from mediation.reports.stats.scoping import alert_scope, scoped
from mediation.warnings.models import Alert
from mediation.warnings.settings import current_settings


class Rollups:
    """Every grouped statement of a report, read once and shared by `report()`, `by_town()` and
    `series()` (the reports page shows all three): the counts and sums of the cases received in
    the period and of those closed in it (on PostgreSQL one statement for each period filter,
    each an index-only scan of the period, `ix_cases_stats_received` / `ix_cases_stats_closed`,
    answering two groupings at once), the days at each tier, the medians, the alerts.

    `prefetch()` reads the parts not yet read. On PostgreSQL it runs them at the same time on
    separate connections (`STATS_CONCURRENCY`, 3 by default; see `threads.py`)."""

    def __init__(
        self, user: User, period: Period, org_id: int | None = None, *, now: datetime | None = None
    ):
        self.user, self.period, self.org_id = user, period, org_id
        self.now = now or utcnow()
        self.dialect: Dialect = current()
        self._parts: dict[str, Any] = {}
        self._prepared = False

    def prepare(self) -> None:
        """The statistics' session settings, once (see `Dialect.prepare`)."""
        if not self._prepared:
            self.dialect.prepare()
        self._prepared = True

    def matches(self, user: User, period: Period, org_id: int | None) -> bool:
        return (self.user.id, self.period, self.org_id) == (user.id, period, org_id)

    def prefetch(self, *names: str) -> None:
        """Read the named parts (all of them by default) that are not read yet."""
        missing = [name for name in (names or tuple(PARTS)) if name not in self._parts]
        workers = min(len(missing), current_app.config.get("STATS_CONCURRENCY", 1))
        if workers <= 1 or not self.dialect.concurrent:
            for name in missing:
                self.part(name)
            return
        for name, figures in threads.read_concurrently(
            {name: PARTS[name] for name in missing},
            workers,
            self.dialect,
            self.user,
            self.period,
            self.org_id,
            self.now,
        ):
            self._parts[name] = figures

    def part(self, name: str) -> Any:
        if name not in self._parts:
            self.prepare()
            self._parts[name] = PARTS[name](
                self.dialect, self.user, self.period, self.org_id, self.now
            )
        return self._parts[name]

    @property
    def received(self) -> dict[str, list[tuple]]:
        """by_group: (state, kind, category, tier, month, received, collective, workers,
        collective workers, claimed, accepted, provincial key), month as 'YYYY-MM'; by_org:
        (handling org, the same figures)."""
        return self.part("received")

    @property
    def closed(self) -> dict[str, list[tuple]]:
        """by_group: (outcome, month, closed, performed, paid), month as 'YYYY-MM'; by_org:
        (handling org, the same figures)."""
        return self.part("closed")


def rollups_for(
    rollups: Rollups | None,
    user: User,
    period: Period,
    org_id: int | None,
    now: datetime | None = None,
) -> Rollups:
    """The rollups given (checked to be this report's), or new ones."""
    if rollups is None:
        return Rollups(user, period, org_id, now=now)
    assert rollups.matches(user, period, org_id), "rollups of another report"
    assert now is None or now == rollups.now, "rollups of another moment"
    return rollups


def _period_source(
    dialect: Dialect,
    user: User,
    org_id: int | None,
    moment: Any,
    period: Period,
    name: str,
    *columns: Any,
) -> tuple[Subquery, Callable[[Any], str]]:
    """The cases in scope whose `moment` falls in the period, with `columns` and their month,
    as a subquery for `Dialect.rollup`; and the function from a month key to 'YYYY-MM'."""
    month, label = dialect.month_key(moment, period)
    source = (
        scoped(user, org_id, *columns, month.label("month"))
        .where(within(moment, period))
        .offset(0)  # see grouping.py
        .subquery(name)
    )
    return source, label


def _received(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[str, list[tuple]]:
    source, label = _period_source(
        dialect, user, org_id, Case.received_at, period, "received",
        Case.state, Case.kind, Case.category, Case.tier, Case.handling_org_id,
        Case.workers_involved, Case.claim_amount_fen, Case.accepted_at,
    )  # fmt: skip
    # the thresholds of the `provincial_key` rule as configured: the figure counts the cases the
    # rule reports to the province (docs/domain.md "Statistics")
    key = current_settings()["provincial_key"]

    def figures(c: Any) -> tuple:
        collective = c.workers_involved >= COLLECTIVE_WORKERS
        provincial = or_(
            c.workers_involved >= key["workers"], c.claim_amount_fen >= key["claim_yuan"] * 100
        )
        return (
            func.count(),
            func.count().filter(collective),
            func.coalesce(func.sum(c.workers_involved), 0),
            func.coalesce(func.sum(c.workers_involved).filter(collective), 0),
            func.coalesce(func.sum(c.claim_amount_fen), 0),
            func.count(c.accepted_at),
            func.count().filter(provincial),
        )

    rows = dialect.rollup(
        source,
        {
            "by_group": ("state", "kind", "category", "tier", "month"),
            "by_org": ("handling_org_id",),
        },
        figures,
    )
    rows["by_group"] = [(*r[:4], label(r[4]), *r[5:]) for r in rows["by_group"]]
    return rows


def _closed(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[str, list[tuple]]:
    source, label = _period_source(
        dialect, user, org_id, Case.closed_at, period, "closed",
        Case.outcome, Case.handling_org_id, Case.paid_amount_fen,
    )  # fmt: skip
    rows = dialect.rollup(
        source,
        {"by_group": ("outcome", "month"), "by_org": ("handling_org_id",)},
        lambda c: (
            func.count(),
            func.count().filter(c.outcome == Outcome.agreement_performed),
            func.coalesce(func.sum(c.paid_amount_fen), 0),
        ),
    )
    rows["by_group"] = [(r[0], label(r[1]), *r[2:]) for r in rows["by_group"]]
    return rows


def _alert_weeks(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[tuple[str, str], int]:
    """The alerts raised in the period per (week's Monday, level)."""
    week = dialect.local_week(Alert.raised_at).label("week")
    per_week = db.session.execute(
        select(week, Alert.level, func.count())
        .where(alert_scope(user, org_id), within(Alert.raised_at, period))
        .group_by(literal_column("week"), Alert.level)
    ).all()
    return {(str(w), code_of(level)): n for w, level, n in per_week}


def _medians(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> Medians:
    return dialect.medians(user, period, org_id)


def _alerts(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> Alerts:
    return dialect.alerts(user, period, org_id)


def _days_at_tier(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[str, dict]:
    return dialect.days_at_tier(user, period, org_id, now=now)


def days_at_tier(
    user: User, period: Period, org_id: int | None = None, *, now: datetime | None = None
) -> dict[str, dict]:
    """How long the cases received in the period were supervised at each tier (the rules:
    `tiers.py`)."""
    return current().days_at_tier(user, period, org_id, now=now or utcnow())


# The parts of a report (`Rollups`): each a function of (dialect, user, period, organization,
# now) reading the database in the current session.
PARTS: dict[str, threads.Part] = {
    "received": _received,
    "closed": _closed,
    "days_at_tier": _days_at_tier,
    "medians": _medians,
    "alerts": _alerts,
    "alert_weeks": _alert_weeks,
}
REPORT_PARTS = ("received", "closed", "days_at_tier", "medians", "alerts")
TOWN_PARTS = ("received", "closed")
SERIES_PARTS = ("received", "closed", "alert_weeks")
