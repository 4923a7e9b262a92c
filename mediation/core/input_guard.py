"""Refuse text no database can store, before any view sees it.

PostgreSQL rejects the NUL character in text, and a lone UTF-16 surrogate (which JSON's `\\ud800`
escapes can produce) cannot be encoded at all; either would otherwise surface as a server error
deep inside a query. Every query-string value, form value and JSON string is checked once here,
and the request is refused with a 422 naming the fields.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from mediation.core.errors import ValidationFailed
from mediation.core.messages import N_

MESSAGE = N_("Contains characters that cannot be stored (NUL or an unpaired surrogate).")


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [] if storable(value) else [path or "_schema"]
    if isinstance(value, dict):
        found = []
        for key, inner in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not storable(key):
                found.append(path or "_schema")
            found.extend(_bad_paths(inner, name))
        return found
    if isinstance(value, list):
        return [p for item in value for p in _bad_paths(item, path)]
    return []


def check_request_text() -> None:
    bad = _bad_paths(request.args.to_dict())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        bad += _bad_paths(request.form.to_dict())
    elif request.is_json:
        bad += _bad_paths(request.get_json(silent=True))
    if bad:
        raise ValidationFailed({path: [MESSAGE] for path in dict.fromkeys(bad)})


def init_input_guard(app: Flask) -> None:
    app.before_request(check_request_text)
