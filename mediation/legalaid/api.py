"""API: legal-aid referrals of cases (docs/worker-services.md "Legal aid")."""

from __future__ import annotations

from marshmallow import Schema, fields

from mediation.core.api import Blueprint, authenticated
from mediation.core.fields import EnumCode, Money
from mediation.extensions import db
from mediation.legalaid import services
from mediation.legalaid.models import AidResult, LegalAidReferral, Provider, Stage
from mediation.legalaid.schemas import ReferralInputSchema, ReferralUpdateSchema


class ReferralSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    referred_on = fields.Date(required=True)
    provider = EnumCode(Provider, required=True)
    provider_name = fields.String(allow_none=True)
    eligible = fields.Boolean(required=True)
    accepted = fields.Boolean(allow_none=True)
    lawyer = fields.String(allow_none=True)
    stage = EnumCode(Stage, required=True)
    result = EnumCode(AidResult, allow_none=True)
    amount_recovered = Money(attribute="amount_recovered_fen", required=True)
    workers = fields.Integer(required=True)
    note = fields.String(allow_none=True)


class ReferralListSchema(Schema):
    items = fields.List(fields.Nested(ReferralSchema), required=True)


bp = Blueprint("legalaid_api", __name__)


@bp.route("/legal-aid", methods=["GET"])
@authenticated
@bp.response(200, ReferralListSchema)
def list_referrals(user):
    """Legal-aid referrals of the cases the caller sees"""
    stmt = services.visible_referrals(user).order_by(LegalAidReferral.id.desc()).limit(500)
    return {"items": list(db.session.scalars(stmt))}


@bp.route("/cases/<id:case_id>/legal-aid", methods=["GET"])
@authenticated
@bp.response(200, ReferralListSchema)
def case_referrals(user, case_id: int):
    """A case's legal-aid referrals"""
    return {"items": services.referrals_of_case(user, case_id)}


@bp.route("/cases/<id:case_id>/legal-aid", methods=["POST"])
@authenticated
@bp.arguments(ReferralInputSchema)
@bp.response(201, ReferralSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def refer(body: dict, user, case_id: int):
    """Refer a case to legal aid

    Only a case whose mediation failed, or that was referred on, goes to legal aid (else 409)."""
    return services.refer(user, case_id, body)


@bp.route("/legal-aid/<id:referral_id>", methods=["PATCH"])
@authenticated
@bp.arguments(ReferralUpdateSchema)
@bp.response(200, ReferralSchema)
@bp.alt_response(403, response="FORBIDDEN")
def update(body: dict, user, referral_id: int):
    """Record a referral's progress: acceptance, lawyer, stage, result, amount recovered"""
    return services.update_referral(user, referral_id, body)
