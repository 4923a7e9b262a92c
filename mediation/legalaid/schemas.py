"""Input of a legal-aid referral and of its progress."""

from __future__ import annotations

from marshmallow import fields

from mediation.core.fields import EnumCode, Money
from mediation.core.schemas import PLAUSIBLE_DATE, Range, StrictSchema, text
from mediation.legalaid.models import AidResult, Provider, Stage


class ReferralInputSchema(StrictSchema):
    referred_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    provider = EnumCode(Provider, required=True)
    provider_name = text(200)
    eligible = fields.Boolean(load_default=True)
    accepted = fields.Boolean(allow_none=True)
    lawyer = text(100)
    stage = EnumCode(Stage, load_default=Stage.arbitration)
    workers = fields.Integer(load_default=1, validate=Range(min=1, max=100_000))
    note = text(2000)


class ReferralUpdateSchema(StrictSchema):
    referred_on = fields.Date(validate=PLAUSIBLE_DATE)
    provider = EnumCode(Provider)
    provider_name = text(200)
    workers = fields.Integer(validate=Range(min=1, max=100_000))
    eligible = fields.Boolean()
    accepted = fields.Boolean(allow_none=True)
    lawyer = text(100)
    stage = EnumCode(Stage)
    result = EnumCode(AidResult, allow_none=True)
    amount_recovered = Money()
    note = text(2000)
