"""Statistics over the cases a user may see, for a period and an organization subtree.

One query layer for the reports page, `GET /api/v1/stats/summary` and the exports: `report()`
answers every figure with a fixed number of grouped statements (no statement per case, per
organization or per month), always inside the user's scope (`accounts.scope.scope_filter`).

Which cases count where:
- received, accepted, kind, category, tier, collective, workers, claimed: cases *received* in the
  period (accepted = of those, the ones that went through `accept`);
- closed, closures by method and result, recovered, days to closure: cases *closed* in the period;
- agreed, days to agreement: cases whose (first) agreement was recorded in the period;
- alerts, time to acknowledgement: alerts *raised* in the period on cases in scope.

The moments of acceptance and of the first agreement are read from `cases.accepted_at` and
`cases.agreed_at` (copies of the events' moments), so no figure reads `case_events`. The cases
received in the period are read once for every count by state, kind, category and tier. Medians
are computed by the database on PostgreSQL (`percentile_cont(0.5)`, the same interpolation as
`statistics.median`) and in Python over the durations fetched in one statement on SQLite.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Float,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    select,
)
from sqlalchemy.dialects import postgresql

from mediation.accounts.models import User
from mediation.accounts.scope import scope_filter
from mediation.cases.enums import STATISTICS_BUCKETS, Category, Outcome, WarningLevel
from mediation.cases.models import Case
from mediation.cases.workflow import State
from mediation.core.clock import LOCAL_TZ, utcnow
from mediation.core.messages import N_
from mediation.core.money import fen_to_yuan
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select
from mediation.warnings.models import Alert

COLLECTIVE_WORKERS = 10
NOT_MEDIATED = (Outcome.not_accepted, Outcome.withdrawn)

# The official statistics buckets (design.md §4), in the order the tables show them.
BUCKETS = (
    "remuneration",
    "social_insurance",
    "change_of_contract",
    "rescission_termination",
    "other",
)
BUCKET_LABELS = {
    "remuneration": N_("Labour remuneration"),
    "social_insurance": N_("Social insurance"),
    "change_of_contract": N_("Change of labour contract"),
    "rescission_termination": N_("Rescission or termination of labour contract"),
    "other": N_("Other"),
}

# How a closure counts in the official tables: by method (mediation, award, other) and, for
# awards, by result. A dismissed claim and a withdrawn or rejected application close "otherwise".
CLOSURE_METHODS = ("mediation", "award", "other")
CLOSURE_METHOD = {
    Outcome.agreement_performed: "mediation",
    Outcome.mediated_in_arbitration: "mediation",
    Outcome.worker_won: "award",
    Outcome.employer_won: "award",
    Outcome.partly: "award",
    Outcome.dismissed: "other",
    Outcome.withdrawn: "other",
    Outcome.not_accepted: "other",
}
CLOSURE_RESULTS = ("worker_won", "employer_won", "partly")
METHOD_LABELS = {
    "mediation": N_("Mediation"),
    "award": N_("Arbitral award or judgment"),
    "other": N_("Other means"),
}
RESULT_LABELS = {
    "worker_won": N_("Worker won"),
    "employer_won": N_("Employer won"),
    "partly": N_("Partly upheld for each side"),
}


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, China dates
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[low, high) as aware datetimes (midnight China time)."""
        low = datetime.combine(self.start, datetime.min.time(), LOCAL_TZ)
        high = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
        return low, high

    @classmethod
    def this_year(cls, today: date) -> Period:
        return cls(start=today.replace(month=1, day=1), end=today)


def _scoped(user: User, org_id: int | None, *columns) -> Select:
    stmt = scope_filter(select(*columns).select_from(Case), user)
    if org_id is not None:
        stmt = stmt.where(
            Case.handling_org_id.in_(subtree_ids_select(org_id, name="filter_org_tree"))
        )
    return stmt


def _unrestricted(user: User, org_id: int | None) -> bool:
    """Every case counts: no scope or organization filter to apply (the administrator)."""
    return org_id is None and scope_filter(select(Case.id), user).whereclause is None


def _alert_scope(user: User, org_id: int | None):
    """The condition restricting alerts to the cases in scope (none for the whole registry:
    every alert belongs to a case)."""
    if _unrestricted(user, org_id):
        return literal(True)
    return Alert.case_id.in_(_scoped(user, org_id, Case.id))


def _in(column, period: Period):
    low, high = period.bounds
    return (column >= low) & (column < high)


def _grouped(stmt: Select, *columns) -> dict:
    rows = db.session.execute(stmt.add_columns(func.count()).group_by(*columns)).all()
    if len(columns) == 1:
        return {_code(row[0]): row[-1] for row in rows}
    return {tuple(_code(v) for v in row[:-1]): row[-1] for row in rows}


def _code(value) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def median(values: list[float], digits: int = 1) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _rounded(value, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _sql_days(later, earlier):
    """Days between two timestamp columns, as a float (PostgreSQL)."""
    return cast(func.extract("epoch", later - earlier), Float) / 86400


def _sql_median(expr):
    return func.percentile_cont(0.5).within_group(expr)


# --- the dialect-specific bits: a moment's China-time month and week ----------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _postgres() -> bool:
    return _dialect() == "postgresql"


def local_month(column):
    """'YYYY-MM' of a UTC timestamp column, in China time."""
    if _dialect() == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def local_week(column):
    """'YYYY-MM-DD' of the Monday of a UTC timestamp's week, in China time."""
    if _dialect() == "postgresql":
        return func.to_char(
            func.date_trunc("week", func.timezone("Asia/Shanghai", column)), "YYYY-MM-DD"
        )
    return func.date(column, "+8 hours", "weekday 0", "-6 days")


# --- the report ---------------------------------------------------------------------------------


def summary(user: User, period: Period, org_id: int | None = None) -> dict:
    """The API summary: the same figures as the reports page."""
    return report(user, period, org_id)


def report(
    user: User, period: Period, org_id: int | None = None, *, now: datetime | None = None
) -> dict:
    """Every figure of the reports page for the period, within the user's scope (and the
    subtree of `org_id` when given). Money as yuan strings; durations in days (alerts: hours)."""
    now = now or utcnow()
    received = _in(Case.received_at, period)
    closed = _in(Case.closed_at, period)
    agreed_in = _in(Case.agreed_at, period)
    collective = Case.workers_involved >= COLLECTIVE_WORKERS
    postgres = _postgres()

    # every count of the cases received in the period, in one statement: one row per
    # (state, kind, category, tier), folded here
    totals = [0] * 6
    by_state: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    by_tier: dict[str, int] = defaultdict(int)
    for state, kind, category, tier, *figures in db.session.execute(
        _scoped(
            user, org_id,
            Case.state, Case.kind, Case.category, Case.tier,
            func.count(),
            func.count().filter(collective),
            func.coalesce(func.sum(Case.workers_involved), 0),
            func.coalesce(func.sum(Case.workers_involved).filter(collective), 0),
            func.coalesce(func.sum(Case.claim_amount_fen), 0),
            func.count(Case.accepted_at),
        ).where(received).group_by(Case.state, Case.kind, Case.category, Case.tier)
    ):  # fmt: skip
        n = figures[0]
        by_state[_code(state)] += n
        by_kind[_code(kind)] += n
        by_category[_code(category)] += n
        by_tier[_code(tier)] += n
        totals = [total + int(value) for total, value in zip(totals, figures, strict=True)]
    by_state, by_kind, by_category, by_tier = (
        dict(by_state), dict(by_kind), dict(by_category), dict(by_tier)
    )  # fmt: skip

    # closures by outcome, the amounts recovered and the days from receipt to closure
    by_outcome = {}
    recovered = 0
    for outcome, n, paid in db.session.execute(
        _scoped(
            user, org_id, Case.outcome, func.count(), func.coalesce(func.sum(Case.paid_amount_fen), 0)
        ).where(closed).group_by(Case.outcome)
    ):  # fmt: skip
        by_outcome[_code(outcome)] = n
        recovered += int(paid)

    # agreements recorded in the period (the first one of each case)
    if postgres:
        median_closure = _rounded(
            db.session.scalar(
                _scoped(user, org_id, _sql_median(_sql_days(Case.closed_at, Case.received_at)))
                .where(closed)
            )
        )  # fmt: skip
        agreed, median_agreement = db.session.execute(
            _scoped(
                user, org_id,
                func.coalesce(func.sum(Case.agreement_amount_fen), 0),
                _sql_median(_sql_days(Case.agreed_at, Case.received_at)),
            ).where(agreed_in)
        ).one()  # fmt: skip
        median_agreement = _rounded(median_agreement)
    else:
        closures = db.session.execute(
            _scoped(user, org_id, Case.received_at, Case.closed_at).where(closed)
        ).all()
        median_closure = median([_days(row.closed_at - row.received_at) for row in closures])
        agreements = db.session.execute(
            _scoped(user, org_id, Case.received_at, Case.agreed_at, Case.agreement_amount_fen)
            .where(agreed_in)
        ).all()  # fmt: skip
        median_agreement = median([_days(row.agreed_at - row.received_at) for row in agreements])
        agreed = sum(row.agreement_amount_fen or 0 for row in agreements)

    alert_rows = db.session.execute(
        select(Alert.level, Alert.raised_at, Alert.acknowledged_at).where(
            _alert_scope(user, org_id), _in(Alert.raised_at, period)
        )
    ).all()
    alerts_by_level: dict[str, int] = defaultdict(int)
    ack_hours: dict[str, list[float]] = defaultdict(list)
    for level, raised_at, acknowledged_at in alert_rows:
        alerts_by_level[_code(level)] += 1
        if acknowledged_at is not None:
            ack_hours[_code(level)].append((acknowledged_at - raised_at).total_seconds() / 3600)
    all_ack = [h for hours in ack_hours.values() for h in hours]

    closed_total = sum(by_outcome.values())
    mediated = closed_total - sum(by_outcome.get(o.value, 0) for o in NOT_MEDIATED)
    performed = by_outcome.get(Outcome.agreement_performed.value, 0)

    by_bucket = dict.fromkeys(BUCKETS, 0)
    for code, n in by_category.items():
        by_bucket[STATISTICS_BUCKETS[Category(code)]] += n
    by_method = dict.fromkeys(CLOSURE_METHODS, 0)
    by_result = dict.fromkeys(CLOSURE_RESULTS, 0)
    for code, n in by_outcome.items():
        by_method[CLOSURE_METHOD[Outcome(code)]] += n
        if code in by_result:
            by_result[code] += n

    return {
        "period": {"from": period.start, "to": period.end},
        "organization_id": org_id,
        "received": totals[0],
        "accepted": totals[5],
        "closed": closed_total,
        "collective_cases": totals[1],
        "workers_involved": int(totals[2]),
        "collective_workers": int(totals[3]),
        "by_state": by_state,
        "by_kind": by_kind,
        "by_category": by_category,
        "by_bucket": by_bucket,
        "by_tier": by_tier,
        "closed_by_outcome": by_outcome,
        "closed_by_method": by_method,
        "closed_by_result": by_result,
        "mediation_success_rate": round(performed / mediated, 4) if mediated else None,
        "median_days_to_agreement": median_agreement,
        "median_days_to_closure": median_closure,
        "days_at_tier": days_at_tier(user, period, org_id, now=now),
        "amounts": {
            "claimed": fen_to_yuan(int(totals[4])),
            "agreed": fen_to_yuan(int(agreed)),
            "recovered": fen_to_yuan(int(recovered)),
        },
        "alerts_by_level": dict(alerts_by_level),
        "median_hours_to_acknowledgement": median(all_ack),
        "median_hours_to_acknowledgement_by_level": {
            level: median(hours) for level, hours in ack_hours.items()
        },
    }


def days_at_tier(
    user: User, period: Period, org_id: int | None = None, *, now: datetime | None = None
) -> dict[str, dict]:
    """How long the cases received in the period were supervised at each tier.

    The engine raises a case's `tier` when an alert targets a higher tier and records no event
    for it, so the tier history is read from the alerts: a case starts at its handling
    organization's tier when received, and reaches a higher tier when the first alert targeting
    that tier is raised (a ratchet: later de-escalation when alerts resolve is not counted). It
    stays until the next tier is reached, and the last one until closure (or now, when open).
    Per tier: how many cases were supervised there, their total and median days.
    """
    now = now or utcnow()
    if _postgres():
        return _days_at_tier_sql(user, period, org_id, now=now)
    return _days_at_tier_python(user, period, org_id, now=now)


def _days_at_tier_python(
    user: User, period: Period, org_id: int | None, *, now: datetime
) -> dict[str, dict]:
    received = _in(Case.received_at, period)
    cases = db.session.execute(
        _scoped(user, org_id, Case.id, Case.received_at, Case.closed_at, Organization.tier)
        .join(Organization, Organization.id == Case.handling_org_id)
        .where(received)
    ).all()
    first_raised = db.session.execute(
        select(Alert.case_id, Alert.target_tier, func.min(Alert.raised_at))
        .where(Alert.case_id.in_(_scoped(user, org_id, Case.id).where(received)))
        .group_by(Alert.case_id, Alert.target_tier)
    ).all()
    reached: dict[int, dict[Tier, datetime]] = defaultdict(dict)
    for case_id, tier, at in first_raised:
        reached[case_id][Tier(tier)] = at

    spans: dict[Tier, list[float]] = {tier: [] for tier in Tier}
    for case_id, received_at, closed_at, handling_tier in cases:
        handling_tier = Tier(handling_tier)
        end = closed_at or now
        steps = [(received_at, handling_tier)]
        for tier in sorted(reached[case_id], key=lambda t: t.rank):
            at = max(reached[case_id][tier], received_at)
            if tier.rank > steps[-1][1].rank and at < end:
                if at == steps[-1][0]:  # reached at once: no time spent at the lower tier
                    steps[-1] = (at, tier)
                else:
                    steps.append((at, tier))
        for (start, tier), following in zip(steps, [*steps[1:], (end, None)], strict=True):
            spans[tier].append(max(_days(following[0] - start), 0.0))
    return {
        tier.value: {
            "cases": len(values),
            "total_days": round(sum(values), 1),
            "median_days": median(values),
        }
        for tier, values in spans.items()
    }


def _not_before(moment, start):
    """The later of the two, NULL when `moment` is (PostgreSQL's greatest() skips NULLs)."""
    return case((moment.is_(None), None), else_=func.greatest(moment, start))


def _days_at_tier_sql(
    user: User, period: Period, org_id: int | None, *, now: datetime
) -> dict[str, dict]:
    """`days_at_tier` computed by the database (PostgreSQL), step for step the same rules.

    Only two steps up exist: to town (from grassroots) and to city (from grassroots or town).
    Per case: the step to town is taken when its first alert comes before the end; it replaces
    the handling tier when reached at receipt. The step to city likewise, replacing the previous
    step when reached at the same moment. Each step lasts until the next one (or the end), never
    less than zero days.
    """
    first_alerts = (
        select(
            Alert.case_id,
            func.min(Alert.raised_at).filter(Alert.target_tier == Tier.town).label("town_at"),
            func.min(Alert.raised_at).filter(Alert.target_tier == Tier.city).label("city_at"),
        )
        .group_by(Alert.case_id)
        .subquery("first_alerts")
    )
    base = (
        _scoped(
            user, org_id,
            Case.received_at.label("start"),
            func.coalesce(Case.closed_at, now).label("stop"),
            Organization.tier.label("handling"),
            _not_before(first_alerts.c.town_at, Case.received_at).label("town_at"),
            _not_before(first_alerts.c.city_at, Case.received_at).label("city_at"),
        )
        .join(Organization, Organization.id == Case.handling_org_id)
        .outerjoin(first_alerts, first_alerts.c.case_id == Case.id)
        .where(_in(Case.received_at, period))
        .subquery("base")
    )  # fmt: skip
    b = base.c
    to_town = (b.handling == Tier.grassroots) & (b.town_at < b.stop)  # NULL when never reached
    to_city = b.handling.in_((Tier.grassroots, Tier.town)) & (b.city_at < b.stop)
    steps = (
        select(
            b.start, b.stop, b.handling, b.town_at, b.city_at,
            func.coalesce(to_town, False).label("to_town"),
            func.coalesce(to_city, False).label("to_city"),
        ).subquery("steps")
    )  # fmt: skip
    t = steps.c
    town_replaces = t.to_town & (t.town_at == t.start)
    city_replaces = t.to_city & (t.city_at == case((t.to_town, t.town_at), else_=t.start))
    flags = select(
        t.start,
        t.stop,
        t.handling,
        t.town_at,
        t.city_at,
        t.to_city,
        (not_(town_replaces) & not_(city_replaces & not_(t.to_town))).label("at_handling"),
        (t.to_town & not_(city_replaces)).label("at_town"),
    ).subquery("flags")  # fmt: skip
    f = flags.c

    def span(present, later, earlier):  # NULL when the case has no such step
        return case((present, func.greatest(_sql_days(later, earlier), 0.0)))

    handling_next = case((f.at_town, f.town_at), (f.to_city, f.city_at), else_=f.stop)
    town_next = case((f.to_city, f.city_at), else_=f.stop)
    # one pass: each case unnests into its three possible steps (tier, days or NULL)
    tiers = [cast(f.handling, String), literal(Tier.town.value, String),
             literal(Tier.city.value, String)]  # fmt: skip
    days = [
        span(f.at_handling, handling_next, f.start),
        span(f.at_town, town_next, f.town_at),
        span(f.to_city, f.stop, f.city_at),
    ]
    spans = select(
        func.unnest(postgresql.array(tiers)).label("tier"),
        func.unnest(postgresql.array(days)).label("days"),
    ).subquery("spans")
    rows = {
        _code(tier): (n, total, middle)
        for tier, n, total, middle in db.session.execute(
            select(
                spans.c.tier,
                func.count(spans.c.days),
                func.sum(spans.c.days),
                _sql_median(spans.c.days),
            )
            .where(spans.c.days.is_not(None))
            .group_by(spans.c.tier)
        )
    }
    result = {}
    for tier in Tier:
        n, total, middle = rows.get(tier.value, (0, 0, None))
        result[tier.value] = {
            "cases": n,
            "total_days": round(float(total), 1) if n else round(0, 1),  # as sum([]) rounds
            "median_days": _rounded(middle),
        }
    return result


# --- tables and series for the reports page and the exports ------------------------------------


def by_town(user: User, period: Period, org_id: int | None = None) -> list[dict]:
    """One row per town (its grassroots unions folded in), plus one for cases the city handles
    itself: received, collective, workers, closed, agreements performed, claimed and recovered."""
    orgs = db.session.execute(
        select(Organization.id, Organization.parent_id, Organization.tier, Organization.name)
    ).all()
    info = {o.id: o for o in orgs}

    def town_of(org_id_: int) -> int:
        org = info[org_id_]
        if Tier(org.tier) == Tier.grassroots and org.parent_id is not None:
            return org.parent_id
        return org.id

    rows: dict[int, dict] = {}

    def row(handling_org_id: int) -> dict:
        town = town_of(handling_org_id)
        if town not in rows:
            rows[town] = {
                "organization_id": town,
                "name": info[town].name,
                "tier": _code(info[town].tier),
                "received": 0, "collective_cases": 0, "workers_involved": 0, "closed": 0,
                "performed": 0, "claimed_fen": 0, "recovered_fen": 0,
            }  # fmt: skip
        return rows[town]

    collective = Case.workers_involved >= COLLECTIVE_WORKERS
    for org, n, n_collective, workers, claimed in db.session.execute(
        _scoped(
            user, org_id,
            Case.handling_org_id, func.count(), func.count().filter(collective),
            func.coalesce(func.sum(Case.workers_involved), 0),
            func.coalesce(func.sum(Case.claim_amount_fen), 0),
        ).where(_in(Case.received_at, period)).group_by(Case.handling_org_id)
    ):  # fmt: skip
        r = row(org)
        r["received"] += n
        r["collective_cases"] += n_collective
        r["workers_involved"] += int(workers)
        r["claimed_fen"] += int(claimed)
    for org, n, performed, recovered in db.session.execute(
        _scoped(
            user, org_id,
            Case.handling_org_id, func.count(),
            func.count().filter(Case.outcome == Outcome.agreement_performed),
            func.coalesce(func.sum(Case.paid_amount_fen), 0),
        ).where(_in(Case.closed_at, period)).group_by(Case.handling_org_id)
    ):  # fmt: skip
        r = row(org)
        r["closed"] += n
        r["performed"] += performed
        r["recovered_fen"] += int(recovered)
    ordered = sorted(rows.values(), key=lambda r: (r["tier"] != "city", r["name"]))
    for r in ordered:
        r["claimed"] = fen_to_yuan(r["claimed_fen"])
        r["recovered"] = fen_to_yuan(r["recovered_fen"])
    return ordered


def _months(period: Period) -> list[str]:
    months, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _weeks(period: Period) -> list[str]:
    monday = period.start - timedelta(days=period.start.weekday())
    weeks = []
    while monday <= period.end:
        weeks.append(monday.isoformat())
        monday += timedelta(days=7)
    return weeks


def series(user: User, period: Period, org_id: int | None = None) -> dict:
    """The charts' data: cases received per month by their current state, alerts raised per
    week by level, amounts recovered per month (by closure month)."""
    month = local_month(Case.received_at).label("month")
    per_month = _grouped(
        _scoped(user, org_id, month, Case.state).where(_in(Case.received_at, period)),
        literal_column("month"),
        Case.state,
    )
    months = _months(period)
    cases_by_state = {
        state.value: [per_month.get((m, state.value), 0) for m in months] for state in State
    }

    week = local_week(Alert.raised_at).label("week")
    per_week = db.session.execute(
        select(week, Alert.level, func.count())
        .where(_alert_scope(user, org_id), _in(Alert.raised_at, period))
        .group_by(literal_column("week"), Alert.level)
    ).all()
    counts = {(str(w), _code(level)): n for w, level, n in per_week}
    weeks = _weeks(period)
    alerts_by_level = {
        level.value: [counts.get((w, level.value), 0) for w in weeks] for level in WarningLevel
    }

    closed_month = local_month(Case.closed_at).label("closed_month")
    recovered_rows = db.session.execute(
        _scoped(user, org_id, closed_month, func.coalesce(func.sum(Case.paid_amount_fen), 0))
        .where(_in(Case.closed_at, period))
        .group_by(literal_column("closed_month"))
    ).all()
    recovered = {m: int(fen) for m, fen in recovered_rows}
    return {
        "months": months,
        "cases_by_state": cases_by_state,
        "weeks": weeks,
        "alerts_by_level": alerts_by_level,
        "recovered": [fen_to_yuan(recovered.get(m, 0)) for m in months],
    }
