"""Saved filters of the case list: a user names the filters they use often and finds them in
the navigation (docs/case-list.md, "Saved filters").

A saved query string is never trusted: it is validated by `queries.CaseFilterSchema` when saved
and again every time it is used (a row edited in the database, or a filter that a later release
no longer knows, is refused, not followed)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from marshmallow import RAISE, ValidationError, fields
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from mediation.accounts.models import User
from mediation.cases.queries import CaseFilterSchema
from mediation.core.clock import utcnow
from mediation.core.db import transaction
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.messages import Message
from mediation.core.schemas import Length, StrictSchema
from mediation.core.types import UTCDateTime
from mediation.extensions import Model, db

# how many filters a user may keep (the navigation lists them all)
MAX_SAVED_FILTERS = 20
MAX_QUERY_LENGTH = 1000


class SavedFilter(Model):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(MAX_QUERY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedFilterSchema(StrictSchema):
    """`{name, query}`: `query` is the case list's query string (`state=reported&mine=true`)."""

    name = fields.String(required=True, validate=Length(min=1, max=80))
    query = fields.String(required=True, validate=Length(min=0, max=MAX_QUERY_LENGTH))


def checked_query(query: str) -> str:
    """`query` as a canonical query string of the case list's filters, or `ValidationFailed`:
    every key known, none repeated, every value valid (`CaseFilterSchema`); `page` dropped."""
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=False, strict_parsing=bool(query))
    except ValueError:
        raise ValidationFailed({"query": ["Not a query string of the case list."]}) from None
    pairs = [(k, v) for k, v in pairs if k != "page"]  # (blank values were dropped)
    keys = [k for k, _v in pairs]
    if len(set(keys)) != len(keys):
        raise ValidationFailed({"query": ["A filter is given twice."]})
    try:
        CaseFilterSchema(unknown=RAISE).load(dict(pairs))
    except ValidationError as exc:
        raise ValidationFailed({"query": exc.messages}) from None
    return urlencode(sorted(pairs))


def saved_filters(user: User) -> list[SavedFilter]:
    return list(
        db.session.scalars(
            select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(SavedFilter.name)
        )
    )


def save_filter(user: User, payload: dict) -> SavedFilter:
    """Save (or replace, by name) the user's filter."""
    try:
        data = SavedFilterSchema().load(payload)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None
    name, query = data["name"].strip(), checked_query(data["query"])
    if not name:
        raise ValidationFailed({"name": ["Name the filter."]})
    with transaction():
        existing = db.session.scalar(
            select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name)
        )
        if existing is not None:
            existing.query = query
            return existing
        count = len(saved_filters(user))
        if count >= MAX_SAVED_FILTERS:
            raise ValidationFailed(
                {
                    "name": [
                        Message(
                            "At most %(num)d saved filters; delete one first.",
                            num=MAX_SAVED_FILTERS,
                        )
                    ]
                }
            )
        saved = SavedFilter(user_id=user.id, name=name, query=query)
        db.session.add(saved)
    return saved


def own_filter(user: User, filter_id: int) -> SavedFilter:
    """The user's own filter (another user's is 404, as a missing one)."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound("No such saved filter.")
    return saved


def delete_filter(user: User, filter_id: int) -> None:
    with transaction():
        db.session.delete(own_filter(user, filter_id))
