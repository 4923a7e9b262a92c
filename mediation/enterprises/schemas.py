"""The input of an employer: registered on its own or with a new case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from mediation.core.fields import EnumCode
from mediation.core.identifiers import is_valid_credit_code, is_valid_phone, normalize_phone
from mediation.core.messages import N_
from mediation.core.schemas import Length, Range, StrictSchema, Text, id_field, text
from mediation.enterprises.models import Ownership

SHORT_TEXT = 200
PHONE_TYPED_MAX = 32  # as typed, with spaces and hyphens; stored as digits
EMAIL_MAX = 254
PHONE_INVALID = N_(
    "Not a valid phone number: a mainland mobile (11 digits) or a landline with its area code."
)
EMAIL_INVALID = N_("Not a valid e-mail address.")


class Phone(Text):
    """A mainland mobile or landline number, stored as digits (the SMS gateway's form)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(
            multiline=False, min_len=1, validate=Length(min=1, max=PHONE_TYPED_MAX), **kw
        )

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        typed: str = super()._deserialize(value, attr, data, **kwargs)
        if not is_valid_phone(typed):
            raise ValidationError(PHONE_INVALID)
        return normalize_phone(typed)


class EmailAddress(Text):
    """An e-mail address, stripped of blanks around it."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(
            multiline=False,
            min_len=1,
            validate=[Length(min=1, max=EMAIL_MAX), validate.Email(error=EMAIL_INVALID)],
            **kw,
        )


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
    # the employer's side for the union's letters and the hearing reminder
    contact_person = text(100, allow_none=True)
    contact_phone = Phone(allow_none=True)
    contact_email = EmailAddress(allow_none=True)

    @validates("credit_code")
    def _credit_code(self, value: str, data_key: str) -> None:
        if not is_valid_credit_code(value):
            raise ValidationError(
                N_("Not a valid unified social credit code (GB 32100 check character).")
            )


class EnterpriseContactsSchema(StrictSchema):
    """The employer's contact, edited after registration (absent = unchanged, null = cleared):
    the day-before hearing reminder goes there (docs/circuit-court-and-meetings.md)."""

    contact_person = text(100, allow_none=True)
    contact_phone = Phone(allow_none=True)
    contact_email = EmailAddress(allow_none=True)
