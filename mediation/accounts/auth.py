"""Flask-Login wiring and the small helpers views use to require a role."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from mediation.accounts.models import User
from mediation.core.i18n import lazy_gettext
from mediation.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please sign in first.")
    login_manager.localize_callback = str  # the flash is stored in the session as text
    login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no `//evil` or `/\\evil` tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch in target for ch in "\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
