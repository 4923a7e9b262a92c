"""The alerts of construction projects (docs/enterprise-file.md "Construction projects"): no
dedicated wage account, no wage deposit, payroll more than a month late, each to the town
union of the project's area by default, and the same climb as every unacknowledged alert.

Alerts of projects are rows of the one `alerts` table (`project_id` set, the case and incident
NULL), unique per (project, rule, target tier): raised once, resolved when the condition
clears, the same row opened again should it return. Projects are few (a town has dozens):
they are evaluated with plain ORM objects, one at a time, in the caller's transaction, as
mass incidents are (`incident_alerts`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from mediation.cases.deadlines import local_midnight
from mediation.cases.enums import WarningLevel
from mediation.core.clock import local_date
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import with_ancestors
from mediation.projects.models import DepositStatus, Project
from mediation.projects.services import month_index, month_start, months_late
from mediation.warnings import rules
from mediation.warnings.batch import BatchOutcome
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.outbox import queue_alert_notifications
from mediation.warnings.settings import current_settings
from mediation.warnings.subject_sweep import claim_due, sweep_subjects

log = logging.getLogger(__name__)
WAGE_ACCOUNT = "project_wage_account"
WAGE_DEPOSIT = "project_wage_deposit"
PAYROLL_LATE = "project_payroll_late"
PROJECT_RULES = (WAGE_ACCOUNT, WAGE_DEPOSIT, PAYROLL_LATE)


def payroll_late(project: Project, today: date, cfg: dict) -> tuple[bool, date | None]:
    """Whether payroll is more than `months_late` months late today, and if not the first day
    on which it will be (time alone makes it later)."""
    if project.started_on > today:
        return False, project.started_on
    paid = (
        month_index(project.payroll_paid_through)
        if project.payroll_paid_through
        else month_index(project.started_on) - 1
    )
    if months_late(project.payroll_paid_through, project.started_on, today) > cfg["months_late"]:
        return True, None
    return False, month_start(paid + cfg["months_late"] + 2)


def wanted_alerts(
    project: Project, handling_tier: Tier, today: date, settings: dict
) -> tuple[dict[tuple[str, Tier], WarningLevel], date | None]:
    """The alerts the project should have today (rule, tier → level), and the day the answer
    may change with time alone."""
    wanted: dict[tuple[str, Tier], WarningLevel] = {}

    def add(rule: str) -> None:
        cfg = settings[rule]
        wanted[(rule, rules.effective_tier(cfg["target"], handling_tier))] = WarningLevel(
            cfg["level"]
        )

    if not project.has_wage_account:
        add(WAGE_ACCOUNT)
    if not DepositStatus(project.deposit_status).in_place:
        add(WAGE_DEPOSIT)
    late, from_day = payroll_late(project, today, settings[PAYROLL_LATE])
    if late:
        add(PAYROLL_LATE)
    return wanted, from_day


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


def _target(orgs: list[Organization], tier: Tier) -> Organization:
    for org in orgs:
        if org.tier.rank >= tier.rank:
            return org
    return orgs[-1]


@dataclass
class _Subject:
    """One project being evaluated: its alerts by (rule, tier) and where the changes go."""

    project: Project
    existing: dict[tuple[str, Tier], Alert]
    orgs: list[Organization]
    now: datetime
    outcome: BatchOutcome
    notify: list[Alert]

    def raise_alert(
        self, rule: str, tier: Tier, level: WarningLevel, origin: Alert | None = None
    ) -> None:
        """Open the (project, rule, tier) alert, reusing its row if it was resolved before."""
        alert = self.existing.get((rule, tier))
        if alert is not None and alert.is_active:
            if WarningLevel(alert.level) != level and origin is None:
                alert.level = level
                self.outcome.releveled.append(alert)
            return
        if alert is None:
            alert = Alert(project_id=self.project.id, rule=rule, target_tier=tier)
            alert.project = self.project
            db.session.add(alert)
            self.existing[(rule, tier)] = alert
        _open(alert, level, _target(self.orgs, tier), self.now, origin)
        (self.outcome.climbed if origin is not None else self.outcome.raised).append(alert)
        self.notify.append(alert)


def process_projects(
    project_ids: list[int], now: datetime, settings: dict | None = None
) -> BatchOutcome:
    """Evaluate these (locked) projects' alerts and write the consequences in the caller's
    transaction; each project's `next_check_at` is set to when it must be looked at again."""
    outcome = BatchOutcome()
    if not project_ids:
        return outcome
    settings = settings or current_settings()
    db.session.flush()
    projects = list(
        db.session.scalars(
            select(Project)
            .where(Project.id.in_(project_ids))
            .execution_options(populate_existing=True)
        )
    )
    by_project: dict[int, dict[tuple[str, Tier], Alert]] = {p.id: {} for p in projects}
    for alert in db.session.scalars(select(Alert).where(Alert.project_id.in_(project_ids))):
        by_project[alert.project_id or 0][(alert.rule, Tier(alert.target_tier))] = alert
    notify: list[Alert] = []
    today = local_date(now)
    for project in projects:
        outcome.checked += 1
        existing = by_project[project.id]
        orgs = with_ancestors(project.organization_id)
        wanted, change_day = wanted_alerts(project, orgs[0].tier, today, settings)

        subject = _Subject(project, existing, orgs, now, outcome, notify)
        for (rule, tier), level in wanted.items():
            subject.raise_alert(rule, tier, level)
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
        wakes = [local_midnight(change_day)] if change_day is not None else []
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
                subject.raise_alert(alert.rule, up, rules.next_level(level), alert)
                deadline = rules.acknowledgement_deadline(
                    rules.next_level(level), up, now, settings
                )
            if deadline is not None:
                wakes.append(deadline)
        next_check = min(wakes) if wakes else None
        if next_check is not None and next_check <= now:
            next_check = now + timedelta(minutes=1)
        project.next_check_at = next_check
    db.session.flush()
    if notify:
        queue_alert_notifications(notify, now, settings)
    return outcome


def claim_due_projects(now: datetime, batch_size: int) -> list[int]:
    return claim_due(Project, now, batch_size)


def sweep_projects(now: datetime, settings: dict, batch_size: int) -> BatchOutcome:
    """The sweep's part for projects (`warnings.subject_sweep`)."""
    return sweep_subjects(Project, process_projects, "projects", now, settings, batch_size)


def project_alerts(project_id: int) -> list[Alert]:
    """Every alert of a project (the caller has checked the project is in scope)."""
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.project_id == project_id)
            .order_by(Alert.status, Alert.raised_at.desc())
        )
    )
