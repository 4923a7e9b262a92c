"""Where uploaded files' bytes live: content-addressed objects (named by their SHA-256) in a
local folder or in S3-compatible object storage (docs/deployment.md "Attachments").

The folder (`ATTACHMENT_STORAGE = "folder"`, the default) suits one host; several web hosts
behind a load balancer share a bucket (`"s3"`: MinIO, Ceph, a cloud bucket) instead, since a
file uploaded through one host must be downloadable through the others. Both stores answer the
same four questions (put, exists, open, delete), and `open` hashes what it reads and refuses an
object whose content no longer matches its name: a changed or damaged file is an error, never
served as evidence.

The app holds one store (`init_storage`, `storage()`); the callers know only `ObjectStore`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Protocol

from flask import Flask, current_app

from mediation.core.errors import DomainError

log = logging.getLogger(__name__)
EXTENSION_KEY = "mediation_storage"
CHUNK = 64 * 1024
# a verified object up to this size is held in memory, a larger one in a temporary file
SPOOL_IN_MEMORY = 1024 * 1024


class CorruptObject(DomainError):
    """A stored object's content does not match the hash it is stored under (changed on the
    storage, or damaged): refused rather than served."""

    status_code = 500
    code = "stored_file_corrupt"


class MissingObject(DomainError):
    status_code = 404
    code = "not_found"


class ObjectStore(Protocol):
    """Content-addressed storage: an object's key is its SHA-256 (hex)."""

    def spool_folder(self) -> Path | None:
        """Where an upload is written before `put` (None: the system's temporary folder)."""
        ...

    def put(self, sha256: str, source: Path) -> bool:
        """Store the file `source` (whose hash is `sha256`) unless an object of that hash is
        stored already; True when this call stored it. `source` may be moved away."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def open(self, sha256: str) -> IO[bytes]:
        """The object's bytes, read in full and checked against its hash first
        (`CorruptObject` if they differ, `MissingObject` if there is none)."""
        ...

    def delete(self, sha256: str) -> None: ...


def _verified_copy(chunks: Any, sha256: str) -> IO[bytes]:
    """Copy the chunks into a spooled temporary file while hashing; refuse a mismatch."""
    digest = hashlib.sha256()
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (returned)
    for chunk in chunks:
        digest.update(chunk)
        copy.write(chunk)
    if digest.hexdigest() != sha256:
        copy.close()
        log.error("stored object %s does not match its hash (%s)", sha256, digest.hexdigest())
        raise CorruptObject("The stored file does not match its recorded hash; it is not served.")
    copy.seek(0)
    return copy


def _check_key(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
    return sha256


class FolderStore:
    """Objects as files `<root>/<first two hex digits>/<sha256>` (today's layout)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / _check_key(sha256)

    def spool_folder(self) -> Path:
        # the same file system as the objects, so that `put` is a rename
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def put(self, sha256: str, source: Path) -> bool:
        target = self.path(sha256)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return True

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> IO[bytes]:
        path = self.path(sha256)
        if not path.is_file():
            raise MissingObject("The attachment's file is missing from storage.")
        with path.open("rb") as f:
            return _verified_copy(iter(lambda: f.read(CHUNK), b""), sha256)

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


class S3Store:
    """Objects in an S3-compatible bucket under `<prefix><first two hex digits>/<sha256>`,
    through boto3 (credentials: S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY when set, else boto3's
    own chain: AWS_ACCESS_KEY_ID…, ~/.aws, an instance role)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            # path-style URLs: MinIO and Ceph serve buckets under the endpoint's path
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{_check_key(sha256)}"

    def spool_folder(self) -> None:
        return None

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def put(self, sha256: str, source: Path) -> bool:
        if self.exists(sha256):
            return False
        self.client.upload_file(
            str(source), self.bucket, self.key(sha256), ExtraArgs={"Metadata": {"sha256": sha256}}
        )
        return True

    def open(self, sha256: str) -> IO[bytes]:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                raise MissingObject("The attachment's file is missing from storage.") from None
            raise
        body = answer["Body"]
        try:
            return _verified_copy(body.iter_chunks(CHUNK), sha256)
        finally:
            body.close()

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))


def build_store(config: Any, instance_path: str) -> ObjectStore:
    """The store the configuration names (ATTACHMENT_STORAGE: `folder` or `s3`)."""
    kind = (config.get("ATTACHMENT_STORAGE") or "folder").strip().lower()
    if kind == "folder":
        folder = config.get("ATTACHMENT_FOLDER")
        return FolderStore(Path(folder) if folder else Path(instance_path) / "attachments")
    if kind == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("ATTACHMENT_STORAGE=s3 needs S3_BUCKET")
        return S3Store(
            config["S3_BUCKET"],
            prefix=config.get("S3_PREFIX") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key=config.get("S3_ACCESS_KEY_ID"),
            secret_key=config.get("S3_SECRET_ACCESS_KEY"),
        )
    raise ValueError(f"ATTACHMENT_STORAGE must be 'folder' or 's3', not {kind!r}")


def init_storage(app: Flask) -> None:
    """Build the app's store from its configuration (again, after the configuration changed)."""
    app.extensions[EXTENSION_KEY] = build_store(app.config, app.instance_path)


def storage() -> ObjectStore:
    """The current app's store."""
    store: ObjectStore = current_app.extensions[EXTENSION_KEY]
    return store
