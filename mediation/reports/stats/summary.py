"""The figures the reports page, `GET /api/v1/stats/summary` and the exports show, assembled
from a report's parts (`Rollups`): every figure of a period (`report()`), one row per town
(`by_town()`) and the charts' data (`series()`). No statement here but the organizations'
names: the parts are read once and shared."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from mediation.accounts.models import User
from mediation.cases.enums import (
    BUCKETS,
    STATISTICS_BUCKETS,
    Category,
    Outcome,
    State,
    WarningLevel,
)
from mediation.core.fields import code_of
from mediation.core.money import fen_to_yuan
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.reports.stats import periods
from mediation.reports.stats.definitions import (
    CLOSURE_METHOD,
    CLOSURE_METHODS,
    CLOSURE_RESULTS,
    NOT_MEDIATED,
)
from mediation.reports.stats.parts import (
    REPORT_PARTS,
    SERIES_PARTS,
    TOWN_PARTS,
    Rollups,
    rollups_for,
)
from mediation.reports.stats.periods import Period


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
    rollups = rollups_for(rollups, user, period, org_id, now)
    rollups.prefetch(*REPORT_PARTS)

    # every count of the cases received in the period: one row per (state, kind, category,
    # tier, month), folded here
    totals = [0] * 7
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
        "provincial_key_cases": totals[6],
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


def by_town(
    user: User, period: Period, org_id: int | None = None, *, rollups: Rollups | None = None
) -> list[dict]:
    """One row per town (its grassroots unions folded in), plus one for cases the city handles
    itself: received, collective, workers, closed, agreements performed, claimed and recovered."""
    rollups = rollups_for(rollups, user, period, org_id)
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

    for org, n, n_collective, workers, _collective_workers, claimed, *_ in rollups.received[
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


def series(
    user: User, period: Period, org_id: int | None = None, *, rollups: Rollups | None = None
) -> dict:
    """The charts' data: cases received per month by their current state, alerts raised per
    week by level, amounts recovered per month (by closure month)."""
    rollups = rollups_for(rollups, user, period, org_id)
    rollups.prefetch(*SERIES_PARTS)
    per_month: dict[tuple[str, str], int] = defaultdict(int)
    for state, _kind, _category, _tier, m, n, *_ in rollups.received["by_group"]:
        per_month[(m, code_of(state))] += n
    months = periods.months(period)
    cases_by_state = {
        state.value: [per_month.get((m, state.value), 0) for m in months] for state in State
    }

    counts = rollups.part("alert_weeks")
    weeks = periods.weeks(period)
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
