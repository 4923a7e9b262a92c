"""API: the enterprise registry."""

from __future__ import annotations

from collections.abc import Sequence

from marshmallow import Schema, fields, validate

from mediation.accounts.models import Role
from mediation.cases.enums import WarningLevel
from mediation.core.api import (
    Blueprint,
    PagingQuery,
    authenticated,
    file_response,
    page_of,
    per_page,
)
from mediation.core.errors import PermissionDenied
from mediation.core.fields import EnumCode, Money
from mediation.core.pagination import paginate
from mediation.core.tables import EXPORT_MEDIA, FORMAT_FIELD, download
from mediation.enterprises import services
from mediation.enterprises.models import Enterprise, Ownership
from mediation.enterprises.schemas import EnterpriseContactsSchema, EnterpriseInputSchema
from mediation.reports import exports
from mediation.reports.risk import notice_risk_subquery, risk_for, risk_subquery, riskiest_first


class RiskSchema(Schema):
    open_cases = fields.Integer(required=True)
    workers_involved = fields.Integer(required=True, metadata={"description": "in open cases"})
    amount_owed = Money(attribute="amount_owed_fen", required=True)
    open_alerts = fields.Integer(required=True)
    highest_level = EnumCode(WarningLevel, allow_none=True)
    # the latest labour-relations survey's part (docs/enterprise-file.md "Risk")
    low_signing_rate = fields.Boolean(required=True)
    collective_expired = fields.Boolean(required=True)
    no_current_survey = fields.Boolean(required=True)


class EnterpriseSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(required=True)
    organization_id = fields.Integer(required=True)
    address = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)
    ownership = EnumCode(Ownership, allow_none=True)
    legal_representative = fields.String(allow_none=True)
    headcount = fields.Integer(allow_none=True)
    has_union = fields.Boolean(required=True)
    contact_person = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "digits"})
    contact_email = fields.String(allow_none=True)
    risk = fields.Nested(RiskSchema, attribute="_api_risk", required=True)


def _with_risk(enterprises: Sequence[Enterprise]) -> Sequence[Enterprise]:
    """One grouped query for the risk of a whole page (no query per enterprise)."""
    risks = risk_for([e.id for e in enterprises])
    for enterprise in enterprises:
        enterprise._api_risk = risks[enterprise.id]
    return enterprises


class EnterpriseListQuery(PagingQuery):
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "in the name or the credit code"},
    )
    sort = fields.String(
        load_default="risk",
        validate=validate.OneOf(["risk", "name", "-name", "id"]),
        metadata={"description": "risk = highest alert, open alerts, amount owed, workers"},
    )


def _require_registry(user) -> None:
    if user.role == Role.advocate:
        raise PermissionDenied("Advocates do not use the enterprise registry.")


bp = Blueprint("enterprises_api", __name__)


@bp.route("/enterprises", methods=["GET"])
@authenticated
@bp.arguments(EnterpriseListQuery, location="query")
@bp.response(200, page_of(EnterpriseSchema))
@bp.alt_response(403, response="FORBIDDEN")
def list_enterprises(query: dict, user):
    """The registry (the caller's area)"""
    _require_registry(user)
    stmt = services.visible_enterprises(user)
    if query.get("q"):
        stmt = services.matching(stmt, query["q"])
    if query["sort"] == "risk":
        risk = risk_subquery()
        notices = notice_risk_subquery()  # overdue supervision notices, as the registry page
        stmt = stmt.outerjoin(risk, risk.c.enterprise_id == Enterprise.id).outerjoin(
            notices, notices.c.enterprise_id == Enterprise.id
        )
        order = (*riskiest_first(risk, notices), Enterprise.name, Enterprise.id)
    else:
        order = {
            "name": (Enterprise.name, Enterprise.id),
            "-name": (Enterprise.name.desc(), Enterprise.id.desc()),
            "id": (Enterprise.id,),
        }[query["sort"]]
    page = paginate(stmt.order_by(*order), query["page"], per_page(query))
    _with_risk(page.items)
    return page


@bp.route("/enterprises", methods=["POST"])
@authenticated
@bp.arguments(EnterpriseInputSchema)
@bp.response(201, EnterpriseSchema)
@bp.alt_response(403, response="FORBIDDEN")
def create_enterprise(body: dict, user):
    """Register an enterprise

    The unified social credit code must be valid (GB 32100) and not yet registered."""
    return _with_risk([services.create_enterprise(user, body)])[0]


@bp.route("/enterprises/<id:enterprise_id>", methods=["GET"])
@authenticated
@bp.response(200, EnterpriseSchema)
@bp.alt_response(403, response="FORBIDDEN")
def get_enterprise(user, enterprise_id: int):
    """One enterprise"""
    _require_registry(user)
    return _with_risk([services.get_visible_enterprise(user, enterprise_id)])[0]


@bp.route("/enterprises/<id:enterprise_id>", methods=["PATCH"])
@authenticated
@bp.arguments(EnterpriseContactsSchema)
@bp.response(200, EnterpriseSchema)
@bp.alt_response(403, response="FORBIDDEN")
def update_enterprise(body: dict, user, enterprise_id: int):
    """Set the employer's contact

    Only the fields given change; null clears one. The phone is stored as digits (a mainland
    mobile or a landline with its area code). The day-before hearing reminder goes there."""
    return _with_risk([services.update_contacts(user, enterprise_id, body)])[0]


class WatchListExportQuery(Schema):
    format = FORMAT_FIELD


@bp.route("/enterprises/watch-list/export", methods=["GET"])
@authenticated
@bp.arguments(WatchListExportQuery, location="query")
@bp.doc(responses={200: file_response(EXPORT_MEDIA)})
@bp.alt_response(403, response="FORBIDDEN")
def export_watch_list(query: dict, user):
    """Export the enterprise watch list

    Enterprises of the caller's area ranked by risk, then by cases in the last 90 days."""
    _require_registry(user)
    return download(query["format"], exports.watch_tables(user), "watch-list")
