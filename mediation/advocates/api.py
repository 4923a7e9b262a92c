"""API: the advocates' team and its training (docs/worker-services.md "Advocates")."""

from __future__ import annotations

from marshmallow import Schema, fields

from mediation.advocates import services
from mediation.advocates.models import AdvocateStatus, TrainingKind, TrainingSession
from mediation.advocates.schemas import (
    AttendanceInputSchema,
    ProfileInputSchema,
    TrainingInputSchema,
)
from mediation.core.api import Blueprint, authenticated
from mediation.core.fields import EnumCode
from mediation.extensions import db


class AdvocateSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    organization_id = fields.Integer(required=True)
    specialties = fields.String(allow_none=True)
    recruited_on = fields.Date(required=True)
    status = EnumCode(AdvocateStatus, required=True)
    trained = fields.Boolean(required=True, metadata={"description": "the qualifying training"})
    open_cases = fields.Integer(required=True)
    last_visit_on = fields.Date(allow_none=True)
    up_for_review = fields.Boolean(required=True)


class AdvocateListSchema(Schema):
    items = fields.List(fields.Nested(AdvocateSchema), required=True)


class TrainingSchema(Schema):
    id = fields.Integer(required=True)
    topic = fields.String(required=True)
    kind = EnumCode(TrainingKind, required=True)
    held_on = fields.Date(required=True)
    hours = fields.Float(required=True)
    trainer = fields.String(required=True)
    organization_id = fields.Integer(required=True)
    attendee_ids = fields.Function(lambda s: [a.id for a in s.attendees], required=True)


class TrainingListSchema(Schema):
    items = fields.List(fields.Nested(TrainingSchema), required=True)


def _row(row: dict) -> dict:
    advocate, profile = row["advocate"], row["profile"]
    return {
        "id": advocate.id, "display_name": advocate.display_name,
        "organization_id": advocate.organization_id, "specialties": profile.specialties,
        "recruited_on": profile.recruited_on, "status": profile.status,
        "trained": row["trained"], "open_cases": row["load"],
        "last_visit_on": row["last_visit"], "up_for_review": row["review"],
    }  # fmt: skip


def _one(user, advocate_id: int) -> dict:
    services.get_visible_advocate(user, advocate_id)
    return next(_row(r) for r in services.team(user) if r["advocate"].id == advocate_id)


bp = Blueprint("advocates_api", __name__)


@bp.route("/advocates", methods=["GET"])
@authenticated
@bp.response(200, AdvocateListSchema)
def list_advocates(user):
    """The advocates of the caller's scope (an advocate: themself)"""
    return {"items": [_row(r) for r in services.team(user)]}


@bp.route("/advocates/<id:advocate_id>", methods=["GET"])
@authenticated
@bp.response(200, AdvocateSchema)
def get_advocate(user, advocate_id: int):
    """One advocate's profile"""
    return _one(user, advocate_id)


@bp.route("/advocates/<id:advocate_id>", methods=["PATCH"])
@authenticated
@bp.arguments(ProfileInputSchema)
@bp.response(200, AdvocateSchema)
@bp.alt_response(403, response="FORBIDDEN")
def update_advocate(body: dict, user, advocate_id: int):
    """Edit an advocate's profile (officers)"""
    services.update_profile(user, advocate_id, body)
    return _one(user, advocate_id)


@bp.route("/trainings", methods=["GET"])
@authenticated
@bp.response(200, TrainingListSchema)
def list_trainings(user):
    """Training sessions (an advocate: those attended)"""
    stmt = services.visible_trainings(user).order_by(TrainingSession.held_on.desc()).limit(500)
    return {"items": list(db.session.scalars(stmt))}


@bp.route("/trainings", methods=["POST"])
@authenticated
@bp.arguments(TrainingInputSchema)
@bp.response(201, TrainingSchema)
@bp.alt_response(403, response="FORBIDDEN")
def create_training(body: dict, user):
    """Record a training session with its attendance (officers)"""
    return services.create_training(user, body)


@bp.route("/trainings/<id:session_id>/attendance", methods=["POST"])
@authenticated
@bp.arguments(AttendanceInputSchema)
@bp.response(200, TrainingSchema)
@bp.alt_response(403, response="FORBIDDEN")
def add_attendance(body: dict, user, session_id: int):
    """Add advocates to a session's attendance (officers)"""
    return services.record_attendance(user, session_id, body)
