from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app
from flask_babel.speaklater import LazyString
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, event, inspect
from sqlalchemy.orm import InstanceState, Mapped, Mapper, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from mediation.core.clock import utcnow
from mediation.core.i18n import lazy_gettext
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model
from mediation.orgs.models import Organization


class Role(enum.StrEnum):
    admin = "admin"
    officer = "officer"
    mediator = "mediator"
    advocate = "advocate"

    @property
    def label(self) -> LazyString:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.admin: lazy_gettext("Administrator"),
    Role.officer: lazy_gettext("Escalation officer"),
    Role.mediator: lazy_gettext("Mediator"),
    Role.advocate: lazy_gettext("Rights advocate"),
}


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    # "" = no preference: the session's choice, then the browser, then Chinese
    locale: Mapped[str] = mapped_column(String(16), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Browser sessions carry the number this was when they signed in and end when it moves on
    # (`accounts.auth`): at sign-out, and whenever a change below (`SIGNS_OUT`) is written.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organization: Mapped[Organization] = relationship(lazy="joined")

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


# A change to any of these ends every browser session of the user (docs/security.md
# "Sessions"): a new password, a role or an organization with other rights, a deactivation.
SIGNS_OUT = ("password_hash", "role", "organization_id", "active")


@event.listens_for(User, "before_update")
def _end_sessions_on_change(_mapper: Mapper, _connection: object, target: User) -> None:
    state: InstanceState[User] = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in SIGNS_OUT):
        # counted in the UPDATE itself: two concurrent changes both count
        target.session_generation = User.session_generation + 1


class ApiToken(Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored: the token itself is shown
    once, when issued. Tokens expire and can be revoked; a revoked or expired token is refused
    exactly like an unknown one."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
