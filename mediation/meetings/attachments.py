"""A joint meeting's files: uploaded by the officers who may change the meeting, read by
everyone who sees it, deleted by their uploader or an officer of the convening union. The
checks (types, size, content, name) and the store are those of case evidence
(`core.uploads`, `core.storage`); docs/circuit-court-and-meetings.md "Attachments"."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import IO

from flask import current_app
from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import NotFound, PermissionDenied, ValidationFailed
from mediation.core.storage import MissingObject, storage
from mediation.core.uploads import receive_upload, register_object_reference, release_object
from mediation.extensions import db
from mediation.meetings.models import Meeting, MeetingAttachment
from mediation.meetings.services import get_visible_meeting, writable_meeting

log = logging.getLogger(__name__)


def _names_object(sha256: str) -> bool:
    found = db.session.scalar(
        select(MeetingAttachment.id).where(MeetingAttachment.sha256 == sha256).limit(1)
    )
    return found is not None


register_object_reference(_names_object)


def add_attachment(
    user: User,
    meeting_id: int,
    stream: IO[bytes] | None,
    filename: str | None,
    *,
    now: datetime | None = None,
) -> MeetingAttachment:
    """Store a file of a meeting the user may change. Scope (404) and role (403) are checked
    before a byte is read; a refused upload (empty, too large, wrong type) leaves nothing."""
    now = ensure_utc(now or utcnow())
    writable_meeting(user, meeting_id)
    if stream is None:
        raise ValidationFailed({"file": ["Choose a file to upload."]})
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    upload_of = receive_upload(stream, filename, limit, default_name="attachment")
    with upload_of as upload, transaction():
        meeting = writable_meeting(user, meeting_id)
        upload.store()
        attachment = MeetingAttachment(
            meeting_id=meeting.id,
            sha256=upload.sha256,
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by_id=user.id,
            uploaded_at=now,
        )
        db.session.add(attachment)
    return attachment


def meeting_attachments(user: User, meeting_id: int) -> list[MeetingAttachment]:
    meeting = get_visible_meeting(user, meeting_id)
    return list(meeting.attachments)


def _get(user: User, meeting_id: int, attachment_id: int) -> tuple[Meeting, MeetingAttachment]:
    meeting = get_visible_meeting(user, meeting_id)
    attachment = db.session.get(MeetingAttachment, attachment_id)
    if attachment is None or attachment.meeting_id != meeting.id:
        raise NotFound("Attachment not found.")
    return meeting, attachment


def get_attachment(
    user: User, meeting_id: int, attachment_id: int
) -> tuple[MeetingAttachment, IO[bytes]]:
    """The attachment and its bytes, checked against the hash recorded at upload
    (`core.storage.CorruptObject` rather than a changed file)."""
    _, attachment = _get(user, meeting_id, attachment_id)
    try:
        content = storage().open(attachment.sha256)
    except MissingObject:
        raise NotFound("The attachment's file is missing from storage.") from None
    return attachment, content


def can_delete(user: User, meeting: Meeting, attachment: MeetingAttachment) -> bool:
    """The uploader, an officer of the convening union, or an administrator."""
    if user.role == Role.admin:
        return True
    if user.role not in (Role.officer,):
        return False
    return attachment.uploaded_by_id == user.id or user.organization_id == meeting.organization_id


def delete_attachment(user: User, meeting_id: int, attachment_id: int) -> None:
    """Remove a file from the meeting; its bytes go from the store when no row (of a meeting or
    a case) names them any more. Logged with who removed what, as the meetings keep no
    history of their own."""
    with transaction():
        meeting, attachment = _get(user, meeting_id, attachment_id)
        if not can_delete(user, meeting, attachment):
            raise PermissionDenied("Only the uploader or an officer of the convening union.")
        sha, name = attachment.sha256, attachment.filename
        db.session.delete(attachment)
    release_object(sha)
    log.info(
        "meeting %s: attachment %s (%s, %s) deleted by user %s",
        meeting_id, attachment_id, name, sha, user.id,
    )  # fmt: skip
