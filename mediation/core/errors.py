"""Domain errors raised by services and mapped to HTTP answers by the web layer.

Services raise these after rolling back, so a caller that catches one knows nothing was written.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self, message: str, fields: dict[str, list[str]] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra


class NotFound(DomainError):
    """Missing, or outside the caller's scope: the two are indistinguishable on purpose."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **extra: Any) -> None:
        super().__init__(message, **extra)


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    """The action is not allowed in the object's current state, or the version is stale."""

    status_code = 409
    code = "conflict"


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"

    def __init__(
        self, fields: dict[str, Any] | list[Any], message: str = "The input is not valid."
    ) -> None:
        super().__init__(message, fields=normalize_field_errors(fields))


def _text(message: object) -> str:
    """A message as text, a `core.messages.Message` kept as it is (`str()` would drop its msgid
    and values)."""
    return message if isinstance(message, str) else str(message)


def normalize_field_errors(fields: dict[str, Any] | list[Any]) -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages to {field: [message, ...]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (dict, list, tuple)):
                    walk(prefix, item)
                else:
                    flat.setdefault(prefix or "_schema", []).append(_text(item))
        else:
            flat.setdefault(prefix or "_schema", []).append(_text(value))

    walk("", fields)
    return flat
