"""The input of hearing points, hearings and outcomes: shared by the forms and the API."""

from __future__ import annotations

from marshmallow import fields

from mediation.core.fields import AwareDateTime, EnumCode, Money
from mediation.core.schemas import PLAUSIBLE_DATE, Range, StrictSchema, id_field, text
from mediation.hearings.enums import HearingKind, HearingOutcome, PartnerKind

MAX_DURATION_MINUTES = 600


class PointInputSchema(StrictSchema):
    name = text(200, required=True)
    organization_id = id_field(required=True, metadata={"description": "the host union"})
    partner_kind = EnumCode(PartnerKind, required=True)
    partner_name = text(200, required=True)
    address = text(300, required=True)


class HearingInputSchema(StrictSchema):
    point_id = id_field(required=True)
    kind = EnumCode(HearingKind, required=True)
    starts_at = AwareDateTime(required=True, metadata={"description": "without offset: China time"})
    duration_minutes = fields.Integer(
        load_default=120, validate=Range(min=15, max=MAX_DURATION_MINUTES)
    )
    note = text(2000)


class NewHearingSchema(HearingInputSchema):
    """The API's body: the hearing and its case."""

    case_id = id_field(required=True)


class OutcomeInputSchema(StrictSchema):
    """What a held hearing decided. An agreement carries the agreement's terms (as the
    `record_agreement` trigger), a judgment its result and amount (as `record_ruling`), a
    withdrawal its reason (as `withdraw`)."""

    outcome = EnumCode(HearingOutcome, required=True)
    workers_attending = fields.Integer(required=True, validate=Range(min=0, max=100_000))
    outcome_note = text(2000)
    terms = text(10_000)
    agreement_amount = Money()
    agreement_due_on = fields.Date(validate=PLAUSIBLE_DATE)
    result = fields.String()
    amount = Money()
    reason = text(2000)
