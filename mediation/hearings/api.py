"""API: hearing points and hearings of the circuit court (docs/circuit-court-and-meetings.md)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from mediation.accounts.models import User
from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.errors import ValidationFailed
from mediation.core.fields import EnumCode
from mediation.core.messages import N_
from mediation.core.pagination import paginate
from mediation.core.schemas import MAX_ID, id_field
from mediation.hearings import services
from mediation.hearings.enums import HearingKind, HearingOutcome, HearingStatus, PartnerKind
from mediation.hearings.models import Hearing, HearingPoint
from mediation.hearings.schemas import NewHearingSchema, OutcomeInputSchema, PointInputSchema


class PointSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    organization_id = fields.Integer(required=True)
    partner_kind = EnumCode(PartnerKind, required=True)
    partner_name = fields.String(required=True)
    address = fields.String(required=True)
    active = fields.Boolean(required=True)


class HearingSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.Function(lambda h: h.case.number, required=True,
                                  metadata={"type": "string"})  # fmt: skip
    point_id = fields.Integer(required=True)
    kind = EnumCode(HearingKind, required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    status = EnumCode(HearingStatus, required=True)
    outcome = EnumCode(HearingOutcome, allow_none=True)
    outcome_note = fields.String(allow_none=True)
    workers_attending = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    reminded_at = fields.AwareDateTime(allow_none=True)


class HearingListQuery(PagingQuery):
    case = id_field()
    point = id_field()
    status = fields.Enum(HearingStatus, by_value=True)


bp = Blueprint("hearings_api", __name__)


@bp.route("/hearing-points", methods=["GET"])
@authenticated
@bp.arguments(PagingQuery, location="query")
@bp.response(200, page_of(PointSchema))
@bp.alt_response(403, response="FORBIDDEN")
def list_points(query: dict[str, Any], user: User) -> Any:
    """The hearing points of the caller's area

    Staff only; advocates see the hearings of their cases, not the points (403)."""
    services.require_staff(user)
    stmt = services.visible_points(user).order_by(HearingPoint.name, HearingPoint.id)
    return paginate(stmt, query["page"], per_page(query))


@bp.route("/hearing-points", methods=["POST"])
@authenticated
@bp.arguments(PointInputSchema)
@bp.response(201, PointSchema)
@bp.alt_response(403, response="FORBIDDEN")
def create_point(body: dict[str, Any], user: User) -> Any:
    """Set up a hearing point

    Officers and administrators; the host union must be of the caller's subtree (else 422)."""
    return services.create_point(user, body)


@bp.route("/hearing-points/<id:point_id>", methods=["GET"])
@authenticated
@bp.response(200, PointSchema)
@bp.alt_response(403, response="FORBIDDEN")
def get_point(user: User, point_id: int) -> Any:
    """One hearing point"""
    services.require_staff(user)
    return services.get_visible_point(user, point_id)


@bp.route("/hearings", methods=["GET"])
@authenticated
@bp.arguments(HearingListQuery, location="query")
@bp.response(200, page_of(HearingSchema))
def list_hearings(query: dict[str, Any], user: User) -> Any:
    """Hearings of the cases the caller sees

    An advocate sees the hearings of the cases assigned to them."""
    stmt = services.visible_hearings(user)
    if query.get("case") is not None:
        stmt = stmt.where(Hearing.case_id == query["case"])
    if query.get("point") is not None:
        stmt = stmt.where(Hearing.point_id == query["point"])
    if query.get("status") is not None:
        stmt = stmt.where(Hearing.status == query["status"])
    stmt = stmt.order_by(Hearing.starts_at.desc(), Hearing.id.desc())
    return paginate(stmt, query["page"], per_page(query))


@bp.route("/hearings", methods=["POST"])
@authenticated
@bp.arguments(NewHearingSchema)
@bp.response(201, HearingSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def schedule_hearing(body: dict[str, Any], user: User) -> Any:
    """Schedule a hearing of a case

    A case out of the caller's scope is 404, as a missing one. A time that overlaps another hearing at the point is refused (422 on `starts_at`)."""
    payload = dict(body)
    case_id = payload.pop("case_id", None)
    if not isinstance(case_id, int) or isinstance(case_id, bool) or not 1 <= case_id <= MAX_ID:
        raise ValidationFailed({"case_id": [N_("Required: the id of a case.")]})
    return services.schedule_hearing(user, case_id, payload)


@bp.route("/hearings/<id:hearing_id>", methods=["GET"])
@authenticated
@bp.response(200, HearingSchema)
def get_hearing(user: User, hearing_id: int) -> Any:
    """One hearing"""
    return services.get_visible_hearing(user, hearing_id)


@bp.route("/hearings/<id:hearing_id>/outcome", methods=["POST"])
@authenticated
@bp.arguments(OutcomeInputSchema)
@bp.response(200, HearingSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def record_outcome(body: dict[str, Any], user: User, hearing_id: int) -> Any:
    """Record what a held hearing decided

    `agreement` records the mediation agreement (`terms`, `agreement_amount`,
    `agreement_due_on`), `judgment` the ruling (`result`, `amount`), `withdrawn` the withdrawal
    (`reason`), through the case's lifecycle; a state that does not allow it is 422 on
    `outcome`, and nothing is written."""
    return services.record_outcome(user, hearing_id, body)


@bp.route("/hearings/<id:hearing_id>/cancel", methods=["POST"])
@authenticated
@bp.response(200, HearingSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def cancel_hearing(user: User, hearing_id: int) -> Any:
    """Cancel a scheduled hearing"""
    return services.cancel_hearing(user, hearing_id)
