"""API: an enterprise's labour-relations surveys and the coverage report
(docs/enterprise-file.md "Labour-relations survey")."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from marshmallow import Schema, fields

from mediation.core.api import Blueprint, authenticated
from mediation.core.clock import local_date, utcnow
from mediation.core.fields import EnumCode
from mediation.core.schemas import Range
from mediation.surveys import services
from mediation.surveys.figures import figures
from mediation.surveys.models import CollectiveContractType, LabourSurvey
from mediation.surveys.reports import coverage_report
from mediation.surveys.schemas import SurveyInputSchema


def _ratio(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


class RateField(fields.Float):
    """A rate between 0 and 1 (four decimals), null when there is nobody to count."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return _ratio(value)


class SurveySchema(Schema):
    id = fields.Integer(required=True)
    enterprise_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    employees = fields.Integer(required=True)
    migrant_workers = fields.Integer(required=True)
    contracts_signed = fields.Integer(required=True)
    migrant_contracts_signed = fields.Integer(required=True)
    union_established = fields.Boolean(required=True)
    union_members = fields.Integer(required=True)
    collective_contract = EnumCode(CollectiveContractType, allow_none=True)
    collective_signed_on = fields.Date(allow_none=True)
    collective_expires_on = fields.Date(allow_none=True)
    wage_negotiation = fields.Boolean(required=True)
    workers_congress = fields.Boolean(required=True)
    open_factory_affairs = fields.Boolean(required=True)
    signing_rate = RateField(allow_none=True, metadata={"description": "contracts ÷ employees"})
    migrant_signing_rate = RateField(allow_none=True)
    collective_in_force = fields.Boolean(required=True,
                                         metadata={"description": "on the survey's date"})  # fmt: skip
    collective_expired = fields.Boolean(required=True, metadata={"description": "today"})
    low_signing_rate = fields.Boolean(
        required=True, metadata={"description": "below SURVEY_SIGNING_RATE_THRESHOLD"}
    )


def _dumpable(survey: LabourSurvey) -> dict:
    """The survey's columns and its derived figures, as the schema reads them."""
    derived = figures(survey, today=local_date(utcnow()), threshold=services.threshold())
    values = {c.key: getattr(survey, c.key) for c in LabourSurvey.__table__.columns}
    return values | {
        "signing_rate": derived.signing_rate,
        "migrant_signing_rate": derived.migrant_signing_rate,
        "collective_in_force": derived.collective_in_force,
        "collective_expired": derived.collective_expired,
        "low_signing_rate": derived.low_signing_rate,
    }


class SurveyListSchema(Schema):
    items = fields.List(fields.Nested(SurveySchema), required=True)


class CoverageRowSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    enterprises = fields.Integer(required=True)
    employees = fields.Integer(required=True)
    contracts_signed = fields.Integer(required=True)
    migrant_workers = fields.Integer(required=True)
    migrant_contracts_signed = fields.Integer(required=True)
    unions = fields.Integer(required=True)
    union_members = fields.Integer(required=True)
    collective_enterprises = fields.Integer(required=True)
    collective_employees = fields.Integer(required=True)
    wage_negotiations = fields.Integer(required=True)
    signing_rate = RateField(allow_none=True)
    migrant_signing_rate = RateField(allow_none=True)
    coverage = RateField(allow_none=True, metadata={
        "description": "employees under a collective contract in force ÷ employees"})  # fmt: skip
    enterprise_coverage = RateField(allow_none=True)


class CoverageReportSchema(Schema):
    year = fields.Integer(required=True)
    total = fields.Nested(CoverageRowSchema, required=True)
    private = fields.Nested(CoverageRowSchema, required=True)
    town = fields.List(fields.Nested(CoverageRowSchema), required=True)
    ownership = fields.List(fields.Nested(CoverageRowSchema), required=True)
    sector = fields.List(fields.Nested(CoverageRowSchema), required=True)


class CoverageQuery(Schema):
    year = fields.Integer(validate=Range(min=1990, max=2100),
                          metadata={"description": "the surveys' year (default: this year)"})  # fmt: skip


bp = Blueprint("surveys_api", __name__)


@bp.route("/enterprises/<id:enterprise_id>/surveys", methods=["GET"])
@authenticated
@bp.response(200, SurveyListSchema)
def list_surveys(user, enterprise_id: int):
    """An enterprise's labour-relations surveys, newest year first

    With the derived figures: signing rates, whether a collective contract is in force."""
    _enterprise, surveys = services.surveys_of(user, enterprise_id)
    return {"items": [_dumpable(s) for s in surveys]}


@bp.route("/enterprises/<id:enterprise_id>/surveys", methods=["POST"])
@authenticated
@bp.arguments(SurveyInputSchema)
@bp.response(201, SurveySchema)
def record_survey(body: dict, user, enterprise_id: int):
    """Record a labour-relations survey

    One survey per enterprise and year (the year of `as_of`): a second one that year replaces
    the first. Counts that do not hold together are refused on their field (422)."""
    return _dumpable(services.record_survey(user, enterprise_id, body))


@bp.route("/reports/labour-contracts", methods=["GET"])
@authenticated
@bp.arguments(CoverageQuery, location="query")
@bp.response(200, CoverageReportSchema)
def coverage(query: dict, user):
    """Signing rates and collective-contract coverage

    By town, ownership and sector, over one year's surveys of the caller's area, with the
    private enterprises apart (the seed's focus)."""
    report = coverage_report(user, query.get("year") or local_date(utcnow()).year)
    return {"year": report.year, "total": report.total, "private": report.private,
            **report.groups}  # fmt: skip
