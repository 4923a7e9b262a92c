"""Evidence files: size and type limits, sanitised names, content-addressed storage (a folder
or an S3-compatible bucket, `core.storage`), one `attachment` event per upload, and
scope-checked reads that check the content's hash."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from flask import current_app
from sqlalchemy import select

from mediation.accounts.models import User
from mediation.cases.enums import EventKind
from mediation.cases.models import Attachment, Case
from mediation.cases.scope import get_visible_case
from mediation.cases.timeline import append_event
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.core.storage import MissingObject, storage
from mediation.core.uploads import (  # noqa: F401  (the names callers use from here)
    ALLOWED_TYPES,
    CONTENT_TYPES,
    PayloadTooLarge,
    UnsupportedType,
    receive_upload,
    register_object_reference,
    sanitize_filename,
)
from mediation.extensions import db


def _names_object(sha256: str) -> bool:
    return (
        db.session.scalar(select(Attachment.id).where(Attachment.sha256 == sha256).limit(1))
        is not None
    )


register_object_reference(_names_object)


def add_attachment(
    case_id: int,
    user: User,
    stream: IO[bytes] | None,
    filename: str | None,
    *,
    now: datetime | None = None,
) -> Attachment:
    """Store an evidence file for a case the user can see (every role may add evidence).

    Scope is checked before a byte is stored; a refused upload (too large, wrong type, empty)
    leaves nothing behind.
    """
    now = ensure_utc(now or utcnow())
    get_visible_case(user, case_id)  # 404 before reading the upload
    if stream is None:
        raise ValidationFailed({"file": ["Choose a file to upload."]})
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    with receive_upload(stream, filename, limit) as upload, transaction():
        case = get_visible_case(user, case_id, for_update=True)
        if not case.is_open:
            raise Conflict("Evidence cannot be added to a closed case; reopen it first.")
        upload.store()
        attachment = Attachment(
            case_id=case.id,
            sha256=upload.sha256,
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by_id=user.id,
            uploaded_at=now,
        )
        db.session.add(attachment)
        db.session.flush()
        append_event(
            case, EventKind.attachment, user, now, body=upload.filename,
            data={"attachment_id": attachment.id, "sha256": upload.sha256, "size": upload.size},
        )  # fmt: skip
    return attachment


def case_attachments(user: User, case_id: int) -> list[Attachment]:
    case: Case = get_visible_case(user, case_id)
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        )
    )


def get_attachment(user: User, case_id: int, attachment_id: int) -> tuple[Attachment, IO[bytes]]:
    """The attachment and its bytes, if the user can see its case. The bytes are checked
    against the hash recorded at upload first: a changed or damaged file raises
    `core.storage.CorruptObject` instead of being served."""
    get_visible_case(user, case_id)
    attachment = db.session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case_id)
    )
    if attachment is None:
        raise NotFound("Attachment not found.")
    try:
        content = storage().open(attachment.sha256)
    except MissingObject:
        raise NotFound("The attachment's file is missing from storage.") from None
    return attachment, content
