"""API: mass incidents and their report chain (docs/incidents.md)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from mediation.accounts.models import User
from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.fields import EnumCode
from mediation.core.pagination import paginate
from mediation.incidents import services
from mediation.incidents.enums import IncidentStatus
from mediation.incidents.models import Incident
from mediation.incidents.schemas import (
    ChainStepSchema,
    IncidentCreateSchema,
    IncidentEditSchema,
    IncidentSchema,
    ReportInputSchema,
    ReportSchema,
)


class IncidentDetailSchema(IncidentSchema):
    chain = fields.List(
        fields.Nested(ChainStepSchema),
        attribute="_chain",
        required=True,
        metadata={"description": "each report of the chain: when due, when made"},
    )


class IncidentListQuery(PagingQuery):
    status = EnumCode(IncidentStatus)
    major = fields.Boolean()


class ReportList(Schema):
    items = fields.List(fields.Nested(ReportSchema), required=True)


bp = Blueprint("incidents_api", __name__)


def _detail(incident: Incident) -> Incident:
    incident._chain = services.chain_of(incident)  # type: ignore[attr-defined]  # (for the schema)
    return incident


@bp.route("/incidents", methods=["GET"])
@authenticated
@bp.arguments(IncidentListQuery, location="query")
@bp.response(200, page_of(IncidentSchema))
def list_incidents(query: dict[str, Any], user: User) -> Any:
    """Mass incidents in the caller's area

    Newest first, then largest; filters `status` and `major`."""
    stmt = services.visible_incidents(user)
    if query.get("status") is not None:
        stmt = stmt.where(Incident.status == query["status"])
    if query.get("major") is not None:
        stmt = stmt.where(Incident.major.is_(query["major"]))
    return paginate(services.board_order(stmt), query["page"], per_page(query))


@bp.route("/incidents", methods=["POST"])
@authenticated
@bp.arguments(IncidentCreateSchema)
@bp.response(201, IncidentDetailSchema)
@bp.alt_response(403, response="FORBIDDEN")
def create_incident(body: dict[str, Any], user: User) -> Any:
    """Record a mass incident

    The few facts known in the first minutes: employer (a registered `enterprise_id` or an
    `employer_name`), `place`, `started_at`, `participants`, `behaviours`, `cause`. The red
    alert to the city is raised in the same transaction; ≥50 participants, road blocking or
    extreme acts mark it `major`."""
    return _detail(services.create_incident(user, body))


@bp.route("/incidents/<id:incident_id>", methods=["GET"])
@authenticated
@bp.response(200, IncidentDetailSchema)
def get_incident(user: User, incident_id: int) -> Any:
    """One incident, with its report chain"""
    return _detail(services.get_visible_incident(user, incident_id))


@bp.route("/incidents/<id:incident_id>", methods=["PATCH"])
@authenticated
@bp.arguments(IncidentEditSchema)
@bp.response(200, IncidentDetailSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def edit_incident(body: dict[str, Any], user: User, incident_id: int) -> Any:
    """Complete or update an incident

    Any field of the record, `status` (`ended` sets `ended_at`, now unless given); the
    optional `version` guards against a concurrent change (stale: 409). Advocates: 403."""
    return _detail(services.update_incident(incident_id, user, body))


@bp.route("/incidents/<id:incident_id>/reports", methods=["GET"])
@authenticated
@bp.response(200, ReportList)
def list_reports(user: User, incident_id: int) -> Any:
    """The reports made on an incident, oldest first"""
    incident = services.get_visible_incident(user, incident_id)
    return {"items": services.reports_of(incident)}


@bp.route("/incidents/<id:incident_id>/reports", methods=["POST"])
@authenticated
@bp.arguments(ReportInputSchema)
@bp.response(201, ReportSchema)
@bp.alt_response(403, response="FORBIDDEN")
def add_report(body: dict[str, Any], user: User, incident_id: int) -> Any:
    """Record a report up the chain

    `{kind ∈ verbal, written, follow_up, final; at; channel; content}`; a `final` report only
    once the incident has ended (else 422). The alert of the step it fulfils resolves."""
    return services.add_report(incident_id, user, body)
