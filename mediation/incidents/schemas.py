"""The input and output of incidents and their reports (API and forms load the same)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from mediation.core.fields import AwareDateTime, EnumCode
from mediation.core.messages import N_
from mediation.core.schemas import Range, StrictSchema, id_field, text
from mediation.incidents.enums import (
    Behaviour,
    IncidentCause,
    IncidentStatus,
    ReportChannel,
    ReportKind,
)

LONG_TEXT = 5000
MAX_PARTICIPANTS = 1_000_000


class _IncidentFields(StrictSchema):
    enterprise_id = id_field(allow_none=True)
    employer_name = text(200, allow_none=True)
    place = text(200)
    started_at = AwareDateTime()
    learned_at = AwareDateTime()
    participants = fields.Integer(validate=Range(min=1, max=MAX_PARTICIPANTS))
    behaviours = fields.List(EnumCode(Behaviour), validate=validate.Length(max=len(Behaviour)))
    cause = EnumCode(IncidentCause)
    description = text(LONG_TEXT, multiline=True, allow_none=True)
    demands = text(LONG_TEXT, multiline=True, allow_none=True)
    measures = text(LONG_TEXT, multiline=True, allow_none=True)
    nature = text(LONG_TEXT, multiline=True, allow_none=True)
    trend = text(LONG_TEXT, multiline=True, allow_none=True)
    escalation_risk = text(LONG_TEXT, multiline=True, allow_none=True)
    impact = text(LONG_TEXT, multiline=True, allow_none=True)
    case_ids = fields.List(id_field(), validate=validate.Length(max=100))


class IncidentCreateSchema(_IncidentFields):
    """The quick form's few facts are required; the rest may follow by edit."""

    organization_id = id_field()
    place = text(200, required=True)
    started_at = AwareDateTime(required=True)
    participants = fields.Integer(required=True, validate=Range(min=1, max=MAX_PARTICIPANTS))
    behaviours = fields.List(
        EnumCode(Behaviour), required=True, validate=validate.Length(min=1, max=len(Behaviour))
    )
    cause = EnumCode(IncidentCause, required=True)

    @validates_schema
    def _employer(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("enterprise_id") and not data.get("employer_name"):
            raise ValidationError(
                N_("Name the employer, or choose a registered enterprise."), "employer_name"
            )


class IncidentEditSchema(_IncidentFields):
    status = EnumCode(IncidentStatus)
    ended_at = AwareDateTime(allow_none=True)
    version = fields.Integer(validate=Range(min=1, max=2**31 - 1))


class ReportInputSchema(StrictSchema):
    kind = EnumCode(ReportKind, required=True)
    at = AwareDateTime(required=True)
    channel = EnumCode(ReportChannel, load_default=ReportChannel.phone)
    content = text(LONG_TEXT, required=True, multiline=True)


class ReportSchema(Schema):
    id = fields.Integer(required=True)
    incident_id = fields.Integer(required=True)
    kind = EnumCode(ReportKind, required=True)
    at = fields.AwareDateTime(required=True)
    channel = EnumCode(ReportChannel, required=True)
    content = fields.String(required=True)
    author_id = fields.Integer(allow_none=True)
    author_name = fields.Function(
        lambda r: r.author.display_name if r.author else None,
        allow_none=True,
        metadata={"type": "string"},
    )


class ChainStepSchema(Schema):
    kind = EnumCode(ReportKind, required=True)
    due_at = fields.AwareDateTime(allow_none=True)
    met_at = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean(required=True)


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    enterprise_id = fields.Integer(allow_none=True)
    employer_name = fields.String(allow_none=True)
    employer = fields.String(required=True, metadata={"description": "the name shown"})
    place = fields.String(required=True)
    started_at = fields.AwareDateTime(required=True)
    learned_at = fields.AwareDateTime(required=True)
    participants = fields.Integer(required=True)
    behaviours = fields.List(fields.String(), required=True)
    cause = EnumCode(IncidentCause, required=True)
    description = fields.String(allow_none=True)
    demands = fields.String(allow_none=True)
    measures = fields.String(allow_none=True)
    nature = fields.String(allow_none=True)
    trend = fields.String(allow_none=True)
    escalation_risk = fields.String(allow_none=True)
    impact = fields.String(allow_none=True)
    status = EnumCode(IncidentStatus, required=True)
    major = fields.Boolean(required=True)
    ended_at = fields.AwareDateTime(allow_none=True)
    case_ids = fields.List(fields.Integer(), required=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
