"""Input of a hardship file and of an aid record: the same schemas for forms and the API."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates

from mediation.core.fields import EnumCode, Money
from mediation.core.identifiers import is_valid_id_number
from mediation.core.messages import N_
from mediation.core.schemas import PLAUSIBLE_DATE, Range, StrictSchema, id_field, text
from mediation.hardship.models import AidKind, HardshipLevel, HardshipType


class HardshipFileInputSchema(StrictSchema):
    name = text(100, required=True)
    id_number = fields.String(required=True)
    phone = text(40)
    household_size = fields.Integer(load_default=1, validate=Range(min=1, max=30))
    household = text(1000)
    hardship_type = EnumCode(HardshipType, required=True)
    level = EnumCode(HardshipLevel, required=True)
    income_per_head = Money(required=True, metadata={"description": "yuan per month"})
    certificate_number = text(60)
    employer = text(200)
    organization_id = id_field(required=True)
    review_due_on = fields.Date(validate=PLAUSIBLE_DATE)
    case_id = id_field(metadata={"description": "the arrears or injury case the file came from"})

    @validates("id_number")
    def _id_number(self, value: str, data_key: str) -> None:
        if not is_valid_id_number(value):
            raise ValidationError(N_("Not a valid resident ID number (GB 11643 check digit)."))


class AidInputSchema(StrictSchema):
    given_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    kind = EnumCode(AidKind, required=True)
    amount = Money(required=True)
    source = text(200, required=True)
    campaign = text(100)
    approved_by = text(100, required=True)


class ReviewInputSchema(StrictSchema):
    level = EnumCode(HardshipLevel, required=True)
    income_per_head = Money(required=True)
