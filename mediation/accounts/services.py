"""Creating and managing users, checking passwords."""

from __future__ import annotations

import re

from sqlalchemy import Select, func, select

from mediation.accounts.models import Role, User
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import N_
from mediation.extensions import db
from mediation.orgs.models import Organization
from mediation.orgs.services import get_by_code, org_by_id

MIN_PASSWORD_LENGTH = 8


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    )
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


USERNAME_MAX = 64
DISPLAY_NAME_MAX = 100
EMAIL_MAX = 200
PHONE_MAX = 32
PASSWORD_MAX = 256


def _password_errors(password: str | None) -> list[str]:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return [N_("At least %(n)s characters.") % {"n": MIN_PASSWORD_LENGTH}]
    if len(password) > PASSWORD_MAX:
        return [N_("At most %(n)s characters.") % {"n": PASSWORD_MAX}]
    return []


def create_user(
    username: str,
    *,
    role: str,
    org_code: str | None = None,
    org_id: int | str | None = None,
    password: str,
    display_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> User:
    """Create a user (the organization given by code or by id). Bad input raises
    `ValidationFailed` with a message per field and writes nothing."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    display_name = (display_name or "").strip() or None
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if (
        not username
        or len(username) > USERNAME_MAX
        or not username.isascii()
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
    if org_code is not None:
        org = get_by_code(org_code or "")
        if org is None:
            errors["org"] = [f"Unknown organization code {org_code!r}."]
    else:
        org = org_by_id(org_id)
        if org is None:
            errors["org"] = [N_("Choose an organization.")]
    if display_name and len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = [N_("At most %(n)s characters.") % {"n": DISPLAY_NAME_MAX}]
    if email and (len(email) > EMAIL_MAX or not EMAIL.fullmatch(email)):
        errors["email"] = [N_("Not a valid e-mail address.")]
    if phone and (len(phone) > PHONE_MAX or not PHONE.fullmatch(phone)):
        errors["phone"] = [N_("Not a valid phone number.")]
    if password_errors := _password_errors(password):
        errors["password"] = password_errors
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


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,30}")


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    return user


def list_users(
    *, role: str | None = None, org_id: int | None = None, active: bool | None = None
) -> Select:
    """A SELECT of users, filtered; ordered by organization code, then username."""
    stmt = select(User).join(User.organization).order_by(Organization.code, User.username)
    if role:
        stmt = stmt.where(User.role == Role(role))
    if org_id:
        stmt = stmt.where(User.organization_id == org_id)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt


def set_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate (the user can no longer log in; their session ends at the next request) or
    reactivate a user. Administrators cannot deactivate themselves."""
    with transaction():
        _require_admin(actor)
        user = db.session.get(User, user_id, with_for_update={"of": User})
        if user is None:
            raise NotFound("user not found")
        if not active and user.id == actor.id:
            raise Conflict(N_("You cannot deactivate your own account."))
        user.active = active
    return user


def reset_password(actor: User, user_id: int, password: str) -> User:
    with transaction():
        _require_admin(actor)
        user = db.session.get(User, user_id, with_for_update={"of": User})
        if user is None:
            raise NotFound("user not found")
        if errors := _password_errors(password):
            raise ValidationFailed({"password": errors})
        user.set_password(password)
    return user


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise PermissionDenied("administrators only")


def set_locale(user: User, locale: str) -> None:
    """Store a user's language preference ("" = none: follow the browser)."""
    from mediation.core.i18n import LANGUAGES
    from mediation.core.messages import N_

    if locale not in LANGUAGES and locale != "":
        raise ValidationFailed({"lang": [N_("Unknown language.")]})
    with transaction():
        db.session.get(User, user.id).locale = locale
