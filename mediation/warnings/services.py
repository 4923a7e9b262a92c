"""What people do with alerts: see their inbox, acknowledge; and what admins do with the rules."""

from __future__ import annotations

from datetime import datetime

from marshmallow import RAISE, Schema, ValidationError, fields
from sqlalchemy import Select, case, select, update
from sqlalchemy.orm import selectinload

from mediation.accounts.models import Role, User
from mediation.cases.enums import State, WarningLevel
from mediation.cases.models import Case
from mediation.cases.scope import get_visible_case
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import take_write_lock, transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import Message
from mediation.core.schemas import Length
from mediation.extensions import db
from mediation.incidents.enums import IncidentStatus
from mediation.incidents.models import Incident
from mediation.labour_supervision.models import SupervisionNotice
from mediation.orgs.models import Tier
from mediation.projects.models import Project
from mediation.warnings import rules
from mediation.warnings.engine import raise_manual_alert
from mediation.warnings.inbox import INBOX_ROLES, note_field, record_acknowledgement
from mediation.warnings.models import ACTIVE_STATUSES, Alert, AlertStatus, RuleSettingsVersion
from mediation.warnings.settings import SettingsError, current_settings, load_defaults
from mediation.warnings.settings import validate as validate_settings

LEVEL_ORDER = case({lv.value: i for i, lv in enumerate(WarningLevel)}, value=Alert.level)


class AcknowledgeSchema(Schema):
    note = note_field()


class EscalationSchema(Schema):
    class Meta:
        unknown = RAISE

    level = fields.Enum(WarningLevel, by_value=True, required=True)
    reason = fields.String(required=True, validate=Length(min=1, max=2000))


def inbox_query(user: User, *, status: str | None = "active") -> Select:
    """Alerts addressed to the user's organization (all of them for an admin): unacknowledged
    first, then most severe, then newest."""
    if user.role not in INBOX_ROLES:
        raise PermissionDenied("Only escalation officers have an alert inbox.")
    # the rows show their case (with enterprise and org) and who acknowledged: load them with
    # the page, not one query per row
    stmt = select(Alert).options(
        selectinload(Alert.case),
        selectinload(Alert.incident),
        selectinload(Alert.notice),
        selectinload(Alert.acknowledged_by),
    )
    if user.role != Role.admin:
        stmt = stmt.where(Alert.target_org_id == user.organization_id)
    if status == "active":
        stmt = stmt.where(Alert.status.in_(ACTIVE_STATUSES))
    elif status:
        stmt = stmt.where(Alert.status == AlertStatus(status))
    open_first = case((Alert.status == AlertStatus.open, 0), else_=1)
    return stmt.order_by(open_first, LEVEL_ORDER.desc(), Alert.raised_at.desc(), Alert.id.desc())


def case_alerts(case_id: int) -> list[Alert]:
    """Every alert of a case (the caller has checked the case is in scope)."""
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.case_id == case_id)
            .order_by(case((Alert.status == AlertStatus.resolved, 1), else_=0), LEVEL_ORDER.desc())
        )
    )


def acknowledge(alert_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Alert:
    """An officer of the target organization takes the alert on; the climb stops."""
    now = ensure_utc(now or utcnow())
    with transaction():
        case_id, incident_id, project_id, notice_id = db.session.execute(
            select(Alert.case_id, Alert.incident_id, Alert.project_id, Alert.notice_id).where(
                Alert.id == alert_id
            )
        ).one_or_none() or (None, None, None, None)
        if case_id is not None:  # lock the case, then the alert: the sweep's order
            take_write_lock()
            db.session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
        elif incident_id is not None:  # an incident's alert: lock the incident the same way
            take_write_lock()
            db.session.execute(
                select(Incident.id).where(Incident.id == incident_id).with_for_update()
            )
        elif project_id is not None:  # a project's alert: lock the project the same way
            take_write_lock()
            db.session.execute(select(Project.id).where(Project.id == project_id).with_for_update())
        elif notice_id is not None:  # a supervision notice's alert: the same
            take_write_lock()
            db.session.execute(
                select(SupervisionNotice.id)
                .where(SupervisionNotice.id == notice_id)
                .with_for_update()
            )
        alert = db.session.scalar(
            select(Alert)
            .where(Alert.id == alert_id)
            .with_for_update(of=Alert)
            .execution_options(populate_existing=True)
        )
        if alert is None or user.role not in INBOX_ROLES:
            raise NotFound("Alert not found.")
        if user.role != Role.admin and alert.target_org_id != user.organization_id:
            raise NotFound("Alert not found.")
        try:
            data = AcknowledgeSchema().load(payload)
        except ValidationError as exc:
            raise ValidationFailed(exc.messages) from None
        if alert.status != AlertStatus.open:
            raise Conflict(Message("This alert is already %(status)s.", status=str(alert.status)))
        record_acknowledgement(alert, user, data["note"], now)
    return alert


def escalation_tier(user: User) -> Tier | None:
    """The tier a user's manual escalations go to: the one above their own organization's."""
    return rules.next_tier(user.organization.tier)


def escalate(case_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Alert:
    """An officer raises an open case to the next tier above their own organization, with a
    level and a reason: a `manual_escalation` alert for the organization at that tier, made
    and notified like every other alert. Checks: scope (404) → role, or no tier above (403) →
    closed case (409) → input (422) → already escalated to that tier (409)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        case = get_visible_case(user, case_id, for_update=True)
        if user.role not in INBOX_ROLES:
            raise PermissionDenied("Your role may not escalate cases.")
        tier = escalation_tier(user)
        if tier is None:
            raise PermissionDenied("There is no tier above yours to escalate to.")
        if not case.is_open:
            raise Conflict("A closed case cannot be escalated; reopen it first.")
        try:
            data = EscalationSchema().load(payload or {})
        except ValidationError as exc:
            raise ValidationFailed(exc.messages) from None
        alert = raise_manual_alert(
            case, rules.MANUAL_ESCALATION, tier, data["level"], now,
            actor_id=user.id, reason=data["reason"],
        )  # fmt: skip
        if alert is None:
            raise Conflict("The case is already escalated to that tier.")
    return alert


def update_rule_settings(
    user: User, changes: dict[str, dict], *, now: datetime | None = None
) -> dict:
    """Admins change thresholds; each change is a new, append-only settings row (who, when,
    old → new), in force at once."""
    if user.role != Role.admin:
        raise PermissionDenied("Only administrators change rule thresholds.")
    now = ensure_utc(now or utcnow())
    with transaction():
        latest = db.session.scalar(
            select(RuleSettingsVersion).order_by(RuleSettingsVersion.id.desc()).limit(1)
        )
        overrides = {k: dict(v) for k, v in (latest.overrides if latest else {}).items()}
        for section, values in changes.items():
            overrides.setdefault(section, {}).update(values)
        try:
            clean = validate_settings(overrides)
        except SettingsError as exc:
            raise ValidationFailed(exc.fields) from None
        before = current_settings()
        defaults = load_defaults()
        # keep only what differs from the defaults
        clean = {
            s: {k: v for k, v in vals.items() if defaults[s].get(k) != v}
            for s, vals in clean.items()
        }
        clean = {s: vals for s, vals in clean.items() if vals}
        diff = {
            f"{s}.{k}": [before[s][k], v]
            for s, vals in changes.items()
            for k in vals
            if before[s][k] != (v := clean.get(s, {}).get(k, defaults[s][k]))
        }
        if not diff:
            return before
        db.session.add(
            RuleSettingsVersion(
                overrides=clean, changes=diff, changed_by_id=user.id, changed_at=now
            )
        )
        # new thresholds move every open case's clock: the next sweep looks at them all again
        db.session.execute(
            update(Case.__table__)
            .where(Case.__table__.c.state != State.closed.value)
            .values(next_check_at=now)
        )
        # and the mass incidents' report chains (docs/incidents.md)
        db.session.execute(
            update(Incident.__table__)
            .where(
                (Incident.__table__.c.status != IncidentStatus.ended.value)
                | Incident.__table__.c.next_check_at.is_not(None)
            )
            .values(next_check_at=now)
        )
    return current_settings()


def settings_history(limit: int = 50) -> list[RuleSettingsVersion]:
    return list(
        db.session.scalars(
            select(RuleSettingsVersion).order_by(RuleSettingsVersion.id.desc()).limit(limit)
        )
    )


def rule_label(code: str) -> str:
    return rules.RULE_LABELS.get(code, code)
