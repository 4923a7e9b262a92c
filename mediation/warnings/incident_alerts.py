"""The alerts of mass incidents (docs/incidents.md "Alerts"): the red alert to the city while an
incident lasts, an alert to the reporting union's superior for each report of the chain that is
late (`incidents.chain`), and the same climb as every unacknowledged alert (`rules`).

Alerts of incidents are rows of the one `alerts` table (`incident_id` set, `case_id` NULL),
unique per (incident, rule, target tier), so the inbox, acknowledgement, notification and
statistics treat them as they treat a case's. Incidents are few (a city sees some a month):
they are evaluated with plain ORM objects, one incident at a time, in the caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mediation.cases.enums import WarningLevel
from mediation.extensions import db
from mediation.incidents import chain
from mediation.incidents.enums import IncidentStatus
from mediation.incidents.models import Incident
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import with_ancestors
from mediation.warnings import rules
from mediation.warnings.batch import BatchOutcome
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.outbox import queue_alert_notifications
from mediation.warnings.settings import current_settings
from mediation.warnings.subject_sweep import claim_due, sweep_subjects

log = logging.getLogger(__name__)
MASS_INCIDENT = "mass_incident"
INCIDENT_RULES = frozenset({MASS_INCIDENT, *chain.RULES})


def _target(orgs: list[Organization], tier: Tier) -> Organization:
    """The organization at `tier` above the reporting union (`orgs`: it and its ancestors,
    nearest first), or the highest there is."""
    for org in orgs:
        if org.tier.rank >= tier.rank:
            return org
    return orgs[-1]


def _wanted(
    incident: Incident, orgs: list[Organization], settings: dict, now: datetime
) -> tuple[dict[tuple[str, Tier], WarningLevel], datetime | None]:
    """The alerts the incident should have now, and when its chain next falls due."""
    wanted: dict[tuple[str, Tier], WarningLevel] = {}
    if incident.status != IncidentStatus.ended:
        cfg = settings[MASS_INCIDENT]
        tier = orgs[0].tier if cfg["target"] == "handling" else Tier(cfg["target"])
        wanted[(MASS_INCIDENT, max(tier, orgs[0].tier, key=lambda t: t.rank))] = WarningLevel(
            cfg["level"]
        )
    cfg = settings["incident_reports"]
    superior = orgs[1] if len(orgs) > 1 else orgs[0]
    overdue, next_due = chain.overdue_rules(incident, incident.reports, cfg, now)
    for rule in overdue:
        wanted[(rule, superior.tier)] = WarningLevel(cfg["level"])
    return wanted, next_due


def _open(
    alert: Alert, level: WarningLevel, org: Organization, now: datetime, origin: Alert | None
) -> None:
    alert.level = level
    alert.target_org_id = org.id
    alert.target_org = org
    alert.status = AlertStatus.open
    alert.raised_at = now
    alert.acknowledged_at = alert.acknowledged_by_id = alert.note = alert.resolved_at = None
    alert.climbed_from_id = origin.id if origin is not None else None


def _raise(
    incident: Incident,
    existing: dict[tuple[str, Tier], Alert],
    orgs: list[Organization],
    rule: str,
    tier: Tier,
    level: WarningLevel,
    now: datetime,
    outcome: BatchOutcome,
    notify: list[Alert],
    origin: Alert | None = None,
) -> None:
    """Open the (incident, rule, tier) alert, reusing its row if it was resolved before."""
    alert = existing.get((rule, tier))
    if alert is not None and alert.is_active:
        if WarningLevel(alert.level) != level:
            alert.level = level
            outcome.releveled.append(alert)
        return
    if alert is None:
        alert = Alert(incident_id=incident.id, rule=rule, target_tier=tier)
        alert.incident = incident
        db.session.add(alert)
        existing[(rule, tier)] = alert
    _open(alert, level, _target(orgs, tier), now, origin)
    (outcome.climbed if origin is not None else outcome.raised).append(alert)
    notify.append(alert)


def process_incidents(
    incident_ids: list[int], now: datetime, settings: dict | None = None
) -> BatchOutcome:
    """Evaluate these (locked) incidents' alerts and write the consequences, in the caller's
    transaction; each incident's `next_check_at` is set to when it must be looked at again."""
    outcome = BatchOutcome()
    if not incident_ids:
        return outcome
    settings = settings or current_settings()
    db.session.flush()
    incidents = list(
        db.session.scalars(
            select(Incident)
            .where(Incident.id.in_(incident_ids))
            .options(selectinload(Incident.reports))
            .execution_options(populate_existing=True)
        )
    )
    by_incident: dict[int, dict[tuple[str, Tier], Alert]] = {i.id: {} for i in incidents}
    for alert in db.session.scalars(select(Alert).where(Alert.incident_id.in_(incident_ids))):
        by_incident[alert.incident_id or 0][(alert.rule, Tier(alert.target_tier))] = alert
    notify: list[Alert] = []
    for incident in incidents:
        outcome.checked += 1
        existing = by_incident[incident.id]
        orgs = with_ancestors(incident.organization_id)
        wanted, next_due = _wanted(incident, orgs, settings, now)

        for (rule, tier), level in wanted.items():
            _raise(incident, existing, orgs, rule, tier, level, now, outcome, notify)
        # resolve what no longer holds, with what climbed from it
        by_id = {a.id: a for a in existing.values() if a.id is not None}
        for alert in list(existing.values()):
            if not alert.is_active or (alert.rule, Tier(alert.target_tier)) in wanted:
                continue
            origin = alert
            while origin.climbed_from_id is not None and origin.climbed_from_id in by_id:
                origin = by_id[origin.climbed_from_id]
            if (origin.rule, Tier(origin.target_tier)) not in wanted:
                alert.status = AlertStatus.resolved
                alert.resolved_at = now
                outcome.resolved.append(alert)
        db.session.flush()  # the ids of new alerts, for those that climb from them
        # climb what nobody acknowledged in time
        wakes = [next_due] if next_due is not None else []
        for alert in list(existing.values()):
            level, tier = WarningLevel(alert.level), Tier(alert.target_tier)
            deadline = rules.climbs_at(alert.status, level, tier, alert.raised_at, settings)
            up = rules.next_tier(tier)
            if deadline is None or up is None:
                continue
            above = existing.get((alert.rule, up))
            if above is not None and above.is_active:
                continue
            if deadline <= now:
                _raise(
                    incident, existing, orgs, alert.rule, up, rules.next_level(level), now,
                    outcome, notify, alert,
                )  # fmt: skip
                deadline = rules.acknowledgement_deadline(
                    rules.next_level(level), up, now, settings
                )
            if deadline is not None:
                wakes.append(deadline)
        next_check = min(wakes) if wakes else None
        if next_check is not None and next_check <= now:
            next_check = now + timedelta(minutes=1)
        incident.next_check_at = next_check
    db.session.flush()
    if notify:
        queue_alert_notifications(notify, now, settings)
    return outcome


def claim_due_incidents(now: datetime, batch_size: int) -> list[int]:
    return claim_due(Incident, now, batch_size)


def sweep_incidents(now: datetime, settings: dict, batch_size: int) -> BatchOutcome:
    """The sweep's part for incidents (`warnings.subject_sweep`)."""
    return sweep_subjects(Incident, process_incidents, "incidents", now, settings, batch_size)


def incident_alerts(incident_id: int) -> list[Alert]:
    """Every alert of an incident (the caller has checked the incident is in scope)."""
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.incident_id == incident_id)
            .order_by(Alert.status, Alert.raised_at.desc())
        )
    )
