"""Durations and their medians: days between two moments (in Python and in SQL), the medians of
days to closure and to agreement, and the alerts with their hours to acknowledgement.

Each figure is computed two ways, side by side because they must change together: by the
database on PostgreSQL (`percentile_cont(0.5)`, the same interpolation as `statistics.median`),
and in Python over the durations fetched in one statement on SQLite. The dialect object
(`dialect.py`) picks one."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, func, literal_column, select

from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.core.fields import code_of
from mediation.extensions import db
from mediation.reports.stats.periods import Period, within
from mediation.reports.stats.scoping import alert_scope, scoped
from mediation.warnings.models import Alert

# (median days to closure, amount agreed in fen, median days to agreement)
Medians = tuple[float | None, int, float | None]
# (alerts per level, median hours to acknowledgement overall, and per level)
Alerts = tuple[dict[str, int], float | None, dict[str, float | None]]


def days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def median(values: list[float], digits: int = 1) -> float | None:
    return round(statistics.median(values), digits) if values else None


def rounded(value: Any, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def sql_days(later: Any, earlier: Any) -> ColumnElement[float | Decimal]:
    """Days between two timestamp columns, as a float (PostgreSQL). `date_part` computes in
    floating point (`extract` in PostgreSQL 14+ in `numeric`, about twice as slow per row)."""
    return func.date_part("epoch", later - earlier, type_=Float) / literal_column("86400.0", Float)


def sql_median(expr: Any) -> ColumnElement[float]:
    return func.percentile_cont(0.5).within_group(expr)


# --- days to closure and to agreement: (median days from receipt to closure of the cases closed
# in the period, the amount agreed and the median days from receipt to agreement of the
# agreements recorded in it)


def medians_in_database(user: User, period: Period, org_id: int | None) -> Medians:
    closed = within(Case.closed_at, period)
    agreed_in = within(Case.agreed_at, period)
    median_closure = rounded(
        db.session.scalar(
            scoped(user, org_id, sql_median(sql_days(Case.closed_at, Case.received_at)))
            .where(closed)
        )
    )  # fmt: skip
    agreed, median_agreement = db.session.execute(
        scoped(
            user, org_id,
            func.coalesce(func.sum(Case.agreement_amount_fen), 0),
            sql_median(sql_days(Case.agreed_at, Case.received_at)),
        ).where(agreed_in)
    ).one()  # fmt: skip
    return median_closure, agreed, rounded(median_agreement)


def medians_in_python(user: User, period: Period, org_id: int | None) -> Medians:
    closed = within(Case.closed_at, period)
    agreed_in = within(Case.agreed_at, period)
    closures = db.session.execute(
        scoped(user, org_id, Case.received_at, Case.closed_at).where(closed)
    ).all()
    median_closure = median([days(row.closed_at - row.received_at) for row in closures])
    agreements = db.session.execute(
        scoped(user, org_id, Case.received_at, Case.agreed_at, Case.agreement_amount_fen)
        .where(agreed_in)
    ).all()  # fmt: skip
    median_agreement = median([days(row.agreed_at - row.received_at) for row in agreements])
    agreed = sum(row.agreement_amount_fen or 0 for row in agreements)
    return median_closure, agreed, median_agreement


# --- the alerts raised in the period: how many per level, the median hours to acknowledgement
# overall and per level (levels with an acknowledged alert only)


def alerts_in_database(user: User, period: Period, org_id: int | None) -> Alerts:
    """One statement (ROLLUP adds the overall row)."""
    in_scope = (alert_scope(user, org_id), within(Alert.raised_at, period))
    hours = func.date_part(
        "epoch", Alert.acknowledged_at - Alert.raised_at, type_=Float
    ) / literal_column("3600.0", Float)
    by_level, overall, middles = {}, None, {}
    for level, n, acknowledged, middle in db.session.execute(
        select(Alert.level, func.count(), func.count(Alert.acknowledged_at), sql_median(hours))
        .where(*in_scope)
        .group_by(func.rollup(Alert.level))
    ):  # fmt: skip
        if level is None:  # the ROLLUP's total (level is never NULL)
            overall = rounded(middle)
            continue
        by_level[code_of(level)] = n
        if acknowledged:
            middles[code_of(level)] = rounded(middle)
    return by_level, overall, middles


def alerts_in_python(user: User, period: Period, org_id: int | None) -> Alerts:
    """The rows, counted here."""
    in_scope = (alert_scope(user, org_id), within(Alert.raised_at, period))
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
