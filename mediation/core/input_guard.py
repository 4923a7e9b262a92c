"""Refuse text no database can store, before any view sees it.

PostgreSQL rejects the NUL character in text, and a lone UTF-16 surrogate (which JSON's `\\ud800`
escapes can produce) cannot be encoded at all; either would otherwise surface as a server error
deep inside a query. Every query-string value, form value and JSON string is checked once here,
and the request is refused with a 422 naming the fields.

A JSON body nested deeper than `core.jsonio.MAX_DEPTH` is refused first, with a 400 (the API's
error shape under /api/, the error page elsewhere), and the walk below keeps its own stack:
neither can exhaust Python's. A client's bad input is never logged as a traceback.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from mediation.core.errors import DomainError, ValidationFailed
from mediation.core.jsonio import JSONInputError, JSONTooDeep, load_json
from mediation.core.messages import N_

MESSAGE = N_("Contains characters that cannot be stored (NUL or an unpaired surrogate).")
TOO_DEEP = N_("The request's JSON is nested too deeply.")


class MalformedInput(DomainError):
    """A request no view should see (a 400, not a 422: there are no fields to name)."""

    status_code = 400
    code = "bad_request"


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_paths(value: Any) -> list[str]:
    """The dotted paths of the strings (and keys) in `value` no database can store, in
    document order; walked with a stack of its own, not by recursion."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                found.append(path or "_schema")
        elif isinstance(item, dict):
            children = []
            for key, inner in item.items():
                if isinstance(key, str) and not storable(key):
                    found.append(path or "_schema")
                children.append((inner, f"{path}.{key}" if path else str(key)))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend((inner, path) for inner in reversed(item))
    return found


def _request_json() -> Any:
    """The body read as JSON (None when it is none or malformed: the API's `json_body` says
    so, pages ignore it); too deep a body is refused here, before anyone walks it."""
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        return load_json(raw)
    except JSONTooDeep:
        raise MalformedInput(TOO_DEEP) from None
    except JSONInputError:
        return None


def check_request_text() -> None:
    bad = _bad_paths(request.args.to_dict())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        bad += _bad_paths(request.form.to_dict())
    elif request.is_json:
        bad += _bad_paths(_request_json())
    if bad:
        raise ValidationFailed({path: [MESSAGE] for path in dict.fromkeys(bad)})


def init_input_guard(app: Flask) -> None:
    app.before_request(check_request_text)
