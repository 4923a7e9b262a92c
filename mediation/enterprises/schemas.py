"""The input of an employer: registered on its own or with a new case."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates

from mediation.core.fields import EnumCode
from mediation.core.identifiers import is_valid_credit_code
from mediation.core.messages import N_
from mediation.core.schemas import Range, StrictSchema, id_field, text
from mediation.enterprises.models import Ownership

SHORT_TEXT = 200


class EnterpriseInputSchema(StrictSchema):
    name = text(SHORT_TEXT, required=True)
    credit_code = fields.String(required=True)
    organization_id = id_field()
    address = text(300)
    sector = text(100)
    ownership = EnumCode(Ownership)
    legal_representative = text(100)
    headcount = fields.Integer(validate=Range(min=0, max=10_000_000))
    has_union = fields.Boolean()

    @validates("credit_code")
    def _credit_code(self, value: str, data_key: str) -> None:
        if not is_valid_credit_code(value):
            raise ValidationError(
                N_("Not a valid unified social credit code (GB 32100 check character).")
            )
