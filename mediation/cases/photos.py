"""Photos on a visit record: an advocate at a worker's door records what they saw and
attaches the photos in the same form (docs/worker-services.md "Visit records with photos").

The photos are stored like evidence (content-addressed, `core.uploads`), listed in the visit
event's data, and shown in the timeline as thumbnails. Thumbnails are made on request from
the stored original with Pillow (decoding a JPEG at a reduced scale), so nothing but the
original is ever stored and a changed thumbnail size needs no migration.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from mediation.accounts.models import User
from mediation.cases.models import Attachment, Case
from mediation.core.errors import DomainError, NotFound, ValidationFailed
from mediation.core.messages import N_, Message
from mediation.core.uploads import UPLOAD_REFUSALS, ReceivedUpload, receive_upload
from mediation.extensions import db

PHOTO_TYPES = ("gif", "jpeg", "jpg", "png", "webp")
# a visit is a few pictures of a notice board or a gate, not an album
MAX_PHOTOS = 6
THUMBNAIL_EDGE = 320  # px, the longer side; shown at 96 px, sharp on a 3x phone screen
# a photo larger than this many pixels is refused rather than decoded (a 50-megapixel phone
# camera stays well below it; a decompression bomb does not)
MAX_PIXELS = 80_000_000


def receive_photos(
    stack: ExitStack, photos: Sequence[tuple[IO[bytes], str | None]], limit: int
) -> list[ReceivedUpload]:
    """Spool and check every photo before anything is stored: an image type, within the size
    limit, and decodable. Any refusal names the field `photos`; the uploads stay open in
    `stack` so that a failure later in the caller's transaction removes what was stored."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed({"photos": [Message("At most %(n)s photos.", n=MAX_PHOTOS)]})
    received = []
    for stream, filename in photos:
        try:
            upload = stack.enter_context(
                receive_upload(stream, filename, limit, default_name="photo")
            )
        except UPLOAD_REFUSALS as exc:
            assert isinstance(exc, DomainError)
            reasons = (exc.fields or {}).get("file") or [exc.message]
            raise ValidationFailed({"photos": reasons}) from None
        if upload.filename.rpartition(".")[2].lower() not in PHOTO_TYPES:
            raise ValidationFailed(
                {
                    "photos": [
                        Message(
                            "%(name)s is not a photo: use JPEG, PNG, WebP or GIF.",
                            name=upload.filename,
                        )
                    ]
                }
            )
        if not _decodes(upload):
            raise ValidationFailed(
                {"photos": [Message("%(name)s is not a readable image.", name=upload.filename)]}
            )
        received.append(upload)
    return received


def store_photos(
    case: Case, user: User, uploads: list[ReceivedUpload], now: datetime
) -> list[Attachment]:
    """Place the checked photos in the store and record them as the case's attachments,
    inside the caller's transaction."""
    stored = []
    for upload in uploads:
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
        stored.append(attachment)
    db.session.flush()
    return stored


def thumbnail(attachment: Attachment, content: IO[bytes]) -> bytes:
    """A JPEG at most THUMBNAIL_EDGE px on its longer side, turned upright as the camera meant
    (EXIF orientation), transparency on white. Not an image, or not readable: NotFound."""
    if not attachment.content_type.startswith("image/"):
        raise NotFound("This attachment has no thumbnail.")
    try:
        with Image.open(content) as img:
            if img.width * img.height > MAX_PIXELS:
                raise NotFound("This attachment has no thumbnail.")
            img.draft("RGB", (THUMBNAIL_EDGE, THUMBNAIL_EDGE))  # JPEG: decode at a smaller scale
            small = ImageOps.exif_transpose(img)
            small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            if small.mode in ("RGBA", "LA", "P"):
                small = small.convert("RGBA")
                flat = Image.new("RGB", small.size, "white")
                flat.paste(small, mask=small.getchannel("A"))
                small = flat
            elif small.mode != "RGB":
                small = small.convert("RGB")
            out = io.BytesIO()
            small.save(out, "JPEG", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise NotFound("This attachment has no thumbnail.") from None


def _decodes(upload: ReceivedUpload) -> bool:
    try:
        with Image.open(upload.path) as img:
            if img.width * img.height > MAX_PIXELS:
                return False
            img.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return False
    return True


PHOTOS_ONLY_ON_VISITS = N_("Photos belong to a visit record: choose “Visit record” as the type.")
