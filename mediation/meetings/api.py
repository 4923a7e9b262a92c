"""API: joint meetings and their action items (docs/circuit-court-and-meetings.md)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from mediation.accounts.models import User
from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.clock import local_date, utcnow
from mediation.core.fields import EnumCode
from mediation.core.pagination import paginate
from mediation.meetings import services
from mediation.meetings.enums import Body, ItemStatus, MeetingKind
from mediation.meetings.models import Meeting
from mediation.meetings.schemas import (
    ActionItemInputSchema,
    ActionItemStatusSchema,
    MeetingInputSchema,
)


class ActionItemSchema(Schema):
    id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True)
    title = fields.String(required=True)
    owner_body = EnumCode(Body, required=True)
    due_on = fields.Date(required=True)
    status = EnumCode(ItemStatus, required=True)
    done_on = fields.Date(allow_none=True)
    overdue = fields.Function(
        lambda item: item.is_overdue(local_date(utcnow())), required=True,
        metadata={"type": "boolean"},
    )  # fmt: skip
    case_ids = fields.Function(lambda item: [c.id for c in item.cases], required=True,
                               metadata={"type": "array", "items": {"type": "integer"}})  # fmt: skip
    enterprise_ids = fields.Function(
        lambda item: [e.id for e in item.enterprises], required=True,
        metadata={"type": "array", "items": {"type": "integer"}},
    )  # fmt: skip


class MeetingSchema(Schema):
    id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    kind = EnumCode(MeetingKind, required=True)
    title = fields.String(required=True)
    held_on = fields.Date(required=True)
    bodies = fields.List(fields.String(), required=True)
    agenda = fields.String(required=True)
    minutes = fields.String(allow_none=True)


class ItemListSchema(Schema):
    items = fields.List(fields.Nested(ActionItemSchema), required=True)


bp = Blueprint("meetings_api", __name__)


@bp.route("/meetings", methods=["GET"])
@authenticated
@bp.arguments(PagingQuery, location="query")
@bp.response(200, page_of(MeetingSchema))
@bp.alt_response(403, response="FORBIDDEN")
def list_meetings(query: dict[str, Any], user: User) -> Any:
    """Joint meetings of the caller's area

    Officers and mediators (read-only); advocates 403."""
    stmt = services.visible_meetings(user).order_by(Meeting.held_on.desc(), Meeting.id.desc())
    return paginate(stmt, query["page"], per_page(query))


@bp.route("/meetings", methods=["POST"])
@authenticated
@bp.arguments(MeetingInputSchema)
@bp.response(201, MeetingSchema)
@bp.alt_response(403, response="FORBIDDEN")
def create_meeting(body: dict[str, Any], user: User) -> Any:
    """Record a joint meeting

    Officers and administrators; the convening union is a city or town union of the caller's
    subtree."""
    return services.create_meeting(user, body)


@bp.route("/meetings/<id:meeting_id>", methods=["GET"])
@authenticated
@bp.response(200, MeetingSchema)
@bp.alt_response(403, response="FORBIDDEN")
def get_meeting(user: User, meeting_id: int) -> Any:
    """One joint meeting"""
    return services.get_visible_meeting(user, meeting_id)


@bp.route("/meetings/<id:meeting_id>/action-items", methods=["GET"])
@authenticated
@bp.response(200, ItemListSchema)
@bp.alt_response(403, response="FORBIDDEN")
def list_items(user: User, meeting_id: int) -> Any:
    """A meeting's action items, by due date; `overdue` when open past the due date"""
    return {"items": services.get_visible_meeting(user, meeting_id).items}


@bp.route("/meetings/<id:meeting_id>/action-items", methods=["POST"])
@authenticated
@bp.arguments(ActionItemInputSchema)
@bp.response(201, ActionItemSchema)
@bp.alt_response(403, response="FORBIDDEN")
def add_item(body: dict[str, Any], user: User, meeting_id: int) -> Any:
    """Add an action item

    Its due date is not before the meeting; its cases and enterprises are ones the caller
    sees (422 otherwise)."""
    return services.add_action_item(user, meeting_id, body)


@bp.route("/meetings/<id:meeting_id>/action-items/<id:item_id>", methods=["PATCH"])
@authenticated
@bp.arguments(ActionItemStatusSchema)
@bp.response(200, ActionItemSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def set_item_status(body: dict[str, Any], user: User, meeting_id: int, item_id: int) -> Any:
    """Mark an action item done (or open again)"""
    return services.set_item_status(user, meeting_id, item_id, body)
