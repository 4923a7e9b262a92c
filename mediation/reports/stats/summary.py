"""The figures the reports page, `GET /api/v1/stats/summary` and the exports show, assembled
from a report's parts (`Rollups`): every figure of a period (`report()`), one row per town
(`by_town()`) and the charts' data (`series()`). No statement here but the organizations'
names: the parts are read once and shared."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from mediation.accounts.models import User
from mediation.cases.enums import (
    BUCKETS,
    EXTRA_BUCKETS,
    STATISTICS_BUCKETS,
    WORK_INJURY,
    CaseKind,
    Category,
    Outcome,
    ReferralTarget,
    State,
    WarningLevel,
)
from mediation.core.fields import code_of
from mediation.core.money import fen_to_yuan
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.reports.stats import periods
from mediation.reports.stats.definitions import (
    CLOSURE_METHODS,
    CLOSURE_RESULTS,
    EXTRA_METHODS,
    closure_method,
)
from mediation.reports.stats.parts import (
    COMPARE_PARTS,
    PAGE_PARTS,
    REPORT_PARTS,
    SERIES_PARTS,
    TOWN_PARTS,
    Rollups,
    rollups_for,
)
from mediation.reports.stats.periods import Period


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _money_block(cases: int = 0, workers: int = 0, claimed: int = 0, recovered: int = 0) -> dict:
    return {"cases": cases, "workers": workers, "claimed": claimed, "recovered": recovered}


def _yuan(block: dict) -> dict:
    return {**block, "claimed": fen_to_yuan(block["claimed"]),
            "recovered": fen_to_yuan(block["recovered"])}  # fmt: skip


def _breakdowns(rows: dict[str, list[tuple]]) -> dict:
    """The breakdowns of the cases received (docs/statistics.md "Breakdowns") from the rows of
    `Rollups.received`: by ownership, sector and channel `{code: {cases, workers, claimed,
    recovered}}`; the migrant workers', the construction and the wage-arrears blocks (arrears:
    of which migrant and construction). Recovered: paid so far on those cases."""

    def block(figures: tuple) -> dict:
        n, _collective, workers, _cw, claimed, _accepted, _provincial, paid = figures
        return _money_block(n, int(workers), int(claimed), int(paid))

    def keyed(found: list[tuple]) -> dict[str, dict]:
        return {
            (code_of(key) if key is not None else "unknown"): _yuan(block(tuple(figures)))
            for key, *figures in found
        }

    migrant, construction = _money_block(), _money_block()
    arrears = _money_block()
    arrears_migrant, arrears_construction = _money_block(), _money_block()
    for kind, is_migrant, is_construction, *figures in rows["by_flags"]:
        is_arrears = code_of(kind) == CaseKind.arrears.value
        found = block(tuple(figures))
        for target, applies in (
            (migrant, is_migrant), (construction, is_construction), (arrears, is_arrears),
            (arrears_migrant, is_arrears and is_migrant),
            (arrears_construction, is_arrears and is_construction),
        ):  # fmt: skip
            if applies:
                for key in target:
                    target[key] += found[key]
    wage_arrears = _yuan(arrears)
    wage_arrears["migrant"] = _yuan(arrears_migrant)
    wage_arrears["construction"] = _yuan(arrears_construction)
    return {
        "by_ownership": keyed(rows["by_ownership"]),
        "by_sector": keyed(rows["by_sector"]),
        "by_channel": keyed(rows["by_channel"]),
        "migrant_workers": _yuan(migrant),
        "construction": _yuan(construction),
        "wage_arrears": wage_arrears,
    }


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
    `rollups`: the page's grouped counts, when `by_town()` and `series()` read them too.
    The definitions: docs/statistics.md."""
    rollups = rollups_for(rollups, user, period, org_id, now)
    rollups.prefetch(*REPORT_PARTS)

    # every count of the cases received in the period: one row per (state, kind, category,
    # tier, month), folded here
    totals = [0] * 8
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

    # closures by outcome and method, the amounts recovered
    by_outcome: dict[str, int] = defaultdict(int)
    by_method = dict.fromkeys((*CLOSURE_METHODS, *EXTRA_METHODS), 0)
    recovered = 0
    closure_days = 0.0
    for outcome, target, final, _month, n, _performed, paid, days in rollups.closed["by_group"]:
        by_outcome[code_of(outcome)] += n
        method = closure_method(
            Outcome(code_of(outcome)), target and ReferralTarget(code_of(target))
        )
        by_method[method] += n
        if method == "award" and final:
            by_method["final_award"] += n
        recovered += int(paid)
        closure_days += float(days)
    by_outcome = dict(by_outcome)
    by_method["mediation"] = by_method["union_mediation"] + by_method["arbitration_mediation"]

    median_closure, agreed, median_agreement = rollups.part("medians")
    alerts_by_level, median_ack, median_ack_by_level = rollups.part("alerts")

    closed_total = sum(by_outcome.values())
    # the success rate: agreements reached of the mediations concluded in the period (agreed,
    # or ended without agreement); the performance rate: agreements performed of those due
    agreements = ended = due = performed_due = 0
    for org_agreed, org_ended, org_due, org_performed in rollups.part("mediation").values():
        agreements, ended = agreements + org_agreed, ended + org_ended
        due, performed_due = due + org_due, performed_due + org_performed
    carried_over = sum(rollups.part("stock").values())
    received = totals[0]

    by_bucket = dict.fromkeys((*BUCKETS, *EXTRA_BUCKETS), 0)
    for code, n in by_category.items():
        by_bucket[STATISTICS_BUCKETS[Category(code)]] += n
        if Category(code) in WORK_INJURY:
            by_bucket["work_injury"] += n
    by_bucket["rescission_termination"] = by_bucket["rescission"] + by_bucket["termination"]
    by_result = dict.fromkeys(CLOSURE_RESULTS, 0)
    for code, n in by_outcome.items():
        if code in by_result:
            by_result[code] += n

    return {
        "period": {"from": period.start, "to": period.end},
        "organization_id": org_id,
        "received": received,
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
        "mediation_success_rate": _rate(agreements, agreements + ended),
        "mediations_concluded": agreements + ended,
        "agreements_reached": agreements,
        "mediations_ended_without_agreement": ended,
        "performance_rate": _rate(performed_due, due),
        "agreements_due": due,
        "agreements_performed_when_due": performed_due,
        "carried_over": carried_over,
        "open_at_end": carried_over + received - closed_total,
        "closure_rate": _rate(closed_total, carried_over + received),
        "average_days_to_closure": (
            round(closure_days / closed_total, 1) if closed_total else None
        ),
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
        "red_alerts": rollups.part("red_alerts"),
        "arbitration": rollups.part("arbitration"),
        **_breakdowns(rollups.received),
    }


# The figures compared side by side (this period, the year to date, the same period last
# year), in the order the table shows them: docs/statistics.md "Comparisons".
COMPARED = (
    "received", "accepted", "closed", "carried_over", "open_at_end", "closure_rate",
    "mediation_success_rate", "performance_rate", "collective_cases", "collective_workers",
    "wage_arrears_cases", "wage_arrears_workers", "wage_arrears_claimed",
    "wage_arrears_recovered", "red_alerts", "recovered",
)  # fmt: skip
RATES = frozenset(("closure_rate", "mediation_success_rate", "performance_rate"))


def _compared_figures(data: dict) -> dict:
    arrears = data["wage_arrears"]
    return {
        **{key: data[key] for key in COMPARED if key in data and key != "red_alerts"},
        "wage_arrears_cases": arrears["cases"],
        "wage_arrears_workers": arrears["workers"],
        "wage_arrears_claimed": arrears["claimed"],
        "wage_arrears_recovered": arrears["recovered"],
        "red_alerts": data["red_alerts"]["raised"],
        "recovered": data["amounts"]["recovered"],
    }


def comparison_periods(period: Period) -> dict[str, Period]:
    """This period, the year to date (from 1 January of the period's last year to its end) and
    the same period a year earlier (29 February becomes the 28th)."""

    def year_back(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return {
        "period": period,
        "year_to_date": Period(period.end.replace(month=1, day=1), period.end),
        "last_year": Period(year_back(period.start), year_back(period.end)),
    }


def compare(
    user: User,
    period: Period,
    org_id: int | None = None,
    *,
    now: datetime | None = None,
    rollups: Rollups | None = None,
) -> dict:
    """The main figures of the period, the year to date and the same period last year side by
    side, with the change against last year in per cent (同比): `{"periods": {name: {from, to}},
    "rows": [{figure, period, year_to_date, last_year, change}]}`. A rate's change is in
    percentage points. The other periods read only the parts their figures need
    (`COMPARE_PARTS`), at the same time as every part of the page's own period (`PAGE_PARTS`);
    a year to date equal to the period is not read twice."""
    periods_ = comparison_periods(period)
    rollups = rollups_for(rollups, user, period, org_id, now)
    others: dict[str, Rollups] = {}
    for name in ("year_to_date", "last_year"):
        if periods_[name] == period:
            others[name] = rollups
        else:
            others[name] = Rollups(user, periods_[name], org_id, now=rollups.now)
    Rollups.prefetch_together(
        [(rollups, PAGE_PARTS)] + [(r, COMPARE_PARTS) for r in others.values() if r is not rollups]
    )
    figures = {"period": _compared_figures(report(user, period, org_id, rollups=rollups))}
    for name, other in others.items():
        figures[name] = figures["period"] if other is rollups else _headline_figures(other)
    rows = []
    for key in COMPARED:
        now_, before = figures["period"][key], figures["last_year"][key]
        rows.append({
            "figure": key,
            "period": now_,
            "year_to_date": figures["year_to_date"][key],
            "last_year": before,
            "change": _change(now_, before, key in RATES),
        })  # fmt: skip
    return {
        "periods": {name: {"from": p.start, "to": p.end} for name, p in periods_.items()},
        "rows": rows,
    }


def _headline_figures(rollups: Rollups) -> dict:
    """The compared figures of another period, from its lean parts (`COMPARE_PARTS`): the same
    definitions as `report()`, without its groupings."""
    received, accepted, collective, collective_workers, *arrears = rollups.part("headline")
    closed, recovered = rollups.part("closed_totals")
    mediation = list(rollups.part("mediation").values())
    agreements = sum(m[0] for m in mediation)
    concluded = agreements + sum(m[1] for m in mediation)
    due, performed = sum(m[2] for m in mediation), sum(m[3] for m in mediation)
    carried_over = sum(rollups.part("stock").values())
    return {
        "received": received,
        "accepted": accepted,
        "closed": closed,
        "carried_over": carried_over,
        "open_at_end": carried_over + received - closed,
        "closure_rate": _rate(closed, carried_over + received),
        "mediation_success_rate": _rate(agreements, concluded),
        "performance_rate": _rate(performed, due),
        "collective_cases": collective,
        "collective_workers": collective_workers,
        "wage_arrears_cases": arrears[0],
        "wage_arrears_workers": arrears[1],
        "wage_arrears_claimed": fen_to_yuan(arrears[2]),
        "wage_arrears_recovered": fen_to_yuan(arrears[3]),
        "red_alerts": rollups.part("red_alerts")["raised"],
        "recovered": fen_to_yuan(recovered),
    }


def _change(now_: Any, before: Any, rate: bool) -> float | None:
    """Per cent against last year (a rate: the difference in points); None without a base."""
    if now_ is None or before is None:
        return None
    a, b = float(now_), float(before)
    if rate:
        return round((a - b) * 100, 1)
    return round((a - b) / b * 100, 1) if b else None


def by_town(
    user: User, period: Period, org_id: int | None = None, *, rollups: Rollups | None = None
) -> list[dict]:
    """One row per town (its grassroots unions folded in), plus one for cases the city handles
    itself: received, collective, workers, closed, agreements performed, claimed and recovered,
    the success rate, open at the end and the average days to closure."""
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
                "performed": 0, "claimed_fen": 0, "recovered_fen": 0, "carried_over": 0,
                "agreements_reached": 0, "mediations_concluded": 0, "closure_days": 0.0,
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
    for org, n, performed, recovered, days in rollups.closed["by_org"]:
        r = row(org)
        r["closed"] += n
        r["performed"] += performed
        r["recovered_fen"] += int(recovered)
        r["closure_days"] += float(days)
    for org, (agreed, ended, _due, _done) in rollups.part("mediation").items():
        r = row(org)
        r["agreements_reached"] += agreed
        r["mediations_concluded"] += agreed + ended
    for org, n in rollups.part("stock").items():
        row(org)["carried_over"] += n
    ordered = sorted(rows.values(), key=lambda r: (r["tier"] != "city", r["name"]))
    for r in ordered:
        r["claimed"] = fen_to_yuan(r["claimed_fen"])
        r["recovered"] = fen_to_yuan(r["recovered_fen"])
        r["success_rate"] = _rate(r["agreements_reached"], r["mediations_concluded"])
        r["open_at_end"] = r["carried_over"] + r["received"] - r["closed"]
        r["average_days_to_closure"] = (
            round(r.pop("closure_days") / r["closed"], 1) if r["closed"] else None
        )
        r.pop("closure_days", None)
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
    for _outcome, _target, _final, m, _n, _performed, paid, _days in rollups.closed["by_group"]:
        recovered[m] += int(paid)
    return {
        "months": months,
        "cases_by_state": cases_by_state,
        "weeks": weeks,
        "alerts_by_level": alerts_by_level,
        "recovered": [fen_to_yuan(recovered.get(m, 0)) for m in months],
    }
