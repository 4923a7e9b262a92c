"""Flask-Login wiring and the small helpers views use to require a role."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_login import login_url, login_user, logout_user
from sqlalchemy import ColumnElement, bindparam, select

from mediation.accounts.models import User
from mediation.accounts.services import end_sessions
from mediation.core.api import is_api_request
from mediation.core.i18n import lazy_gettext
from mediation.core.web import carried_fields, resubmit_page
from mediation.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please sign in first.")
    login_manager.localize_callback = str  # the flash is stored in the session as text
    login_manager.session_protection = "strong"
    # Flask-Login's own identifier reads X-Forwarded-For as the client sends it; this one takes
    # the address Werkzeug trusts (rewritten by ProxyFix only behind PROXY_COUNT proxies)
    login_manager._session_identifier_generator = _session_identifier
    login_manager.unauthorized_handler(_unauthorized)

    from mediation.accounts.scope import forget_scopes

    app.before_request(forget_scopes)
    app.before_request(_forget_session_user_extras)
    app.teardown_request(_forget_session_user_extras)


def _unauthorized() -> ResponseReturnValue:
    """A form posted after the session ended keeps what was typed: sign in on the same page and
    it goes again (core.web.resubmit_page); everything else goes to the login page as usual."""
    if request.method == "POST" and request.form and not is_api_request():
        return resubmit_page(request.full_path.rstrip("?"), carried_fields(request.form), 401)
    # otherwise what Flask-Login does by default
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def _session_identifier() -> str:
    """What a session is bound to under "strong" protection: the client's address and browser."""
    agent = request.headers.get("User-Agent", "")
    return hashlib.sha512(f"{request.remote_addr}|{agent}".encode()).hexdigest()


# Columns other packages add to the signed-in user's lookup: name -> a factory (given the
# database kind) of a scalar correlated to `users`. What every page shows about its viewer (the
# alert badge) then comes in the statement that loads the viewer, not in one more round trip.
# The values are read with `session_user_extra`.
SESSION_USER_EXTRAS: dict[str, Callable[[str], ColumnElement]] = {}


def session_user_extra(name: str, user_id: int):
    """This request's value of the extra column `name` of the session's lookup of the user
    `user_id`, or None when that user was not loaded from the session in this request (or no
    such column exists)."""
    loaded = g.get("_session_user_extras")
    if loaded is None or loaded[0] != user_id:
        return None
    return loaded[1].get(name)


def _forget_session_user_extras(_exc: BaseException | None = None) -> None:
    g.pop("_session_user_extras", None)


@functools.lru_cache(maxsize=8)
def _user_lookup(dialect: str, extras: tuple[str, ...]):
    """One statement: the user, their scope (the organizations below theirs, with their
    names) and the extra columns. Built once per database kind: every signed-in page runs it."""
    from mediation.accounts.scope import subtree_ids_column

    columns = [SESSION_USER_EXTRAS[name](dialect).label(name) for name in extras]
    scope = subtree_ids_column(User.organization_id, dialect, names=True)
    return select(User, scope, *columns).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    from mediation.accounts.scope import remember_scope

    try:
        user_pk = int(user_id)
    except (TypeError, ValueError):
        return None
    extras = tuple(SESSION_USER_EXTRAS)
    found = db.session.execute(
        _user_lookup(db.session.get_bind().dialect.name, extras), {"user_id": user_pk}
    ).first()
    if found is None or not found[0].active:
        return None
    if session.get(SESSION_GENERATION) != found[0].session_generation:
        return None  # signed out, or the account changed since this session signed in
    remember_scope(found[0].organization_id, found[1])
    g._session_user_extras = (found[0].id, dict(zip(extras, found[2:], strict=True)))
    return found[0]


# the session key holding the user's `session_generation` at sign-in (docs/security.md
# "Sessions"): the cookie alone, replayed after sign-out, no longer says who anyone is
SESSION_GENERATION = "_session_generation"


def _new_csrf_token() -> None:
    """Drop the session's CSRF secret (Flask-WTF makes a new one for the next form), so that a
    token seen before sign-in or sign-out, by whoever planted or read it, stops working there
    (docs/security.md "Sessions")."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)


def sign_in(user: User) -> None:
    """Start a browser session for `user`, bound to their current session generation."""
    login_user(user)
    session[SESSION_GENERATION] = user.session_generation
    _new_csrf_token()


def sign_out(user: User) -> None:
    """End this session and every other browser session of `user`."""
    end_sessions(user.id)
    logout_user()
    session.pop(SESSION_GENERATION, None)
    _new_csrf_token()


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no `//evil` or `/\\evil` tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch in target for ch in "\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
