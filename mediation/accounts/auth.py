"""Flask-Login wiring and the small helpers views use to require a role."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import bindparam, select

from mediation.accounts.models import User
from mediation.core.i18n import lazy_gettext
from mediation.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please sign in first.")
    login_manager.localize_callback = str  # the flash is stored in the session as text
    login_manager.session_protection = "strong"

    from mediation.accounts.scope import forget_scopes

    app.before_request(forget_scopes)


@functools.lru_cache(maxsize=4)
def _user_lookup(dialect: str):
    """One statement: the user and their scope (the organizations below theirs). Built once
    per database kind: every signed-in page runs it."""
    from mediation.accounts.scope import subtree_ids_column

    return select(User, subtree_ids_column(User.organization_id, dialect)).where(
        User.id == bindparam("user_id")
    )


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    from mediation.accounts.scope import remember_scope

    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    found = db.session.execute(
        _user_lookup(db.session.get_bind().dialect.name), {"user_id": user_id}
    ).first()
    if found is None or not found[0].active:
        return None
    remember_scope(found[0].organization_id, found[1])
    return found[0]


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no `//evil` or `/\\evil` tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch in target for ch in "\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
