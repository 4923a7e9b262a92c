"""The input of meetings and action items: shared by the forms and the API."""

from __future__ import annotations

from marshmallow import fields

from mediation.core.fields import EnumCode
from mediation.core.schemas import PLAUSIBLE_DATE, Length, StrictSchema, id_field, text
from mediation.meetings.enums import Body, ItemStatus, MeetingKind


class MeetingInputSchema(StrictSchema):
    organization_id = id_field(
        metadata={"description": "the convening union; the caller's own by default"}
    )
    kind = EnumCode(MeetingKind, required=True)
    title = text(200, required=True)
    held_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    bodies = fields.List(EnumCode(Body), required=True, validate=Length(min=1, max=len(Body)))
    agenda = text(10_000, required=True)
    minutes = text(50_000)


class MinutesInputSchema(StrictSchema):
    minutes = text(50_000, required=True)


class ActionItemInputSchema(StrictSchema):
    title = text(300, required=True)
    owner_body = EnumCode(Body, required=True)
    due_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    case_ids = fields.List(id_field(), load_default=list, validate=Length(max=50))
    enterprise_ids = fields.List(id_field(), load_default=list, validate=Length(max=50))


class ActionItemStatusSchema(StrictSchema):
    status = EnumCode(ItemStatus, required=True)
