"""Statistics over the cases a user may see, for a period and an organization subtree.

One query layer for the reports page, `GET /api/v1/stats/summary` and the exports: `report()`
answers every figure with a fixed number of grouped statements (no statement per case, per
organization or per month), always inside the user's scope (`cases.scope.scope_filter`).

Which cases count where:
- received, accepted, kind, category, tier, collective, workers, claimed: cases *received* in the
  period (accepted = of those, the ones that went through `accept`);
- closed, closures by method and result, recovered, days to closure: cases *closed* in the period;
- agreed, days to agreement: cases whose (first) agreement was recorded in the period;
- alerts, time to acknowledgement: alerts *raised* in the period on cases in scope.

The moments of acceptance and of the first agreement are read from `cases.accepted_at` and
`cases.agreed_at` (copies of the events' moments), so no figure reads `case_events`; the moments
of the first town and city alerts from `cases.first_town_alert_at` / `first_city_alert_at`, so
the days at each tier do not read the alerts. The cases received in the period are read once
for every count by state, kind, category, tier, month and handling organization, and those
closed in it once for every count by outcome, month and organization (`Rollups`, shared by
`report()`, `by_town()` and `series()`; it also holds the other parts of a report and, on
PostgreSQL, reads them at the same time on separate connections). Medians are computed by the
database on PostgreSQL (`percentile_cont(0.5)`, the same interpolation as `statistics.median`)
and in Python over the durations fetched in one statement on SQLite.
"""

from __future__ import annotations

import statistics
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import (
    Engine,
    Float,
    Select,
    case,
    create_engine,
    func,
    literal,
    literal_column,
    not_,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from mediation.accounts.models import Role, User
from mediation.accounts.scope import remember_scope, scope_org_ids
from mediation.cases.enums import STATISTICS_BUCKETS, Category, Outcome, State, WarningLevel
from mediation.cases.models import Case
from mediation.cases.scope import scope_filter
from mediation.core.clock import LOCAL_TZ, utcnow
from mediation.core.fields import code_of
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


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def median(values: list[float], digits: int = 1) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _rounded(value, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _sql_days(later, earlier):
    """Days between two timestamp columns, as a float (PostgreSQL). `date_part` computes in
    floating point (`extract` in PostgreSQL 14+ in `numeric`, about twice as slow per row)."""
    return func.date_part("epoch", later - earlier, type_=Float) / literal_column("86400.0", Float)


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


def _statistics_settings() -> None:
    """For the rest of this transaction (PostgreSQL): sorts (the medians over a period's cases)
    stay in memory (the default `work_mem` of 4 MB spills them to disk from about 100,000
    cases), and no JIT compilation (it cost 0.15-0.3 s per statement over a year of cases, more
    than it saved)."""
    db.session.execute(
        select(func.set_config("work_mem", "64MB", True), func.set_config("jit", "off", True))
    )


def _month_key(column, period: Period):
    """(an expression grouping a UTC timestamp column by China-time month, a function from its
    value to 'YYYY-MM'), for rows within the period. PostgreSQL: the month's number in the period
    (`width_bucket` over the months' first moments: a binary search per row, where `to_char` of
    the local time costs a time zone conversion and a formatting); SQLite: the month itself."""
    months = _months(period)
    if not _postgres():
        return local_month(column), str
    starts = [datetime(int(m[:4]), int(m[5:]), 1, tzinfo=LOCAL_TZ).astimezone(UTC) for m in months]
    bounds = postgresql.array([literal(start, column.type) for start in starts])
    return func.width_bucket(column, bounds), lambda n: months[n - 1]


def _rollup(source, sets: dict[str, tuple[str, ...]], aggregates) -> dict[str, list[tuple]]:
    """The rows of `source` (a subquery) grouped by each named set of its columns: {name: [(keys
    ..., aggregates ...)]}, `aggregates(source.c)` giving the aggregate columns. PostgreSQL reads
    the source once for every set (GROUPING SETS, told apart by `grouping()`); SQLite runs one
    statement per set.

    The source should end with `OFFSET 0`: PostgreSQL then groups its month column as one of
    unknown width (200 values) instead of guessing one group per timestamp from the expression's
    column, and over a long period would otherwise sort a million rows instead of hashing a few
    thousand groups."""
    c = source.c
    if not _postgres():
        return {
            name: [
                tuple(row)
                for row in db.session.execute(
                    select(*(c[k] for k in keys), *aggregates(c)).group_by(*(c[k] for k in keys))
                )
            ]
            for name, keys in sets.items()
        }
    names = list(dict.fromkeys(k for keys in sets.values() for k in keys))
    # grouping(a, b, ...) sets a bit, from the left, for each column a row is *not* grouped by
    masks = {
        sum(1 << (len(names) - 1 - i) for i, k in enumerate(names) if k not in keys): name
        for name, keys in sets.items()
    }
    assert len(masks) == len(sets), "grouping sets must differ"
    columns = [c[k] for k in names]
    rows = db.session.execute(
        select(func.grouping(*columns), *columns, *aggregates(c)).group_by(
            func.grouping_sets(*(tuple_(*(c[k] for k in keys)) for keys in sets.values()))
        )
    )
    result: dict[str, list[tuple]] = {name: [] for name in sets}
    for mask, *values in rows:
        name = masks[mask]
        keyed = dict(zip(names, values[: len(names)], strict=True))
        result[name].append((*(keyed[k] for k in sets[name]), *values[len(names) :]))
    return result


class Rollups:
    """Every grouped statement of a report, read once and shared by `report()`, `by_town()` and
    `series()` (the reports page shows all three): the counts and sums of the cases received in
    the period and of those closed in it (on PostgreSQL one statement for each period filter,
    each an index-only scan of the period, `ix_cases_stats_received` / `ix_cases_stats_closed`,
    answering two groupings at once), the days at each tier, the medians, the alerts.

    `prefetch()` reads the parts not yet read. On PostgreSQL it runs them at the same time on
    separate connections (`STATS_CONCURRENCY`, 3 by default): they are independent statements
    of a few hundred milliseconds each over a million cases, and each one runs on one core.
    Like the statements of one READ COMMITTED transaction, each sees the data as of its own
    start."""

    def __init__(
        self, user: User, period: Period, org_id: int | None = None, *, now: datetime | None = None
    ):
        self.user, self.period, self.org_id = user, period, org_id
        self.now = now or utcnow()
        self._parts: dict[str, object] = {}
        self._prepared = False

    def prepare(self) -> None:
        """The statistics' session settings, once (PostgreSQL; see `_statistics_settings`)."""
        if not self._prepared and _postgres():
            _statistics_settings()
        self._prepared = True

    def matches(self, user: User, period: Period, org_id: int | None) -> bool:
        return (self.user.id, self.period, self.org_id) == (user.id, period, org_id)

    def prefetch(self, *names: str) -> None:
        """Read the named parts (all of them by default) that are not read yet."""
        missing = [name for name in (names or tuple(PARTS)) if name not in self._parts]
        workers = min(len(missing), current_app.config.get("STATS_CONCURRENCY", 1))
        if workers <= 1 or not _postgres():
            for name in missing:
                self.part(name)
            return
        app = current_app._get_current_object()
        # what the workers need of the viewer, read here: ORM objects belong to this thread's
        # session, and the scope must be the one this request authenticated with
        viewer = Viewer(self.user.id, self.user.role, self.user.organization_id)
        scope_ids = None
        if self.user.role != Role.admin:
            scope_ids = scope_org_ids(self.user)
        args = (viewer, scope_ids, self.period, self.org_id, self.now)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stats")
        try:
            futures = {
                name: pool.submit(_part_in_own_session, app, name, *args) for name in missing
            }
            for name, future in futures.items():
                self._parts[name] = future.result()
        finally:  # on an error, the parts not started yet are not started
            pool.shutdown(wait=True, cancel_futures=True)

    def part(self, name: str):
        if name not in self._parts:
            self.prepare()
            self._parts[name] = PARTS[name](self.user, self.period, self.org_id, self.now)
        return self._parts[name]

    @property
    def received(self) -> dict[str, list[tuple]]:
        """by_group: (state, kind, category, tier, month, received, collective, workers,
        collective workers, claimed, accepted), month as 'YYYY-MM'; by_org: (handling org, the
        same figures)."""
        return self.part("received")

    @property
    def closed(self) -> dict[str, list[tuple]]:
        """by_group: (outcome, month, closed, performed, paid), month as 'YYYY-MM'; by_org:
        (handling org, the same figures)."""
        return self.part("closed")


@dataclass(frozen=True)
class Viewer:
    """What the statistics read of a user in a worker thread (the scope rule needs no more)."""

    id: int
    role: Role
    organization_id: int | None


def _part_in_own_session(
    app, name: str, viewer: Viewer, scope_ids, period: Period, org_id, now: datetime
):
    """One part of a report, in a worker thread: an application context and a session of its
    own, on a connection of the statistics' own engine (`_worker_engine`), the request's scope
    handed over as it was read."""
    engine, slots = _worker_engine(app)
    with slots, app.app_context():
        if scope_ids is not None:
            remember_scope(viewer.organization_id, scope_ids, outside_request=True)
        session = Session(bind=engine)
        db.session.registry.set(session)  # this app context's `db.session`
        try:
            _statistics_settings()
            return PARTS[name](viewer, period, org_id, now)
        finally:
            session.rollback()
            db.session.remove()


_worker_engine_lock = threading.Lock()


def _worker_engine(app) -> tuple[Engine, threading.BoundedSemaphore]:
    """The statistics workers' engine and how many may run at once in this process.

    Workers never take connections from the application's pool: a request doing statistics
    already holds one there while it waits for its workers, so enough such requests at once
    would leave the workers no connection and everyone waiting. The workers' engine keeps no
    connections (`NullPool`: a connection costs a few milliseconds against statements of
    hundreds), and a semaphore of `STATS_CONCURRENCY` bounds them per process."""
    with _worker_engine_lock:
        found = app.extensions.get("stats_workers")
        if found is None:
            options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
            for pool_option in ("pool_size", "max_overflow", "pool_timeout", "pool_recycle"):
                options.pop(pool_option, None)
            url = app.config["SQLALCHEMY_DATABASE_URI"]
            engine = create_engine(url, poolclass=NullPool, **options)
            slots = threading.BoundedSemaphore(max(1, app.config.get("STATS_CONCURRENCY", 1)))
            found = app.extensions["stats_workers"] = (engine, slots)
        return found


def _period_source(user: User, org_id: int | None, moment, period: Period, name: str, *columns):
    """The cases in scope whose `moment` falls in the period, with `columns` and their month,
    as a subquery for `_rollup`; and the function from a month key to 'YYYY-MM'."""
    month, label = _month_key(moment, period)
    source = (
        _scoped(user, org_id, *columns, month.label("month"))
        .where(_in(moment, period))
        .offset(0)  # see _rollup
        .subquery(name)
    )
    return source, label


def _received(user: User, period: Period, org_id: int | None, now: datetime):
    source, label = _period_source(
        user, org_id, Case.received_at, period, "received",
        Case.state, Case.kind, Case.category, Case.tier, Case.handling_org_id,
        Case.workers_involved, Case.claim_amount_fen, Case.accepted_at,
    )  # fmt: skip

    def figures(c):
        collective = c.workers_involved >= COLLECTIVE_WORKERS
        return (
            func.count(),
            func.count().filter(collective),
            func.coalesce(func.sum(c.workers_involved), 0),
            func.coalesce(func.sum(c.workers_involved).filter(collective), 0),
            func.coalesce(func.sum(c.claim_amount_fen), 0),
            func.count(c.accepted_at),
        )

    rows = _rollup(
        source,
        {
            "by_group": ("state", "kind", "category", "tier", "month"),
            "by_org": ("handling_org_id",),
        },
        figures,
    )
    rows["by_group"] = [(*r[:4], label(r[4]), *r[5:]) for r in rows["by_group"]]
    return rows


def _closed(user: User, period: Period, org_id: int | None, now: datetime):
    source, label = _period_source(
        user, org_id, Case.closed_at, period, "closed",
        Case.outcome, Case.handling_org_id, Case.paid_amount_fen,
    )  # fmt: skip
    rows = _rollup(
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


def _rollups(
    rollups: Rollups | None,
    user: User,
    period: Period,
    org_id: int | None,
    now: datetime | None = None,
) -> Rollups:
    if rollups is None:
        return Rollups(user, period, org_id, now=now)
    assert rollups.matches(user, period, org_id), "rollups of another report"
    assert now is None or now == rollups.now, "rollups of another moment"
    return rollups


# --- the report ---------------------------------------------------------------------------------


def summary(user: User, period: Period, org_id: int | None = None) -> dict:
    """The API summary: the same figures as the reports page."""
    return report(user, period, org_id)


def report(
    user: User,
    period: Period,
    org_id: int | None = None,
    *,
    now: datetime | None = None,
    rollups: Rollups | None = None,
) -> dict:
    """Every figure of the reports page for the period, within the user's scope (and the
    subtree of `org_id` when given). Money as yuan strings; durations in days (alerts: hours).
    `rollups`: the page's grouped counts, when `by_town()` and `series()` read them too."""
    rollups = _rollups(rollups, user, period, org_id, now)
    rollups.prefetch(*REPORT_PARTS)

    # every count of the cases received in the period: one row per (state, kind, category,
    # tier, month), folded here
    totals = [0] * 6
    by_state: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    by_tier: dict[str, int] = defaultdict(int)
    for state, kind, category, tier, _month, *figures in rollups.received["by_group"]:
        n = figures[0]
        by_state[code_of(state)] += n
        by_kind[code_of(kind)] += n
        by_category[code_of(category)] += n
        by_tier[code_of(tier)] += n
        totals = [total + int(value) for total, value in zip(totals, figures, strict=True)]
    by_state, by_kind, by_category, by_tier = (
        dict(by_state), dict(by_kind), dict(by_category), dict(by_tier)
    )  # fmt: skip

    # closures by outcome and the amounts recovered
    by_outcome: dict[str, int] = defaultdict(int)
    recovered = 0
    for outcome, _month, n, _performed, paid in rollups.closed["by_group"]:
        by_outcome[code_of(outcome)] += n
        recovered += int(paid)
    by_outcome = dict(by_outcome)

    median_closure, agreed, median_agreement = rollups.part("medians")
    alerts_by_level, median_ack, median_ack_by_level = rollups.part("alerts")

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
        "days_at_tier": rollups.part("days_at_tier"),
        "amounts": {
            "claimed": fen_to_yuan(int(totals[4])),
            "agreed": fen_to_yuan(int(agreed)),
            "recovered": fen_to_yuan(int(recovered)),
        },
        "alerts_by_level": alerts_by_level,
        "median_hours_to_acknowledgement": median_ack,
        "median_hours_to_acknowledgement_by_level": median_ack_by_level,
    }


def _medians(
    user: User, period: Period, org_id: int | None, now: datetime
) -> tuple[float | None, int, float | None]:
    """(median days from receipt to closure of the cases closed in the period, the amount agreed
    and the median days from receipt to agreement of the agreements recorded in it)."""
    closed = _in(Case.closed_at, period)
    agreed_in = _in(Case.agreed_at, period)
    if _postgres():
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
        return median_closure, agreed, _rounded(median_agreement)
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
    return median_closure, agreed, median_agreement


def _alerts(
    user: User, period: Period, org_id: int | None, now: datetime | None = None
) -> tuple[dict[str, int], float | None, dict[str, float | None]]:
    """The alerts raised in the period: how many per level, the median hours to acknowledgement
    overall and per level (levels with an acknowledged alert only). PostgreSQL: one statement
    (ROLLUP adds the overall row); SQLite: the rows, counted here."""
    in_scope = (_alert_scope(user, org_id), _in(Alert.raised_at, period))
    if _postgres():
        hours = func.date_part(
            "epoch", Alert.acknowledged_at - Alert.raised_at, type_=Float
        ) / literal_column("3600.0", Float)
        by_level, overall, middles = {}, None, {}
        for level, n, acknowledged, middle in db.session.execute(
            select(Alert.level, func.count(), func.count(Alert.acknowledged_at), _sql_median(hours))
            .where(*in_scope)
            .group_by(func.rollup(Alert.level))
        ):  # fmt: skip
            if level is None:  # the ROLLUP's total (level is never NULL)
                overall = _rounded(middle)
                continue
            by_level[code_of(level)] = n
            if acknowledged:
                middles[code_of(level)] = _rounded(middle)
        return by_level, overall, middles
    by_level: dict[str, int] = defaultdict(int)
    ack_hours: dict[str, list[float]] = defaultdict(list)
    for level, raised_at, acknowledged_at in db.session.execute(
        select(Alert.level, Alert.raised_at, Alert.acknowledged_at).where(*in_scope)
    ):
        by_level[code_of(level)] += 1
        if acknowledged_at is not None:
            ack_hours[code_of(level)].append((acknowledged_at - raised_at).total_seconds() / 3600)
    all_ack = [h for values in ack_hours.values() for h in values]
    middles = {level: median(values) for level, values in ack_hours.items()}
    return dict(by_level), median(all_ack), middles


def days_at_tier(
    user: User, period: Period, org_id: int | None = None, *, now: datetime | None = None
) -> dict[str, dict]:
    """How long the cases received in the period were supervised at each tier.

    The engine raises a case's `tier` when an alert targets a higher tier and records no event
    for it, so the tier history is told by the alerts: a case starts at its handling
    organization's tier when received, and reaches a higher tier when the first alert targeting
    that tier is raised (a ratchet: later de-escalation when alerts resolve is not counted). It
    stays until the next tier is reached, and the last one until closure (or now, when open).
    Per tier: how many cases were supervised there, their total and median days. The moments of
    the first town and city alerts are kept on the case by the engine (`first_town_alert_at`,
    `first_city_alert_at`): an alert row re-raised later does not move them.
    """
    now = now or utcnow()
    if _postgres():
        return _days_at_tier_sql(user, period, org_id, now=now)
    return _days_at_tier_python(user, period, org_id, now=now)


def _days_at_tier_python(
    user: User, period: Period, org_id: int | None, *, now: datetime
) -> dict[str, dict]:
    cases = db.session.execute(
        _scoped(
            user, org_id,
            Case.received_at, Case.closed_at, Organization.tier,
            Case.first_town_alert_at, Case.first_city_alert_at,
        )
        .join(Organization, Organization.id == Case.handling_org_id)
        .where(_in(Case.received_at, period))
    ).all()  # fmt: skip

    spans: dict[Tier, list[float]] = {tier: [] for tier in Tier}
    for received_at, closed_at, handling_tier, town_at, city_at in cases:
        handling_tier = Tier(handling_tier)
        end = closed_at or now
        steps = [(received_at, handling_tier)]
        for tier, first_alert in ((Tier.town, town_at), (Tier.city, city_at)):  # by rank
            if first_alert is None:
                continue
            at = max(first_alert, received_at)
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

    One row per case and no join: the moments are on the case (`ix_cases_stats_received` covers
    them). A case spends at most one step at each tier (the town step only follows a grassroots
    handling tier, the city step a lower one), so each tier's days are one column per case (NULL
    when it has no such step), each aggregated on its own. Each level is computed once per row
    (`OFFSET 0` keeps PostgreSQL from inlining a subquery's expressions into every use).
    """
    base = (
        _scoped(
            user, org_id,
            Case.received_at.label("start"),
            func.coalesce(Case.closed_at, now).label("stop"),
            Organization.tier.label("handling"),
            _not_before(Case.first_town_alert_at, Case.received_at).label("town_at"),
            _not_before(Case.first_city_alert_at, Case.received_at).label("city_at"),
        )
        .join(Organization, Organization.id == Case.handling_org_id)
        .where(_in(Case.received_at, period))
        .offset(0)
        .subquery("base")
    )  # fmt: skip
    b = base.c
    steps = (
        select(
            b.start, b.stop, b.handling, b.town_at, b.city_at,
            # NULL (never reached) counts as not taken
            func.coalesce((b.handling == Tier.grassroots) & (b.town_at < b.stop), False)
            .label("to_town"),
            func.coalesce((b.handling != Tier.city) & (b.city_at < b.stop), False)
            .label("to_city"),
        )
        .offset(0)
        .subquery("steps")
    )  # fmt: skip
    t = steps.c

    def days(later, earlier):
        return func.greatest(_sql_days(later, earlier), 0.0)

    at_handling = case(
        (not_(t.to_town) & not_(t.to_city), days(t.stop, t.start)),  # most cases: one step
        (t.to_town & (t.town_at == t.start), None),  # the town step replaces it
        (t.to_city & not_(t.to_town) & (t.city_at == t.start), None),  # the city step does
        else_=days(case((t.to_town, t.town_at), else_=t.city_at), t.start),
    )
    at_town = case(  # unless the city step replaces it
        (t.to_town & not_(t.to_city & (t.city_at == t.town_at)),
         days(case((t.to_city, t.city_at), else_=t.stop), t.town_at)),
    )  # fmt: skip
    at_city = case((t.to_city, days(t.stop, t.city_at)))
    spans = (
        select(
            case((t.handling == Tier.grassroots, at_handling)).label(Tier.grassroots.value),
            case((t.handling == Tier.town, at_handling), else_=at_town).label(Tier.town.value),
            case((t.handling == Tier.city, at_handling), else_=at_city).label(Tier.city.value),
        )
        .offset(0)
        .subquery("spans")
    )
    figures = db.session.execute(
        select(
            *(
                aggregate
                for tier in Tier
                for aggregate in (
                    func.count(spans.c[tier.value]),
                    func.sum(spans.c[tier.value]),
                    _sql_median(spans.c[tier.value]),
                )
            )
        )
    ).one()
    result = {}
    for i, tier in enumerate(Tier):
        n, total, middle = figures[3 * i : 3 * i + 3]
        result[tier.value] = {
            "cases": n,
            "total_days": round(float(total), 1) if n else round(0, 1),  # as sum([]) rounds
            "median_days": _rounded(middle),
        }
    return result


# --- tables and series for the reports page and the exports ------------------------------------


def by_town(
    user: User, period: Period, org_id: int | None = None, *, rollups: Rollups | None = None
) -> list[dict]:
    """One row per town (its grassroots unions folded in), plus one for cases the city handles
    itself: received, collective, workers, closed, agreements performed, claimed and recovered."""
    rollups = _rollups(rollups, user, period, org_id)
    rollups.prefetch(*TOWN_PARTS)
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
                "tier": code_of(info[town].tier),
                "received": 0, "collective_cases": 0, "workers_involved": 0, "closed": 0,
                "performed": 0, "claimed_fen": 0, "recovered_fen": 0,
            }  # fmt: skip
        return rows[town]

    for org, n, n_collective, workers, _collective_workers, claimed, _ in rollups.received[
        "by_org"
    ]:
        r = row(org)
        r["received"] += n
        r["collective_cases"] += n_collective
        r["workers_involved"] += int(workers)
        r["claimed_fen"] += int(claimed)
    for org, n, performed, recovered in rollups.closed["by_org"]:
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


def series(
    user: User, period: Period, org_id: int | None = None, *, rollups: Rollups | None = None
) -> dict:
    """The charts' data: cases received per month by their current state, alerts raised per
    week by level, amounts recovered per month (by closure month)."""
    rollups = _rollups(rollups, user, period, org_id)
    rollups.prefetch(*SERIES_PARTS)
    per_month: dict[tuple[str, str], int] = defaultdict(int)
    for state, _kind, _category, _tier, m, n, *_ in rollups.received["by_group"]:
        per_month[(m, code_of(state))] += n
    months = _months(period)
    cases_by_state = {
        state.value: [per_month.get((m, state.value), 0) for m in months] for state in State
    }

    counts = rollups.part("alert_weeks")
    weeks = _weeks(period)
    alerts_by_level = {
        level.value: [counts.get((w, level.value), 0) for w in weeks] for level in WarningLevel
    }

    recovered: dict[str, int] = defaultdict(int)
    for _outcome, m, _n, _performed, paid in rollups.closed["by_group"]:
        recovered[m] += int(paid)
    return {
        "months": months,
        "cases_by_state": cases_by_state,
        "weeks": weeks,
        "alerts_by_level": alerts_by_level,
        "recovered": [fen_to_yuan(recovered.get(m, 0)) for m in months],
    }


def _alert_weeks(
    user: User, period: Period, org_id: int | None, now: datetime
) -> dict[tuple[str, str], int]:
    """The alerts raised in the period per (week's Monday, level)."""
    week = local_week(Alert.raised_at).label("week")
    per_week = db.session.execute(
        select(week, Alert.level, func.count())
        .where(_alert_scope(user, org_id), _in(Alert.raised_at, period))
        .group_by(literal_column("week"), Alert.level)
    ).all()
    return {(str(w), code_of(level)): n for w, level, n in per_week}


def _days_at_tier_part(user: User, period: Period, org_id: int | None, now: datetime):
    return days_at_tier(user, period, org_id, now=now)


# The parts of a report (`Rollups`): each a function of (user, period, organization, now)
# reading the database in the current session.
PARTS = {
    "received": _received,
    "closed": _closed,
    "days_at_tier": _days_at_tier_part,
    "medians": _medians,
    "alerts": _alerts,
    "alert_weeks": _alert_weeks,
}
REPORT_PARTS = ("received", "closed", "days_at_tier", "medians", "alerts")
TOWN_PARTS = ("received", "closed")
SERIES_PARTS = ("received", "closed", "alert_weeks")
