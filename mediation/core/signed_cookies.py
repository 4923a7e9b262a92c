"""The session cookie and the forms' CSRF token, each signed or checked once per value.

Flask builds the session cookie's serializer (and derives its key) on every request, then
checks the signature of a cookie that the browser sends back unchanged request after request;
Flask-WTF signs the session's CSRF token anew for every page. Together they were about a
twentieth of the case list page's CPU (docs/performance.md, "Signed cookies checked once").
Here a checked cookie value and a signed token are remembered per worker, keyed by the secret
that made them, so neither stays valid any longer than Flask's own checks would allow.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from flask import Flask, Request, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer

# distinct session cookies a worker remembers as checked (each a few hundred bytes)
VERIFIED_COOKIES_KEPT = 4096
# distinct CSRF tokens a worker remembers as signed
SIGNED_TOKENS_KEPT = 4096


def _now() -> int:
    """Seconds since the epoch, as itsdangerous counts a signature's age."""
    return int(time.time())


@functools.lru_cache(maxsize=VERIFIED_COOKIES_KEPT)
def _checked_cookie(serializer: URLSafeTimedSerializer, value: str) -> tuple[Any, int]:
    """The contents of a session cookie whose signature is good, with the moment it was
    signed; raises BadSignature otherwise (and nothing is remembered). The age is not checked
    here: it grows, so the caller checks it on every request."""
    data, signed_at = serializer.loads(value, return_timestamp=True)
    return data, int(signed_at.timestamp())


def _private_copy(value: Any) -> Any:
    """A copy of session contents that shares no list or dictionary with the remembered ones:
    Flask's `flash` appends to the list it finds in the session."""
    if isinstance(value, dict):
        return {key: _private_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_private_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_private_copy(item) for item in value)
    return value


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its serializer kept per secret key and a checked
    cookie value remembered. Every request still refuses a cookie older than
    PERMANENT_SESSION_LIFETIME (or signed in the future), as Flask does, and gets its own copy
    of the session's contents."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            if len(self._serializers) > 8:  # keys rotated many times: keep only the new one
                self._serializers.clear()
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = _checked_cookie(serializer, value)
        except BadSignature:
            return self.session_class()
        age = _now() - signed_at
        if age < 0 or age > int(app.permanent_session_lifetime.total_seconds()):
            return self.session_class()
        return self.session_class(_private_copy(data))


@functools.lru_cache(maxsize=SIGNED_TOKENS_KEPT)
def _signed_token(secret_key: str | bytes, raw_token: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").dumps(raw_token)


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf` (the forms' hidden `csrf_token`), with the signed token
    remembered per session token while tokens do not expire (WTF_CSRF_TIME_LIMIT = None, as
    configured): the signature's moment is then never read, so an earlier signature of the same
    session token is as good as a new one. With a time limit, every page signs anew."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    raw = session.get(field)
    secret = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
    # (Flask-WTF's own default is an hour)
    if (
        not isinstance(raw, str)
        or not secret
        or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None
    ):
        return generate_csrf()
    token = _signed_token(secret, raw)
    setattr(g, field, token)
    return token


def init_signed_cookies(app: Flask) -> None:
    """Use these for the session and for templates' `csrf_token()`. Call after
    CSRFProtect.init_app: its context processor hands templates `generate_csrf`, and a later
    processor's value wins."""
    app.session_interface = SessionCookies()
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
