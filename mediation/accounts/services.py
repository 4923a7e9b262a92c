"""Creating and managing users, checking passwords."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import Select, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from mediation.accounts.models import ApiToken, Role, User
from mediation.core.clock import utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import N_, Message
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import get_by_code, org_by_id

MIN_PASSWORD_LENGTH = 8


_dummy_hashes: dict[str, str] = {}


def _burn_password_check(password: str) -> None:
    """Spend what a real password check costs, so an unknown or inactive username answers as
    slowly as a wrong password (no timing oracle for which usernames exist)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-password", method=method)
    check_password_hash(_dummy_hashes[method], password)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer, and about the same time,
    for every failure)."""
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    )
    if user is None or not user.active:
        _burn_password_check(password or "")
        return None
    if not user.check_password(password or ""):
        return None
    return user


def _revoke_api_tokens(user: User) -> None:
    """Inside the caller's transaction: every API token of the user stops working for good."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


USERNAME_MAX = 64
DISPLAY_NAME_MAX = 100
EMAIL_MAX = 200
PHONE_MAX = 32
PASSWORD_MAX = 256


def end_sessions(user_id: int) -> None:
    """Every browser session of the user ends (sign-out; `models.SIGNS_OUT` does the same for
    a new password, role, organization or deactivation)."""
    with transaction():
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(session_generation=User.session_generation + 1)
        )


def _password_errors(password: str | None) -> list[str]:
    length = len(password or "")
    if length < MIN_PASSWORD_LENGTH:
        return [Message("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH)]
    if length > PASSWORD_MAX:
        return [Message("At most %(n)s characters.", n=PASSWORD_MAX)]
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
        errors["username"] = [Message("The username %(name)s is taken.", name=repr(username))]
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
    if (
        "role" not in errors and org is not None
        and role_value == Role.officer and org.tier == Tier.grassroots
    ):  # fmt: skip
        # escalation officers sit where alerts arrive: a town union or the city federation
        errors["role"] = [N_("Escalation officers belong to a town union or the city federation.")]
    if display_name and len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = [Message("At most %(n)s characters.", n=DISPLAY_NAME_MAX)]
    if email and (len(email) > EMAIL_MAX or not EMAIL.fullmatch(email)):
        errors["email"] = [N_("Not a valid e-mail address.")]
    if phone and (len(phone) > PHONE_MAX or not PHONE.fullmatch(phone)):
        errors["phone"] = [N_("Not a valid phone number.")]
    if password_errors := _password_errors(password):
        errors["password"] = password_errors
    if errors:
        raise ValidationFailed(errors)
    assert org is not None  # (refused above)
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
        raise NotFound("User not found.")
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
            raise NotFound("User not found.")
        if not active and user.id == actor.id:
            raise Conflict(N_("You cannot deactivate your own account."))
        user.active = active
        if not active:  # reactivation must not bring old tokens back
            _revoke_api_tokens(user)
    return user


def reset_password(actor: User, user_id: int, password: str) -> User:
    with transaction():
        _require_admin(actor)
        user = db.session.get(User, user_id, with_for_update={"of": User})
        if user is None:
            raise NotFound("User not found.")
        if errors := _password_errors(password):
            raise ValidationFailed({"password": errors})
        user.set_password(password)
        _revoke_api_tokens(user)
    return user


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise PermissionDenied("Administrators only.")


def set_locale(user: User, locale: str) -> None:
    """Store a user's language preference ("" = none: follow the browser)."""
    from mediation.core.i18n import LANGUAGES
    from mediation.core.messages import N_

    if locale not in LANGUAGES and locale != "":
        raise ValidationFailed({"lang": [N_("Unknown language.")]})
    with transaction():
        stored = db.session.get(User, user.id)
        assert stored is not None  # (the signed-in user)
        stored.locale = locale
