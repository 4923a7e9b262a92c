"""API: statistics."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from mediation.accounts.models import Role
from mediation.core.api import Blueprint, authenticated, file_response
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import PermissionDenied, ValidationFailed
from mediation.core.messages import N_
from mediation.core.schemas import MAX_ID, PLAUSIBLE_DATE, StrictInteger
from mediation.core.tables import EXPORT_MEDIA, FORMAT_FIELD, download
from mediation.reports import exports
from mediation.reports.stats import Period, report
from mediation.reports.stats.incidents import incident_figures


class SummaryQuery(Schema):
    from_ = fields.Date(data_key="from", validate=PLAUSIBLE_DATE)
    to = fields.Date(validate=PLAUSIBLE_DATE)
    org = StrictInteger(validate=validate.Range(min=1, max=MAX_ID))

    @validates_schema
    def _ordered(self, data: dict, **kwargs) -> None:
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError(N_("The end of the period is before its start."), "to")


class StatsExportQuery(SummaryQuery):
    format = FORMAT_FIELD


class PeriodSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from", required=True)
    to = fields.Date(required=True)


class AmountsSchema(Schema):
    claimed = fields.String(required=True)
    agreed = fields.String(required=True)
    recovered = fields.String(required=True)


def _counts(**kw) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, **kw)


class TierTimeSchema(Schema):
    cases = fields.Integer(required=True)
    total_days = fields.Float(required=True)
    median_days = fields.Float(allow_none=True)


class IncidentGroupSchema(Schema):
    incidents = fields.Integer(required=True)
    participants = fields.Integer(required=True)


def _groups(**kw) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.Nested(IncidentGroupSchema), required=True, **kw
    )


class IncidentFiguresSchema(Schema):
    incidents = fields.Integer(required=True)
    participants = fields.Integer(required=True)
    major = fields.Integer(required=True)
    by_month = _groups(metadata={"description": "YYYY-MM of the start (China time)"})
    by_cause = _groups()
    by_sector = _groups(metadata={"description": "the employer's sector; unknown when none"})
    median_minutes_to_first_report = fields.Float(
        allow_none=True,
        metadata={"description": "from the moment the union learned of it to its first report"},
    )


class MoneyBlockSchema(Schema):
    cases = fields.Integer(required=True)
    workers = fields.Integer(required=True)
    claimed = fields.String(required=True, metadata={"description": "yuan"})
    recovered = fields.String(required=True, metadata={"description": "yuan, paid so far"})


class WageArrearsSchema(MoneyBlockSchema):
    migrant = fields.Nested(MoneyBlockSchema, required=True)
    construction = fields.Nested(MoneyBlockSchema, required=True)


def _blocks(**kw) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.Nested(MoneyBlockSchema), required=True, **kw
    )


class SummarySchema(Schema):
    period = fields.Nested(PeriodSchema, required=True)
    organization_id = fields.Integer(allow_none=True)
    received = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    collective_cases = fields.Integer(required=True)
    workers_involved = fields.Integer(required=True)
    by_state = _counts()
    by_kind = _counts()
    collective_workers = fields.Integer(required=True)
    provincial_key_cases = fields.Integer(
        required=True,
        metadata={
            "description": "cases at the provincial key-monitoring thresholds (the rule"
            " `provincial_key`: 100 or more workers or 5,000,000 yuan by default)"
        },
    )
    by_category = _counts()
    by_bucket = _counts(
        metadata={"description": "the official statistics buckets of the categories"}
    )
    by_tier = _counts()
    closed_by_outcome = _counts()
    closed_by_method = _counts(
        metadata={
            "description": "union_mediation, arbitration_mediation, award (of which"
            " final_award), other; mediation = both mediations (docs/statistics.md)"
        }
    )
    closed_by_result = _counts(metadata={"description": "awards: worker_won, employer_won, partly"})
    mediation_success_rate = fields.Float(
        allow_none=True,
        metadata={"description": "agreements reached ÷ mediations concluded in the period"},
    )
    mediations_concluded = fields.Integer(required=True)
    agreements_reached = fields.Integer(required=True)
    mediations_ended_without_agreement = fields.Integer(required=True)
    performance_rate = fields.Float(
        allow_none=True,
        metadata={"description": "agreements fully performed ÷ agreements due in the period"},
    )
    agreements_due = fields.Integer(required=True)
    agreements_performed_when_due = fields.Integer(required=True)
    carried_over = fields.Integer(required=True)
    open_at_end = fields.Integer(required=True)
    closure_rate = fields.Float(
        allow_none=True, metadata={"description": "closed ÷ (carried over + received)"}
    )
    average_days_to_closure = fields.Float(allow_none=True)
    by_ownership = _blocks()
    by_sector = _blocks()
    by_channel = _blocks()
    migrant_workers = fields.Nested(MoneyBlockSchema, required=True)
    construction = fields.Nested(MoneyBlockSchema, required=True)
    wage_arrears = fields.Nested(WageArrearsSchema, required=True)
    red_alerts = _counts(metadata={"description": "raised, acknowledged, resolved, open"})
    arbitration = _counts(
        metadata={
            "description": "in_arbitration, awards_pending, awards_overdue,"
            " awards_overdue_beyond_extension (at the request's moment)"
        }
    )
    median_days_to_agreement = fields.Float(allow_none=True)
    median_days_to_closure = fields.Float(allow_none=True)
    days_at_tier = fields.Dict(
        keys=fields.String(), values=fields.Nested(TierTimeSchema), required=True
    )
    amounts = fields.Nested(AmountsSchema, required=True)
    alerts_by_level = _counts()
    median_hours_to_acknowledgement = fields.Float(allow_none=True)
    median_hours_to_acknowledgement_by_level = fields.Dict(
        keys=fields.String(), values=fields.Float(allow_none=True), required=True
    )
    incidents = fields.Nested(
        IncidentFiguresSchema,
        required=True,
        metadata={"description": "mass incidents started in the period (docs/incidents.md)"},
    )


bp = Blueprint("reports_api", __name__)


@bp.route("/stats/summary", methods=["GET"])
@authenticated
@bp.arguments(SummaryQuery, location="query")
@bp.response(200, SummarySchema)
@bp.alt_response(403, response="FORBIDDEN")
def stats_summary(query: dict, user):
    """Counts and rates for a period and organization

    Over the cases the caller may see, received (or, for closures, closed) between `from` and
    `to` inclusive (China dates; default: this year so far), optionally within an organization's
    subtree. Mediation success rate = agreements reached ÷ mediations concluded (agreed, or
    ended without agreement) in the period; performance rate = agreements fully performed ÷
    agreements due in it (docs/statistics.md)."""
    _require_staff(user)
    period = _period(query)
    org_id = query.get("org")
    return {**report(user, period, org_id), "incidents": incident_figures(user, period, org_id)}


def _require_staff(user) -> None:
    if user.role == Role.advocate:
        raise PermissionDenied("Advocates do not use the statistics and exports.")


def _period(query: dict) -> Period:
    today = local_date(utcnow())
    period = Period(
        start=query.get("from_") or today.replace(month=1, day=1), end=query.get("to") or today
    )
    if period.end < period.start:
        raise ValidationFailed({"from": ["The start of the period is after its end."]})
    return period


@bp.route("/stats/export", methods=["GET"])
@authenticated
@bp.arguments(StatsExportQuery, location="query")
@bp.doc(responses={200: file_response(EXPORT_MEDIA)})
@bp.alt_response(403, response="FORBIDDEN")
def export_stats(query: dict, user):
    """Export the statistics tables

    The tables of the reports page for a period and organization, as XLSX (a sheet per
    table) or CSV (the tables one after another)."""
    _require_staff(user)
    period = _period(query)
    return download(query["format"], exports.stats_tables(user, period, query.get("org")), "stats")
