"""How long the cases received in the period were supervised at each tier.

The engine raises a case's `tier` when an alert targets a higher tier and records no event for
it, so the tier history is told by the alerts: a case starts at its handling organization's tier
when received, and reaches a higher tier when the first alert targeting that tier is raised (a
ratchet: later de-escalation when alerts resolve is not counted). It stays until the next tier
is reached, and the last one until closure (or now, when open). Per tier: how many cases were
supervised there, their total and median days. The moments of the first town and city alerts
are kept on the case by the engine (`first_town_alert_at`, `first_city_alert_at`): an alert row
re-raised later does not move them.

The rules are computed two ways, side by side because they must change together (a test holds
them equal): in Python over one row per case (SQLite) and by the database (PostgreSQL). The
dialect object (`dialect.py`) picks one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, not_, select

from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.reports.stats.durations import days, median, rounded, sql_days, sql_median
from mediation.reports.stats.periods import Period, within
from mediation.reports.stats.scoping import scoped


def days_at_tier_python(
    user: User, period: Period, org_id: int | None, *, now: datetime
) -> dict[str, dict]:
    """The days at each tier over one row per case, the rules as stated above (SQLite)."""
    cases = db.session.execute(
        scoped(
            user, org_id,
            Case.received_at, Case.closed_at, Organization.tier,
            Case.first_town_alert_at, Case.first_city_alert_at,
        )
        .join(Organization, Organization.id == Case.handling_org_id)
        .where(within(Case.received_at, period))
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
            spans[tier].append(max(days(following[0] - start), 0.0))
    return {
        tier.value: {
            "cases": len(values),
            "total_days": round(sum(values), 1),
            "median_days": median(values),
        }
        for tier, values in spans.items()
    }


def not_before(moment: Any, start: Any) -> ColumnElement[Any]:
    """The later of the two, NULL when `moment` is (PostgreSQL's greatest() skips NULLs)."""
    return case((moment.is_(None), None), else_=func.greatest(moment, start))


def days_at_tier_sql(
    user: User, period: Period, org_id: int | None, *, now: datetime
) -> dict[str, dict]:
    """The days at each tier computed by the database (PostgreSQL), step for step the same rules.

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
        scoped(
            user, org_id,
            Case.received_at.label("start"),
            func.coalesce(Case.closed_at, now).label("stop"),
            Organization.tier.label("handling"),
            not_before(Case.first_town_alert_at, Case.received_at).label("town_at"),
            not_before(Case.first_city_alert_at, Case.received_at).label("city_at"),
        )
        .join(Organization, Organization.id == Case.handling_org_id)
        .where(within(Case.received_at, period))
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

    def spent(later: Any, earlier: Any) -> ColumnElement[float]:
        return func.greatest(sql_days(later, earlier), 0.0)

    at_handling = case(
        (not_(t.to_town) & not_(t.to_city), spent(t.stop, t.start)),  # most cases: one step
        (t.to_town & (t.town_at == t.start), None),  # the town step replaces it
        (t.to_city & not_(t.to_town) & (t.city_at == t.start), None),  # the city step does
        else_=spent(case((t.to_town, t.town_at), else_=t.city_at), t.start),
    )
    at_town = case(  # unless the city step replaces it
        (t.to_town & not_(t.to_city & (t.city_at == t.town_at)),
         spent(case((t.to_city, t.city_at), else_=t.stop), t.town_at)),
    )  # fmt: skip
    at_city = case((t.to_city, spent(t.stop, t.city_at)))
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
                    sql_median(spans.c[tier.value]),
                )
            )
        )
    ).one()
    result: dict[str, dict] = {}
    for i, tier in enumerate(Tier):
        n, total, middle = figures[3 * i : 3 * i + 3]
        result[tier.value] = {
            "cases": n,
            "total_days": round(float(total), 1) if n else round(0, 1),  # as sum([]) rounds
            "median_days": rounded(middle),
        }
    return result
