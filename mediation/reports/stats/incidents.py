"""The mass incidents' figures of a report (docs/incidents.md "Statistics"): incidents started
in the period, in the user's scope (and the subtree of `org_id`), per month, by cause and by
sector, their participants, and the median minutes from learning of an incident to its first
report. Incidents are few (a city records some a month): two statements, counted here."""

from __future__ import annotations

from collections import defaultdict
from statistics import median as py_median

from sqlalchemy import func, select

from mediation.accounts.models import User
from mediation.core.clock import to_local
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.incidents.models import Incident, IncidentReport
from mediation.incidents.services import visible_incidents
from mediation.orgs.services import subtree_ids_select
from mediation.reports.stats.periods import Period, months, within

UNKNOWN_SECTOR = "unknown"


def _group() -> dict[str, int]:
    return {"incidents": 0, "participants": 0}


def incident_figures(user: User, period: Period, org_id: int | None = None) -> dict:
    """`{incidents, participants, major, by_month, by_cause, by_sector,
    median_minutes_to_first_report}`; each grouping maps a code to `{incidents, participants}`."""
    scoped = visible_incidents(user).where(within(Incident.started_at, period))
    if org_id is not None:
        scoped = scoped.where(
            Incident.organization_id.in_(subtree_ids_select(org_id, name="incident_org_tree"))
        )
    ids = scoped.with_only_columns(Incident.id).subquery()
    first_report = (
        select(func.min(IncidentReport.at))
        .where(IncidentReport.incident_id == Incident.id)
        .correlate(Incident)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Incident.started_at, Incident.learned_at, Incident.participants, Incident.cause,
            Incident.major, Enterprise.sector, first_report,
        )
        .outerjoin(Enterprise, Enterprise.id == Incident.enterprise_id)
        .where(Incident.id.in_(select(ids.c.id)))
    ).all()  # fmt: skip
    by_month = {m: _group() for m in months(period)}
    by_cause: dict[str, dict[str, int]] = defaultdict(_group)
    by_sector: dict[str, dict[str, int]] = defaultdict(_group)
    minutes = []
    for started_at, learned_at, participants, cause, _major, sector, first_at in rows:
        for group in (
            by_month.setdefault(to_local(started_at).strftime("%Y-%m"), _group()),
            by_cause[str(getattr(cause, "value", cause))],
            by_sector[sector or UNKNOWN_SECTOR],
        ):
            group["incidents"] += 1
            group["participants"] += participants
        if first_at is not None:
            minutes.append(max(0.0, (first_at - learned_at).total_seconds() / 60))
    return {
        "incidents": len(rows),
        "participants": sum(r[2] for r in rows),
        "major": sum(1 for r in rows if r[4]),
        "by_month": by_month,
        "by_cause": dict(by_cause),
        "by_sector": dict(by_sector),
        "median_minutes_to_first_report": round(py_median(minutes), 1) if minutes else None,
    }
