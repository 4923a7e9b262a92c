"""API: the alert inbox and acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from mediation.accounts.models import User
from mediation.cases.api_schemas import CaseSchema
from mediation.cases.enums import WarningLevel
from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.fields import EnumCode
from mediation.core.pagination import paginate
from mediation.core.schemas import MAX_ID, StrictInteger
from mediation.orgs.models import Tier
from mediation.warnings import delays, inbox, services
from mediation.warnings.models import Alert, AlertStatus


class AlertSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True, metadata={"description": "null for an incident's"})
    case_number = fields.Function(
        lambda a: a.case.number if a.case_id is not None else None,
        allow_none=True,
        metadata={"type": "string"},
    )
    incident_id = fields.Integer(
        allow_none=True, metadata={"description": "the mass incident's (docs/incidents.md)"}
    )
    project_id = fields.Integer(
        allow_none=True,
        metadata={"description": "the construction project's (docs/enterprise-file.md)"},
    )
    notice_id = fields.Integer(
        allow_none=True,
        metadata={"description": "the supervision notice's (docs/enterprise-file.md)"},
    )
    rule = fields.String(required=True)
    rule_label = fields.Function(
        lambda a: str(services.rule_label(a.rule)), required=True, metadata={"type": "string"}
    )
    level = EnumCode(WarningLevel, required=True)
    target_tier = EnumCode(Tier, required=True)
    target_org_id = fields.Integer(required=True)
    status = EnumCode(AlertStatus, required=True)
    raised_at = fields.AwareDateTime(required=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    climbed_from_id = fields.Integer(allow_none=True)
    climbs_at = fields.Function(
        lambda a: _iso(inbox.alert_climbs_at(a)),
        allow_none=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "description": "when the alert climbs to the next tier unless acknowledged (in the "
            "past: overdue); null once acknowledged or resolved, and at the top tier",
        },
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class AcknowledgedAlertsSchema(Schema):
    alerts = fields.List(fields.Nested(AlertSchema), required=True)


class AlertListQuery(PagingQuery):
    status = fields.String(
        load_default="active",
        validate=validate.OneOf(["active", "all", *[s.value for s in AlertStatus]]),
        metadata={"description": "active = open or acknowledged (the default)"},
    )
    level = fields.Enum(WarningLevel, by_value=True)
    tier = fields.Enum(Tier, by_value=True, metadata={"description": "the alert's target tier"})
    case = StrictInteger(validate=validate.Range(min=1, max=MAX_ID))


bp = Blueprint("warnings_api", __name__)


@bp.route("/alerts", methods=["GET"])
@authenticated
@bp.arguments(AlertListQuery, location="query")
@bp.response(200, page_of(AlertSchema))
@bp.alt_response(403, response="FORBIDDEN")
def list_alerts(query: dict[str, Any], user: User) -> Any:
    """The caller's alert inbox

    Alerts addressed to the officer's organization (all, for an administrator): open first,
    then most severe, then newest. Mediators and advocates have no inbox (403)."""
    status = query["status"]
    stmt = services.inbox_query(user, status=None if status == "all" else status)
    if query.get("level") is not None:
        stmt = stmt.where(Alert.level == query["level"])
    if query.get("tier") is not None:
        stmt = stmt.where(Alert.target_tier == query["tier"])
    if query.get("case") is not None:
        stmt = stmt.where(Alert.case_id == query["case"])
    return paginate(stmt, query["page"], per_page(query))


@bp.route("/alerts/<id:alert_id>/acknowledge", methods=["POST"])
@authenticated
@bp.arguments(services.AcknowledgeSchema)
@bp.response(200, AlertSchema)
@bp.alt_response(409, response="CONFLICT")
def acknowledge_alert(body: dict[str, Any], user: User, alert_id: int) -> Any:
    """Acknowledge an alert

    With a note (recorded on the case's timeline); the alert stops climbing. Alerts not
    addressed to the caller's organization answer 404; an alert already acknowledged 409."""
    return services.acknowledge(alert_id, user, body)


@bp.route("/alerts/acknowledge", methods=["POST"])
@authenticated
@bp.arguments(inbox.BulkAcknowledgeSchema)
@bp.response(200, AcknowledgedAlertsSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def acknowledge_alerts(body: dict[str, Any], user: User) -> Any:
    """Acknowledge several alerts with one note

    `{ids, note}`: all or nothing, in one transaction; each alert's acknowledgement is recorded
    on its case's timeline. Any id that is not an alert addressed to the caller's organization
    answers 404 and nothing is acknowledged; an alert no longer awaiting acknowledgement 409;
    an empty note 422 ("Write an acknowledgement note.")."""
    return {"alerts": inbox.acknowledge_many(user, body)}


@bp.route("/cases/<id:case_id>/escalations", methods=["POST"])
@authenticated
@bp.arguments(services.EscalationSchema)
@bp.response(201, AlertSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def escalate(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Escalate a case manually

    `{level, reason}`: an officer raises the open case to the tier above their own; the
    answer is the new `manual_escalation` alert, in the target officers' inbox until they
    acknowledge it. A second escalation to the same tier is 409."""
    return services.escalate(case_id, user, body)


@bp.route("/cases/<id:case_id>/wage-delay", methods=["POST"])
@authenticated
@bp.arguments(delays.WageDelaySchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def wage_delay(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Record a delay of wages agreed with the union

    `{until, reason, version}`: the enterprise union consented to paying the wages later, up
    to and including `until` (after today, at most `arrears_duration.max_agreed_delay_days`
    days from today, a provincial figure). The months-in-arrears alert is silent until then
    and resumes the day after. Case writers; open wage-arrears or remuneration cases; a stale
    version is 409."""
    return delays.record_wage_delay(case_id, user, body)
