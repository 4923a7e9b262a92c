"""API: joint meetings and their action items (docs/circuit-court-and-meetings.md)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, send_file
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from mediation.accounts.models import User
from mediation.core.api import (
    ApiError,
    Blueprint,
    PagingQuery,
    authenticated,
    file_response,
    page_of,
    per_page,
)
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import ValidationFailed
from mediation.core.fields import EnumCode
from mediation.core.pagination import paginate
from mediation.core.uploads import CONTENT_TYPES
from mediation.meetings import attachments, services
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


class MeetingAttachmentSchema(Schema):
    id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by_id = fields.Integer(allow_none=True)
    uploaded_at = fields.AwareDateTime(required=True)


class MeetingSchema(Schema):
    id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    kind = EnumCode(MeetingKind, required=True)
    title = fields.String(required=True)
    held_on = fields.Date(required=True)
    bodies = fields.List(fields.String(), required=True)
    agenda = fields.String(required=True)
    minutes = fields.String(allow_none=True)
    attachments = fields.List(fields.Nested(MeetingAttachmentSchema), required=True)


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


class MeetingAttachmentListSchema(Schema):
    items = fields.List(fields.Nested(MeetingAttachmentSchema), required=True)


class MeetingUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "the file"})


@bp.route("/meetings/<id:meeting_id>/attachments", methods=["GET"])
@authenticated
@bp.response(200, MeetingAttachmentListSchema)
@bp.alt_response(403, response="FORBIDDEN")
def list_attachments(user: User, meeting_id: int) -> Any:
    """A meeting's files"""
    return {"items": attachments.meeting_attachments(user, meeting_id)}


@bp.route("/meetings/<id:meeting_id>/attachments", methods=["POST"])
@authenticated
@bp.arguments(MeetingUploadSchema, location="files")
@bp.response(201, MeetingAttachmentSchema)
@bp.alt_response(403, response="FORBIDDEN")
def upload_attachment(files: dict[str, Any], user: User, meeting_id: int) -> Any:
    """Attach a file to a meeting

    multipart/form-data with one `file`; officers who may change the meeting. Size and type
    are limited as for case evidence (ATTACHMENT_MAX_BYTES; documents, images, audio); a
    refused upload (413, 415, 422 with the `file` field) stores nothing."""
    services.writable_meeting(user, meeting_id)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "send the file as multipart/form-data")
    upload = files.get("file")
    if upload is None:
        raise ValidationFailed({"file": ["Missing data for required field."]})
    return attachments.add_attachment(user, meeting_id, upload.stream, upload.filename)


@bp.route("/meetings/<id:meeting_id>/attachments/<id:attachment_id>", methods=["GET"])
@authenticated
@bp.doc(responses={200: file_response(CONTENT_TYPES)})
@bp.alt_response(403, response="FORBIDDEN")
def download_attachment(user: User, meeting_id: int, attachment_id: int) -> Any:
    """Download a meeting's file (its content is checked against the recorded hash)"""
    attachment, content = attachments.get_attachment(user, meeting_id, attachment_id)
    return send_file(
        content,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )


@bp.route("/meetings/<id:meeting_id>/attachments/<id:attachment_id>", methods=["DELETE"])
@authenticated
@bp.response(204)
@bp.alt_response(403, response="FORBIDDEN")
def delete_attachment(user: User, meeting_id: int, attachment_id: int) -> Any:
    """Remove a meeting's file

    Its uploader, an officer of the convening union, or an administrator."""
    attachments.delete_attachment(user, meeting_id, attachment_id)
    return current_app.response_class(status=204)
