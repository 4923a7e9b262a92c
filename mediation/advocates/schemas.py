"""Input of an advocate's profile and of a training session."""

from __future__ import annotations

from marshmallow import fields

from mediation.advocates.models import AdvocateStatus, TrainingKind
from mediation.core.fields import EnumCode
from mediation.core.schemas import PLAUSIBLE_DATE, Length, Range, StrictSchema, id_field, text


class ProfileInputSchema(StrictSchema):
    specialties = text(300)
    recruited_on = fields.Date(validate=PLAUSIBLE_DATE)
    status = EnumCode(AdvocateStatus)


class TrainingInputSchema(StrictSchema):
    topic = text(200, required=True)
    kind = EnumCode(TrainingKind, required=True)
    held_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    hours = fields.Float(
        required=True, allow_nan=False, validate=Range(min=0.5, max=40),
        metadata={"description": "in steps of 0.5"},
    )  # fmt: skip
    trainer = text(100, required=True)
    organization_id = id_field()
    attendee_ids = fields.List(id_field(), load_default=list, validate=Length(max=500))


class AttendanceInputSchema(StrictSchema):
    user_ids = fields.List(id_field(), required=True, validate=Length(min=1, max=500))
