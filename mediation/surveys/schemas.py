"""A survey's input, shared by the form, the API and the spreadsheet import: every count is
checked against the others, each refusal on its field (docs/enterprise-file.md
"Labour-relations survey")."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from mediation.core.fields import EnumCode
from mediation.core.messages import N_
from mediation.core.schemas import PLAUSIBLE_DATE, Range, StrictSchema
from mediation.surveys.models import CollectiveContractType

MAX_COUNT = 10_000_000
COUNT = Range(min=0, max=MAX_COUNT)

FIELDS = (
    "as_of", "employees", "migrant_workers", "contracts_signed", "migrant_contracts_signed",
    "union_established", "union_members", "collective_contract", "collective_signed_on",
    "collective_expires_on", "wage_negotiation", "workers_congress", "open_factory_affairs",
)  # fmt: skip
BOOLEAN_FIELDS = ("union_established", "wage_negotiation", "workers_congress",
                  "open_factory_affairs")  # fmt: skip


class SurveyInputSchema(StrictSchema):
    as_of = fields.Date(required=True, validate=PLAUSIBLE_DATE,
                        metadata={"description": "the date the figures are for; its year is the "
                                  "survey's year (a second survey that year replaces it)"})  # fmt: skip
    employees = fields.Integer(required=True, validate=COUNT)
    migrant_workers = fields.Integer(load_default=0, validate=COUNT,
                                     metadata={"description": "of the employees"})  # fmt: skip
    contracts_signed = fields.Integer(required=True, validate=COUNT,
                                      metadata={"description": "written labour contracts in force"})  # fmt: skip
    migrant_contracts_signed = fields.Integer(load_default=0, validate=COUNT,
                                              metadata={"description": "of those, with migrant workers"})  # fmt: skip
    union_established = fields.Boolean(load_default=False)
    union_members = fields.Integer(load_default=0, validate=COUNT)
    collective_contract = EnumCode(CollectiveContractType, load_default=None, allow_none=True,
                                   metadata={"description": "null: none"})  # fmt: skip
    collective_signed_on = fields.Date(load_default=None, allow_none=True, validate=PLAUSIBLE_DATE)
    collective_expires_on = fields.Date(load_default=None, allow_none=True,
                                        validate=PLAUSIBLE_DATE)  # fmt: skip
    wage_negotiation = fields.Boolean(load_default=False,
                                      metadata={"description": "held in the survey's year"})  # fmt: skip
    workers_congress = fields.Boolean(load_default=False)
    open_factory_affairs = fields.Boolean(load_default=False)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, list[str]] = {}

        def refuse(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        employees = data.get("employees")
        migrants = data.get("migrant_workers", 0)
        contracts = data.get("contracts_signed")
        migrant_contracts = data.get("migrant_contracts_signed", 0)
        if employees is not None:
            if migrants > employees:
                refuse("migrant_workers", N_("More migrant workers than employees."))
            if contracts is not None and contracts > employees:
                refuse("contracts_signed", N_("More signed contracts than employees."))
            if data.get("union_members", 0) > employees:
                refuse("union_members", N_("More union members than employees."))
        if migrant_contracts > migrants:
            refuse("migrant_contracts_signed",
                   N_("More migrant workers' contracts than migrant workers."))  # fmt: skip
        if contracts is not None and migrant_contracts > contracts:
            refuse("migrant_contracts_signed",
                   N_("More migrant workers' contracts than contracts signed."))  # fmt: skip
        if data.get("union_members", 0) > 0 and not data.get("union_established"):
            refuse("union_members", N_("Members are counted only where a union is established."))
        kind = data.get("collective_contract")
        signed, expires = data.get("collective_signed_on"), data.get("collective_expires_on")
        as_of = data.get("as_of")
        if kind is None:
            if signed is not None or expires is not None:
                refuse("collective_contract", N_("Choose the collective contract's type."))
        else:
            if signed is None:
                refuse("collective_signed_on", N_("The date the collective contract was signed."))
            if expires is None:
                refuse("collective_expires_on", N_("The date the collective contract expires."))
        if signed is not None and expires is not None and expires <= signed:
            refuse("collective_expires_on", N_("The contract expires before it was signed."))
        if signed is not None and as_of is not None and signed > as_of:
            refuse("collective_signed_on", N_("Signed after the survey's date."))
        if errors:
            raise ValidationError(errors)
