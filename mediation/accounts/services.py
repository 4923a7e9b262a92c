"""Creating users and checking passwords."""

from __future__ import annotations

from sqlalchemy import func, select

from mediation.accounts.models import Role, User
from mediation.core.db import transaction
from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from mediation.orgs.services import get_by_code

MIN_PASSWORD_LENGTH = 8


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    )
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def create_user(
    username: str,
    *,
    role: str,
    org_code: str,
    password: str,
    display_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> User:
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace(".", "").isalnum()
    ):
        errors["username"] = ["Use 1–64 letters, digits, '.' or '_'."]
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        errors["username"] = [f"The username {username!r} is taken."]
    try:
        role_value = Role(role)
    except ValueError:
        errors["role"] = [
            f"Unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}."
        ]
    org = get_by_code(org_code or "")
    if org is None:
        errors["org"] = [f"Unknown organization code {org_code!r}."]
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"At least {MIN_PASSWORD_LENGTH} characters."]
    if errors:
        raise ValidationFailed(errors)
    with transaction():
        user = User(
            username=username,
            display_name=display_name or username,
            role=role_value,
            organization_id=org.id,
            email=email,
            phone=phone,
        )
        user.set_password(password)
        db.session.add(user)
    return user


def set_locale(user: User, locale: str) -> None:
    """Store a user's language preference ("" = none: follow the browser)."""
    from mediation.core.i18n import LANGUAGES
    from mediation.core.messages import N_

    if locale not in LANGUAGES and locale != "":
        raise ValidationFailed({"lang": [N_("Unknown language.")]})
    with transaction():
        db.session.get(User, user.id).locale = locale
