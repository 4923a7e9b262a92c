"""Receiving an uploaded file, for any domain that keeps files (case evidence, meeting
attachments): the accepted types and their content checks, the size limit, a sanitised name,
and placing the bytes in the content-addressed store (`core.storage`) so that a refused or
rolled-back upload leaves nothing behind (docs/circuit-court-and-meetings.md "Attachments").

Core knows no domain: each domain that keeps rows naming stored objects registers a check
(`register_object_reference`), so that an object is deleted only when no row of any domain
names it (the same bytes uploaded to a case and to a meeting are stored once).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mediation.core.errors import DomainError, ValidationFailed
from mediation.core.messages import Message
from mediation.core.storage import storage

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


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


# the refusals a form shows beside its file field
UPLOAD_REFUSALS: tuple[type[DomainError], ...] = (
    ValidationFailed,
    PayloadTooLarge,
    UnsupportedType,
)


def sanitize_filename(name: str | None, default: str = "evidence") -> str:
    """A safe display name: no directories, no control characters, at most 200 characters;
    Chinese letters are kept (people name their files in Chinese)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[<>:\"|?*]", "_", name).strip().lstrip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot else name[:200]
    return name or default


# characters that do not occur in a text document (C0 controls other than tab, line breaks,
# form feed, and the DOS end-of-file mark)
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")


def _is_text(path: Path) -> bool:
    """A text file: UTF-8 (with or without a byte-order mark), UTF-16 with its mark, or GB18030
    (what Excel and Notepad on a Chinese Windows write), and no control characters."""
    data = path.read_bytes()  # at most the upload limit
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


def classify(filename: str, head: bytes, spooled: Path) -> str:
    """The content type of an accepted file; refuses an extension not listed and content that
    is not what its extension says (its first bytes, or for formats without a signature its
    content: CONTENT_CHECKS)."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    if ext not in ALLOWED_TYPES:
        raise UnsupportedType(
            "this file type is not accepted",
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
            "The file's content does not match its type.",
            fields={"file": [Message("This is not a valid .%(ext)s file.", ext=ext)]},
        )
    return content_type


def spool(stream: IO[bytes], limit: int) -> tuple[Path, str, int, bytes]:
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
                        "The file is too large.",
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


# --- who names a stored object ----------------------------------------------------------------

_references: list[Callable[[str], bool]] = []


def register_object_reference(check: Callable[[str], bool]) -> None:
    """A domain's answer to "does one of your rows name the object of this hash?"."""
    if check not in _references:
        _references.append(check)


def object_in_use(sha256: str) -> bool:
    return any(check(sha256) for check in _references)


def release_object(sha256: str) -> bool:
    """Delete a stored object that no row names any more; True when it was deleted."""
    if object_in_use(sha256):
        return False
    storage().delete(sha256)
    return True


@dataclass
class ReceivedUpload:
    """A checked upload waiting in a temporary file; `store()` places it in the store."""

    path: Path
    sha256: str
    size: int
    filename: str
    content_type: str
    placed: bool = False  # whether this upload is the one that stored the object

    def store(self) -> None:
        self.placed = storage().put(self.sha256, self.path)


@contextmanager
def receive_upload(
    stream: IO[bytes], filename: str | None, limit: int, *, default_name: str = "evidence"
) -> Iterator[ReceivedUpload]:
    """Spool, size-check and type-check an upload, and yield it for the caller to `store()`
    and record in its own transaction. If the block fails (the transaction rolled back), an
    object this upload stored and no row names is deleted again; the temporary file always
    goes."""
    name = sanitize_filename(filename, default_name)
    tmp, sha, size, head = spool(stream, limit)
    upload: ReceivedUpload | None = None
    try:
        if size == 0:
            raise ValidationFailed({"file": ["The file is empty."]})
        upload = ReceivedUpload(tmp, sha, size, name, classify(name, head, tmp))
        yield upload
    except BaseException:
        if upload is not None and upload.placed:
            release_object(sha)
        raise
    finally:
        tmp.unlink(missing_ok=True)
