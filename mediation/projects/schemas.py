"""The input and output of construction projects (API and forms load the same)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from mediation.core.fields import EnumCode, Money
from mediation.core.identifiers import is_valid_id_number, mask_id_number, normalize_id_number
from mediation.core.messages import N_
from mediation.core.schemas import PLAUSIBLE_DATE, Range, StrictSchema, id_field, text
from mediation.projects.models import ChecklistItem, DepositForm, DepositStatus

MAX_SUBCONTRACTORS = 50
MONTH_FORMAT = "%Y-%m"
NOT_A_MONTH = N_("Not a valid month (YYYY-MM).")


class Month(fields.Field):
    """A month as `YYYY-MM` outside, its first day inside."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.strftime(MONTH_FORMAT) if value else None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str):
            raise ValidationError(NOT_A_MONTH)
        try:
            year, month = (int(part) for part in value.strip().split("-")[:2])
            day = date(year, month, 1)
        except ValueError:
            raise ValidationError(NOT_A_MONTH) from None
        if not 1990 <= day.year <= 2100:
            raise ValidationError(N_("Must be between 1990 and 2100."))
        return day


class SubcontractorInputSchema(StrictSchema):
    """An enterprise, or a natural-person team leader by name and resident ID number."""

    enterprise_id = id_field(allow_none=True)
    leader_name = text(100, allow_none=True)
    leader_id_number = fields.String(allow_none=True, validate=validate.Length(max=18))
    trade = text(100, allow_none=True)

    @validates("leader_id_number")
    def _id_number(self, value: str | None, data_key: str) -> None:
        if value is not None and not is_valid_id_number(value):
            raise ValidationError(N_("Not a valid resident ID number (GB 11643 check digit)."))

    @validates_schema
    def _one_kind(self, data: dict[str, Any], **_: Any) -> None:
        person = data.get("leader_name") or data.get("leader_id_number")
        if data.get("enterprise_id") and person:
            raise ValidationError(
                N_("Choose an enterprise or name a team leader, not both."), "enterprise_id"
            )
        if not data.get("enterprise_id") and not person:
            raise ValidationError(
                N_("Choose an enterprise or name a team leader."), "enterprise_id"
            )
        if person and not data.get("leader_name"):
            raise ValidationError(N_("Name the team leader."), "leader_name")
        if person and not data.get("leader_id_number"):
            raise ValidationError(
                N_("A team leader without a credit code is recorded by ID number."),
                "leader_id_number",
            )


class _ProjectFields(StrictSchema):
    name = text(200)
    location = text(300)
    organization_id = id_field()
    builder_id = id_field(allow_none=True)
    general_contractor_id = id_field()
    subcontractors = fields.List(
        fields.Nested(SubcontractorInputSchema), validate=validate.Length(max=MAX_SUBCONTRACTORS)
    )
    started_on = fields.Date(validate=PLAUSIBLE_DATE)
    planned_completion_on = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    wage_account_bank = text(200, allow_none=True)
    wage_account_opened_on = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    deposit_amount = Money(
        attribute="deposit_amount_fen", data_key="deposit_amount", allow_none=True
    )
    deposit_form = EnumCode(DepositForm, allow_none=True)
    deposit_status = EnumCode(DepositStatus)
    real_name_registration = fields.Boolean()
    rights_board_posted = fields.Boolean()
    payroll_paid_through = Month(allow_none=True, metadata={"type": "string", "example": "2026-11"})

    @validates("deposit_amount")
    def _amount(self, value: int | None, data_key: str) -> None:
        if value is not None and value <= 0:
            raise ValidationError(N_("Must be more than zero."))


class ProjectCreateSchema(_ProjectFields):
    name = text(200, required=True)
    location = text(300, required=True)
    general_contractor_id = id_field(required=True)
    started_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)


class ProjectEditSchema(_ProjectFields):
    version = fields.Integer(validate=Range(min=1, max=2**31 - 1))


class CheckInputSchema(StrictSchema):
    item = EnumCode(ChecklistItem, required=True)
    checked = fields.Boolean(load_default=True)
    note = text(500, allow_none=True)


def clean_id_number(value: str | None) -> str | None:
    return normalize_id_number(value) if value else value


class SubcontractorSchema(Schema):
    id = fields.Integer(required=True)
    enterprise_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    is_person = fields.Boolean(required=True)
    # a natural person's ID number, masked as everywhere else
    leader_id_number = fields.Function(
        lambda s: mask_id_number(s.leader_id_number), allow_none=True, metadata={"type": "string"}
    )
    trade = fields.String(allow_none=True)


class ProjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    location = fields.String(required=True)
    organization_id = fields.Integer(required=True)
    builder_id = fields.Integer(allow_none=True)
    general_contractor_id = fields.Integer(required=True)
    general_contractor_name = fields.Function(
        lambda p: p.general_contractor.name, metadata={"type": "string"}
    )
    subcontractors = fields.List(fields.Nested(SubcontractorSchema), required=True)
    started_on = fields.Date(required=True)
    planned_completion_on = fields.Date(allow_none=True)
    wage_account_bank = fields.String(allow_none=True)
    wage_account_opened_on = fields.Date(allow_none=True)
    deposit_amount = Money(attribute="deposit_amount_fen", allow_none=True)
    deposit_form = EnumCode(DepositForm, allow_none=True)
    deposit_status = EnumCode(DepositStatus, required=True)
    real_name_registration = fields.Boolean(required=True)
    rights_board_posted = fields.Boolean(required=True)
    payroll_paid_through = Month(allow_none=True, metadata={"type": "string"})
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)


class ProjectListQuerySchema(StrictSchema):
    q = text(100)
    page = fields.Integer(load_default=1, validate=Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=Range(min=1, max=200))
