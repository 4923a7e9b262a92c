"""Input of a return: the period of a new draft, its sections, a decision's note."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validates_schema

from mediation.core.messages import N_
from mediation.core.schemas import OneOf, Range, StrictSchema, id_field, text
from mediation.returns.periods import MAX_NUMBER, PeriodKind

# the typical cases a return may cite
MAX_TYPICAL_CASES = 20


class CreateReturnSchema(StrictSchema):
    kind = fields.String(required=True, validate=OneOf([k.value for k in PeriodKind]))
    year = fields.Integer(required=True, validate=Range(min=2000, max=2100))
    number = fields.Integer(load_default=1, validate=Range(min=1, max=12))
    organization_id = id_field(
        load_default=None, allow_none=True,
        metadata={"description": "the union whose return it is (default: the caller's)"},
    )  # fmt: skip

    @validates_schema
    def _number_fits(self, data: dict, **_kw) -> None:
        kind = data.get("kind")
        if kind and data.get("number", 1) > MAX_NUMBER[PeriodKind(kind)]:
            raise ValidationError(N_("No such period."), "number")


class SectionsSchema(StrictSchema):
    typical_case_ids = fields.List(
        id_field(),
        metadata={"description": "the cases cited as typical, in order"},
    )  # fmt: skip
    typical_cases = text(10_000, min_len=0, multiline=True)
    main_problems = text(10_000, min_len=0, multiline=True)
    next_steps = text(10_000, min_len=0, multiline=True)
    version = fields.Integer(
        validate=Range(min=1), metadata={"description": "the version the client saw (409 if stale)"}
    )

    @validates_schema
    def _not_too_many(self, data: dict, **_kw) -> None:
        if len(data.get("typical_case_ids") or []) > MAX_TYPICAL_CASES:
            raise ValidationError(N_("Cite at most 20 typical cases."), "typical_case_ids")


class DecisionSchema(StrictSchema):
    note = text(2000, min_len=0, multiline=True)
    version = fields.Integer(validate=Range(min=1))
