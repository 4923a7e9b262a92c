"""The parts of a report, each read once per report and shared (`Rollups`): the counts and sums
of the cases received in the period and of those closed in it, grouped several ways at once, the
days at each tier, the medians, the alerts and the alerts per week.

The cases received in the period are read once for every count by state, kind, category, tier,
month and handling organization, and those closed in it once for every count by outcome, month
and organization, so no figure needs a statement per case, per organization or per month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Subquery, case, func, literal_column, or_, select, union_all

from mediation.accounts.models import User
from mediation.cases.clocks import AWARD_DAYS, AWARD_EXTENSION_MAX_DAYS
from mediation.cases.enums import (
    COLLECTIVE_WORKERS,
    ArbitrationDecision,
    CaseKind,
    Outcome,
    ReferralTarget,
    State,
    WarningLevel,
)
from mediation.cases.models import Case
from mediation.core.clock import to_local, utcnow
from mediation.core.fields import code_of
from mediation.enterprises.models import Enterprise
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

    @staticmethod
    def prefetch_together(wanted: list[tuple[Rollups, tuple[str, ...]]]) -> None:
        """Read the named parts of several reports of one viewer (other periods), sharing the
        workers: on PostgreSQL all of them at the same time (`STATS_CONCURRENCY`)."""
        first = wanted[0][0]
        jobs = {}
        for index, (rollups, names) in enumerate(wanted):
            for name in names:
                if name not in rollups._parts:
                    jobs[(index, name)] = (PARTS[name], rollups.period)
        workers = min(len(jobs), current_app.config.get("STATS_CONCURRENCY", 1))
        if workers <= 1 or not first.dialect.concurrent:
            for rollups, names in wanted:
                rollups.prefetch(*names)
            return
        for ((index, name), _period), figures in threads.read_jobs(
            jobs, workers, first.dialect, first.user, first.org_id, first.now
        ):
            wanted[index][0]._parts[name] = figures

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
        collective workers, claimed, accepted, provincial key, paid so far), month as
        'YYYY-MM'; by_org: (handling org, the same figures); by_ownership, by_sector,
        by_channel, by_flags (kind, migrant, construction): the breakdowns, the same figures."""
        return self.part("received")

    @property
    def closed(self) -> dict[str, list[tuple]]:
        """by_group: (outcome, referral target, final award, month, closed, performed, paid,
        days from receipt to closure summed), month as 'YYYY-MM'; by_org: (handling org, the
        same figures)."""
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
    """The cases received in the period, grouped (one read of the period for all): by_group and
    by_org as `Rollups.received` says, and the breakdowns (docs/statistics.md "Breakdowns") by
    the employer's ownership and sector, by channel and by (kind, migrant, construction)."""
    source, label = _period_source(
        dialect, user, org_id, Case.received_at, period, "received",
        Case.state, Case.kind, Case.category, Case.tier, Case.handling_org_id,
        Case.workers_involved, Case.claim_amount_fen, Case.accepted_at, Case.enterprise_id,
        Case.channel, Case.is_migrant, Case.is_construction, Case.paid_amount_fen,
    )  # fmt: skip
    joined = (
        select(source, Enterprise.ownership.label("ownership"), Enterprise.sector.label("sector"))
        .join(Enterprise, Enterprise.id == source.c.enterprise_id)
        .subquery("received_employers")
    )
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
            func.coalesce(func.sum(c.paid_amount_fen), 0),
        )

    rows = dialect.rollup(
        joined,
        {
            "by_group": ("state", "kind", "category", "tier", "month"),
            "by_org": ("handling_org_id",),
            "by_ownership": ("ownership",),
            "by_sector": ("sector",),
            "by_channel": ("channel",),
            "by_flags": ("kind", "is_migrant", "is_construction"),
        },
        figures,
    )
    rows["by_group"] = [(*r[:4], label(r[4]), *r[5:]) for r in rows["by_group"]]
    return rows


def _headline(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> tuple[int, ...]:
    """The totals of the cases received in the period that the comparison of periods needs,
    in one ungrouped read: (received, accepted, collective, workers in collective cases, wage
    arrears cases, their workers, owed and recovered in fen). `report()` counts the same from
    `_received` (tests/reports/test_stats_official.py checks both ways agree)."""
    collective = Case.workers_involved >= COLLECTIVE_WORKERS
    arrears = Case.kind == CaseKind.arrears
    row = db.session.execute(
        scoped(
            user, org_id,
            func.count(),
            func.count(Case.accepted_at),
            func.count().filter(collective),
            func.coalesce(func.sum(Case.workers_involved).filter(collective), 0),
            func.count().filter(arrears),
            func.coalesce(func.sum(Case.workers_involved).filter(arrears), 0),
            func.coalesce(func.sum(Case.claim_amount_fen).filter(arrears), 0),
            func.coalesce(func.sum(Case.paid_amount_fen).filter(arrears), 0),
        ).where(within(Case.received_at, period))
    ).one()  # fmt: skip
    return tuple(int(value) for value in row)


def _closed(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[str, list[tuple]]:
    source, label = _period_source(
        dialect, user, org_id, Case.closed_at, period, "closed",
        Case.outcome, Case.referral_target, Case.award_final, Case.handling_org_id,
        Case.paid_amount_fen, Case.received_at, Case.closed_at,
    )  # fmt: skip
    rows = dialect.rollup(
        source,
        {
            "by_group": ("outcome", "referral_target", "award_final", "month"),
            "by_org": ("handling_org_id",),
        },
        lambda c: (
            func.count(),
            func.count().filter(c.outcome == Outcome.agreement_performed),
            func.coalesce(func.sum(c.paid_amount_fen), 0),
            func.coalesce(func.sum(dialect.days_between(c.closed_at, c.received_at)), 0),
        ),
    )
    rows["by_group"] = [(*r[:3], label(r[3]), *r[4:]) for r in rows["by_group"]]
    return rows


def _mediation(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[int, tuple[int, int, int, int]]:
    """Per handling organization: (agreements reached in the period, mediations ended without
    agreement in it, agreements due in it, of those performed) (docs/statistics.md "Success
    rate"). One statement over three partial indexes, each read from the index alone."""
    # an agreement is due once its date passed: within the period and before the report's day
    last_due = min(period.end, to_local(now).date() - timedelta(days=1))
    one: Any = literal_column("1")
    zero: Any = literal_column("0")
    performed = case((Case.outcome == Outcome.agreement_performed, 1), else_=0)
    branches = union_all(
        scoped(user, org_id, Case.handling_org_id.label("org"), one.label("agreed"),
               zero.label("ended"), zero.label("due"), zero.label("performed"))
        .where(within(Case.agreed_at, period)),
        scoped(user, org_id, Case.handling_org_id, zero, one, zero, zero, tree="ended_tree")
        .where(within(Case.mediation_ended_at, period)),
        scoped(user, org_id, Case.handling_org_id, zero, zero, one, performed, tree="due_tree")
        .where(Case.agreement_due_on >= period.start, Case.agreement_due_on <= last_due),
    ).subquery("mediations")  # fmt: skip
    c = branches.c
    return {
        org: (int(agreed), int(ended), int(due), int(done))
        for org, agreed, ended, due, done in db.session.execute(
            select(c.org, func.sum(c.agreed), func.sum(c.ended), func.sum(c.due),
                   func.sum(c.performed)).group_by(c.org)
        )
    }  # fmt: skip


def _stock(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[int, int]:
    """Per handling organization: the cases open at the start of the period (received before
    it and not closed before it): those open now (`ix_cases_stats_open`) and those closed
    since (`ix_cases_stats_closed`), each read from its index alone, rather than every case
    received before the period. Open at the end follows: carried over + received - closed (a
    case's `closed_at` is its last closure)."""
    low, _high = period.bounds
    one: Any = literal_column("1")
    branches = union_all(
        scoped(user, org_id, Case.handling_org_id.label("org"), one.label("n"))
        .where(Case.closed_at.is_(None), Case.received_at < low),
        scoped(user, org_id, Case.handling_org_id, one, tree="closed_since_tree")
        .where(Case.closed_at >= low, Case.received_at < low),
    ).subquery("carried_over")  # fmt: skip
    c = branches.c
    return {
        org: int(n) for org, n in db.session.execute(select(c.org, func.count()).group_by(c.org))
    }


def _closed_totals(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> tuple[int, int]:
    """(cases closed in the period, paid on them in fen), ungrouped: the comparison periods'
    closures (`summary._headline_figures`)."""
    closed, paid = db.session.execute(
        scoped(user, org_id, func.count(), func.coalesce(func.sum(Case.paid_amount_fen), 0))
        .where(within(Case.closed_at, period))
    ).one()  # fmt: skip
    return int(closed), int(paid)


def _red_alerts(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[str, int]:
    """The red alerts raised in the period by how they stand: open, acknowledged, resolved;
    and how many were acknowledged (at any status)."""
    rows = db.session.execute(
        select(Alert.status, func.count(), func.count(Alert.acknowledged_at))
        .where(
            alert_scope(user, org_id),
            within(Alert.raised_at, period),
            Alert.level == WarningLevel.red,
        )
        .group_by(Alert.status)
    ).all()
    figures = {"raised": 0, "acknowledged": 0, "open": 0, "resolved": 0}
    for status, n, acknowledged in rows:
        figures["raised"] += n
        figures["acknowledged"] += acknowledged
        if code_of(status) in ("open", "resolved"):
            figures[code_of(status)] += n
    return figures


def _arbitration(
    dialect: Dialect, user: User, period: Period, org_id: int | None, now: datetime
) -> dict[str, int]:
    """The cases in arbitration at the report's moment (state referred, to the arbitration
    commission): how many, of those accepted by the commission and awaiting an award, of
    those past the 45 days of LDMAL art. 43 and past the 60 days of its longest extension."""
    today = to_local(now).date()
    pending = (Case.arbitration_decision == ArbitrationDecision.accepted) & Case.award_on.is_(None)
    referred, waiting, overdue, beyond = db.session.execute(
        scoped(
            user, org_id,
            func.count(),
            func.count().filter(pending),
            func.count().filter(
                pending, Case.arbitration_decided_on < today - timedelta(days=AWARD_DAYS)
            ),
            func.count().filter(
                pending,
                Case.arbitration_decided_on
                < today - timedelta(days=AWARD_DAYS + AWARD_EXTENSION_MAX_DAYS),
            ),
        ).where(Case.state == State.referred, Case.referral_target == ReferralTarget.arbitration)
    ).one()  # fmt: skip
    return {
        "in_arbitration": referred,
        "awards_pending": waiting,
        "awards_overdue": overdue,
        "awards_overdue_beyond_extension": beyond,
    }


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
    "mediation": _mediation,
    "stock": _stock,
    "headline": _headline,
    "closed_totals": _closed_totals,
    "red_alerts": _red_alerts,
    "arbitration": _arbitration,
}
# (the heaviest first: the workers take them in this order)
REPORT_PARTS = (
    "received", "days_at_tier", "closed", "medians", "mediation", "stock", "alerts",
    "red_alerts", "arbitration",
)  # fmt: skip
# the figures a comparison period needs (this period against the year to date and the same
# period last year: `summary.compare`)
COMPARE_PARTS = ("headline", "closed_totals", "mediation", "stock", "red_alerts")
TOWN_PARTS = ("received", "closed", "mediation", "stock")
SERIES_PARTS = ("received", "closed", "alert_weeks")
# everything the reports page shows of its period
PAGE_PARTS = tuple(dict.fromkeys(REPORT_PARTS + TOWN_PARTS + SERIES_PARTS))
