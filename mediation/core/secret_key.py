"""The key that signs sessions, CSRF tokens and cookies (docs/security.md "The secret key").

A key that others know lets anyone write a session cookie for any user. So the shipped
configuration names none: development generates a random key into the instance folder on
first start (`instance/secret_key`, readable by its owner only) and reads it back after;
production refuses to start without a configured key of at least `MIN_BYTES` that is not the
once-published default. A configured but weak key in development is allowed, with a warning.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

MIN_BYTES = 32
FILE_NAME = "secret_key"
# the default every copy of the code shipped until it was removed: never a key
KNOWN_KEYS = frozenset({"dev-insecure-secret-key-change-me"})


class SecretKeyError(RuntimeError):
    """No usable key (production)."""


def weakness(key: str | bytes | None) -> str | None:
    """Why `key` should not sign anything, or None when it may."""
    if not key:
        return "no SECRET_KEY is set"
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    if text in KNOWN_KEYS:
        return "SECRET_KEY is the published default"
    size = len(key.encode() if isinstance(key, str) else key)
    if size < MIN_BYTES:
        return f"SECRET_KEY has {size} bytes, fewer than {MIN_BYTES}"
    return None


def instance_key(instance_path: str | Path) -> str:
    """The key kept in the instance folder, written (mode 0600) when there is none yet. Two
    processes starting together agree: the key is written whole to a file of its own and then
    linked into place, which fails for the second; that one reads the first one's key."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    if not path.exists():
        key = secrets.token_hex(MIN_BYTES)
        draft = folder / f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: its key counts
        else:
            log.info("generated a new SECRET_KEY into %s", path)
        finally:
            draft.unlink()
    key = path.read_text(encoding="ascii").strip()
    if weakness(key):
        raise SecretKeyError(f"{path} holds no usable key; delete it to make a new one")
    return key


def choose_secret_key(
    configured: str | bytes | None, env_name: str, instance_path: str
) -> str | bytes:
    """The key the app signs with, given the configured one and the environment."""
    problem = weakness(configured)
    if env_name == "testing" and configured:
        return configured  # a fixed key, so tests are repeatable
    if env_name == "production":
        if problem:
            raise SecretKeyError(
                f"production refuses to start: {problem}; set SECRET_KEY to at least "
                f"{MIN_BYTES} random bytes (python3 -c 'import secrets; "
                "print(secrets.token_hex(32))')"
            )
        assert configured  # (refused above)
        return configured
    if not configured:
        return instance_key(instance_path)
    if problem:
        log.warning(
            "!!! %s: anyone who knows it can forge a session for any user. Unset SECRET_KEY "
            "to use a generated one (instance/%s), or set a random one of %s bytes or more.",
            problem,
            FILE_NAME,
            MIN_BYTES,
        )
    return configured
