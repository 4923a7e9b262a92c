"""The input and output of supervision notices (the API and the forms load the same)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from mediation.core.fields import EnumCode
from mediation.core.messages import N_
from mediation.core.schemas import PLAUSIBLE_DATE, StrictSchema, id_field, text
from mediation.labour_supervision.enums import NoticeKind, NoticeStatus

LONG_TEXT = 5000
DEADLINE_BEFORE_DATE = N_("The deadline must not be before the notice's date.")


class SupervisionNoticeCreateSchema(StrictSchema):
    kind = EnumCode(NoticeKind, required=True)
    organization_id = id_field()
    enterprise_id = id_field(required=True)
    issued_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    findings = text(LONG_TEXT, required=True, multiline=True)
    rectification = text(LONG_TEXT, required=True, multiline=True)
    deadline = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    case_ids = fields.List(id_field(), validate=validate.Length(max=100))

    # (also when other fields fail: the form shows every message at once)
    @validates_schema(skip_on_field_errors=False)
    def _deadline(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("deadline") and data.get("issued_on") and data["deadline"] < data["issued_on"]:
            raise ValidationError(DEADLINE_BEFORE_DATE, "deadline")


class NoticeReplySchema(StrictSchema):
    reply_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    reply_text = text(LONG_TEXT, required=True, multiline=True)


class NoticeVerifySchema(StrictSchema):
    rectified = fields.Boolean(required=True)
    note = text(LONG_TEXT, multiline=True, allow_none=True)


class SupervisionNoticeSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    kind = EnumCode(NoticeKind, required=True)
    organization_id = fields.Integer(required=True)
    organization_name = fields.Function(
        lambda n: n.organization.name, required=True, metadata={"type": "string"}
    )
    enterprise_id = fields.Integer(required=True)
    enterprise_name = fields.Function(
        lambda n: n.enterprise.name, required=True, metadata={"type": "string"}
    )
    issued_by_id = fields.Integer(allow_none=True)
    issued_on = fields.Date(required=True)
    findings = fields.String(required=True)
    rectification = fields.String(required=True)
    deadline = fields.Date(required=True)
    status = EnumCode(NoticeStatus, required=True)
    overdue = fields.Boolean(
        attribute="_overdue",
        required=True,
        metadata={"description": "the deadline has passed (local date) and it is not verified"},
    )
    reply_on = fields.Date(allow_none=True)
    reply_text = fields.String(allow_none=True)
    rectified = fields.Boolean(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    verified_by_id = fields.Integer(allow_none=True)
    verification_note = fields.String(allow_none=True)
    case_ids = fields.List(fields.Integer(), required=True)
    actions = fields.List(
        fields.String(),
        attribute="_actions",
        required=True,
        metadata={"description": "the steps the caller may take now (`reply`, `verify`)"},
    )
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
