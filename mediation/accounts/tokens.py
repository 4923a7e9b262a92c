"""API bearer tokens: issued for a username and password, stored hashed, expiring, revocable."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, bindparam, select, update

from mediation.accounts.models import ApiToken, User
from mediation.accounts.services import authenticate
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import DomainError
from mediation.extensions import db

TOKEN_PREFIX = "med_"
# last_used_at is written at most this often per token, so reads do not all become writes
LAST_USED_RESOLUTION = timedelta(minutes=5)


class BadCredentials(DomainError):
    status_code = 401
    code = "unauthorized"


def hash_token(token: str) -> str:
    """Tokens are 256 random bits, so one SHA-256 is enough (no slow hash needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(
    username: str, password: str, *, name: str | None = None, now: datetime | None = None
) -> tuple[str, ApiToken]:
    """A new token for valid credentials; the plain token is returned once and never stored."""
    user = authenticate(username, password)
    if user is None:
        raise BadCredentials("wrong username or password, or the account is deactivated")
    return issue_token_for(user, name=name, now=now)


def issue_token_for(
    user: User, *, name: str | None = None, now: datetime | None = None
) -> tuple[str, ApiToken]:
    """A new token for a user whose credentials were checked (and counted: `accounts.throttle`)."""
    now = ensure_utc(now or utcnow())
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    with transaction():
        row = ApiToken(
            user_id=user.id,
            token_hash=hash_token(token),
            name=name,
            created_at=now,
            expires_at=now + ttl,
        )
        db.session.add(row)
    return token, row


@functools.lru_cache(maxsize=4)
def _token_lookup(dialect: str):
    """One statement: the token, its user and the user's scope (the organizations below
    theirs). Built once per database kind: every API request runs it."""
    from mediation.accounts.scope import subtree_ids_column

    return (
        select(
            User, ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at,
            subtree_ids_column(User.organization_id, dialect),
        )
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )  # fmt: skip


def user_for_token(token: str, *, now: datetime | None = None) -> User | None:
    """The active user a valid token belongs to, or None for unknown/expired/revoked tokens."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = ensure_utc(now or utcnow())
    from mediation.accounts.scope import remember_scope

    found = db.session.execute(
        _token_lookup(db.session.get_bind().dialect.name), {"token_hash": hash_token(token)}
    ).first()
    if found is None:
        return None
    user, token_id, revoked_at, expires_at, last_used_at, scope_ids = found
    if revoked_at is not None or ensure_utc(expires_at) <= now or not user.active:
        return None
    remember_scope(user.organization_id, scope_ids)
    if last_used_at is None or ensure_utc(last_used_at) < now - LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()
    return user


def revoke_token(token: str, *, now: datetime | None = None) -> bool:
    now = ensure_utc(now or utcnow())
    with transaction():
        result = cast(
            "CursorResult[Any]",  # (an UPDATE's result, with its row count)
            db.session.execute(
                update(ApiToken)
                .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
                .values(revoked_at=now)
            ),
        )
    return result.rowcount > 0
