"""Evidence files: size and type limits, sanitised names, content-addressed storage (a folder
or an S3-compatible bucket, `core.storage`), one `attachment` event per upload, and
scope-checked reads that check the content's hash."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
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
from mediation.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from mediation.core.messages import Message
from mediation.core.storage import MissingObject, storage
from mediation.extensions import db

# extension → (content type, magic prefixes or None when the format has no reliable signature)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    "mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    "m4a": ("audio/mp4", None),
    "amr": ("audio/amr", (b"#!AMR",)),
    "wav": ("audio/wav", (b"RIFF",)),
    "mp4": ("video/mp4", None),
}
CONTENT_TYPES = tuple(sorted({content_type for content_type, _ in ALLOWED_TYPES.values()}))

# characters that do not occur in a text document (C0 controls other than tab, line breaks,
# form feed, and the DOS end-of-file mark)
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")


def _is_text(path: Path) -> bool:
    """A text file: UTF-8 (with or without a byte-order mark), UTF-16 with its mark, or GB18030
    (what Excel and Notepad on a Chinese Windows write), and no control characters."""
    data = path.read_bytes()  # at most ATTACHMENT_MAX_BYTES
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not _NOT_TEXT.search(decoded)
    return False


def _is_iso_media(head: bytes) -> bool:
    """An ISO base media file (MP4, M4A): its first box is `ftyp`, at byte 4."""
    return head[4:8] == b"ftyp"


# formats without a fixed prefix, checked by looking at the content (docs/security.md "Uploads")
CONTENT_CHECKS: dict[str, Callable[[bytes, Path], bool]] = {
    "txt": lambda head, path: _is_text(path),
    "csv": lambda head, path: _is_text(path),
    "m4a": lambda head, path: _is_iso_media(head),
    "mp4": lambda head, path: _is_iso_media(head),
}


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


def sanitize_filename(name: str | None) -> str:
    """A safe display name: no directories, no control characters, at most 200 characters;
    Chinese letters are kept (people name their evidence in Chinese)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[<>:\"|?*]", "_", name).strip().lstrip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot else name[:200]
    return name or "evidence"


def _classify(filename: str, head: bytes, spooled: Path) -> str:
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    if ext not in ALLOWED_TYPES:
        raise UnsupportedType(
            "this file type is not accepted as evidence",
            fields={
                "file": [
                    Message("Allowed types: %(types)s.", types=", ".join(sorted(ALLOWED_TYPES)))
                ]
            },
        )
    content_type, magic = ALLOWED_TYPES[ext]
    check = CONTENT_CHECKS.get(ext)
    if (magic is not None and not any(head.startswith(m) for m in magic)) or (
        check is not None and not check(head, spooled)
    ):
        raise UnsupportedType(
            "the file's content does not match its type",
            fields={"file": [Message("This is not a valid .%(ext)s file.", ext=ext)]},
        )
    return content_type


def _spool(stream: IO[bytes], limit: int) -> tuple[Path, str, int, bytes]:
    """Copy the upload to a temporary file (in the storage folder, when the store is one),
    hashing as it goes; refuse (and delete) it as soon as it exceeds the limit."""
    root = storage().spool_folder()
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(
                        "the file is too large",
                        fields={"file": [Message("At most %(n)s MB.", n=limit // (1024 * 1024))]},
                    )
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return Path(tmp_name), digest.hexdigest(), size, head


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
    name = sanitize_filename(filename)
    tmp, sha, size, head = _spool(stream, current_app.config["ATTACHMENT_MAX_BYTES"])
    store = storage()
    placed = False  # whether this upload is the one that stored the object
    try:
        if size == 0:
            raise ValidationFailed({"file": ["The file is empty."]})
        content_type = _classify(name, head, tmp)
        with transaction():
            case = get_visible_case(user, case_id, for_update=True)
            if not case.is_open:
                raise Conflict("evidence cannot be added to a closed case; reopen it first")
            placed = store.put(sha, tmp)
            attachment = Attachment(
                case_id=case.id,
                sha256=sha,
                filename=name,
                content_type=content_type,
                size=size,
                uploaded_by_id=user.id,
                uploaded_at=now,
            )
            db.session.add(attachment)
            db.session.flush()
            append_event(
                case, EventKind.attachment, user, now,
                body=name, data={"attachment_id": attachment.id, "sha256": sha, "size": size},
            )  # fmt: skip
    except BaseException:
        # the transaction rolled back: a file this upload stored must not stay without a row
        if placed and not db.session.scalar(
            select(Attachment.id).where(Attachment.sha256 == sha).limit(1)
        ):
            store.delete(sha)
        raise
    finally:
        tmp.unlink(missing_ok=True)
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
        raise NotFound("attachment not found")
    try:
        content = storage().open(attachment.sha256)
    except MissingObject:
        raise NotFound("the attachment's file is missing from storage") from None
    return attachment, content
