"""Writing, listing and reading in-app notices (docs/notifications.md).

The receivers in `inbox.wiring` call `notify` inside the transaction of the change they hear
of, so a change rolled back leaves no notice behind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from marshmallow import ValidationError
from sqlalchemy import ColumnElement, CursorResult, Select, func, select, update

from mediation.accounts.models import Role, User
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import bulk_insert, literal_parameter, transaction
from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from mediation.inbox.models import InAppNotice
from mediation.inbox.schemas import MarkReadSchema

# the bell shows at most this, then "99+" (as the alert badge does)
BELL_LIMIT = 99


def active_officer_ids(org_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active officers of each organization, by organization."""
    found: dict[int, list[int]] = {}
    ids = sorted(set(org_ids))
    if not ids:
        return found
    for user_id, org_id in db.session.execute(
        select(User.id, User.organization_id).where(
            User.organization_id.in_(ids), User.role == Role.officer, User.active.is_(True)
        )
    ):
        found.setdefault(org_id, []).append(user_id)
    return found


def notify(
    user_ids: Iterable[int | None],
    kind: str,
    now: datetime,
    *,
    actor_id: int | None = None,
    case_id: int | None = None,
    incident_id: int | None = None,
    alert_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """One notice for each distinct user, except the one who acted (nobody is told of their
    own act), in the caller's transaction."""
    rows = [
        {
            "user_id": uid, "kind": kind, "case_id": case_id, "incident_id": incident_id,
            "alert_id": alert_id, "params": params or {}, "created_at": now, "read_at": None,
        }
        for uid in dict.fromkeys(u for u in user_ids if u is not None and u != actor_id)
    ]  # fmt: skip
    write(rows)
    return len(rows)


def write(rows: list[dict[str, Any]]) -> None:
    bulk_insert(InAppNotice.__table__, rows)


def my_notices(user: User) -> Select[InAppNotice]:
    """The user's notices, newest first (the (user_id, id) index)."""
    return select(InAppNotice).where(InAppNotice.user_id == user.id).order_by(InAppNotice.id.desc())


def mark_read(user: User, ids: list[int] | None = None, *, now: datetime | None = None) -> int:
    """Mark the user's unread notices read: those of `ids` (others' ids are ignored), or all
    of them. Answers how many changed."""
    now = ensure_utc(now or utcnow())
    stmt = update(InAppNotice).where(InAppNotice.user_id == user.id, InAppNotice.read_at.is_(None))
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(InAppNotice.id.in_(ids))
    # (the caller's objects stay loaded: the notices page shows the ones it just marked without
    # reading each again)
    with transaction(expire_on_commit=False):
        result = db.session.execute(
            stmt.values(read_at=now).execution_options(synchronize_session=False)
        )
    return cast(CursorResult, result).rowcount or 0


def mark_read_payload(user: User, payload: dict | None) -> int:
    """`mark_read` for the API's body (`{"ids": [...]}`, or `{}` for all): 422 on bad input."""
    try:
        data = MarkReadSchema().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None
    return mark_read(user, data.get("ids"))


def unread_count_column(_dialect: str) -> ColumnElement[int]:
    """A user's unread notices, counted up to `BELL_LIMIT` + 1, as a scalar correlated to
    `users`: read with the signed-in user on every page (`accounts.auth.SESSION_USER_EXTRAS`),
    from the (user_id, read_at) index alone."""
    unread = (
        select(InAppNotice.user_id)  # (a column of the index: an index-only scan)
        .where(InAppNotice.user_id == User.id, InAppNotice.read_at.is_(None))
        .correlate(User)
        .limit(literal_parameter(value=BELL_LIMIT + 1))
        .subquery()
    )
    return select(func.count()).select_from(unread).scalar_subquery()


def unread_count(user: User) -> int:
    return db.session.scalar(select(unread_count_column("")).where(User.id == user.id)) or 0
