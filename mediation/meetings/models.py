"""Joint meetings and their action items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.core.types import UTCDateTime, enum_column
from mediation.enterprises.models import Enterprise
from mediation.extensions import Model, db
from mediation.meetings.enums import Body, ItemStatus, MeetingKind
from mediation.orgs.models import Organization

action_item_cases = Table(
    "action_item_cases",
    db.metadata,
    Column("action_item_id", ForeignKey("action_items.id"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), primary_key=True, index=True),
)

action_item_enterprises = Table(
    "action_item_enterprises",
    db.metadata,
    Column("action_item_id", ForeignKey("action_items.id"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprises.id"), primary_key=True, index=True),
)


class Meeting(Model):
    """A meeting the union convened (city or town): who sat, what was on the agenda, the
    minutes. `bodies` holds the codes of `Body`."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_kind_held_on", "kind", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, "meeting_kind"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    bodies: Mapped[list[str]] = mapped_column(JSON, default=list)
    agenda: Mapped[str] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[ActionItem]] = relationship(
        back_populates="meeting", order_by="ActionItem.due_on, ActionItem.id"
    )
    attachments: Mapped[list[MeetingAttachment]] = relationship(
        back_populates="meeting", order_by="MeetingAttachment.id"
    )

    @property
    def body_members(self) -> list[Body]:
        return [Body(code) for code in self.bodies or [] if code in Body._value2member_map_]


class ActionItem(Model):
    """A task a meeting gave one body, by a date. `overdue_notified_at` is set in the transaction
    that tells the city officers it is overdue, so that they are told once."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_body: Mapped[Body] = mapped_column(enum_column(Body, "action_owner_body"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ItemStatus] = mapped_column(
        enum_column(ItemStatus, "action_item_status"), default=ItemStatus.open
    )
    done_on: Mapped[date | None] = mapped_column(Date)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    cases: Mapped[list[Case]] = relationship(secondary=action_item_cases)
    enterprises: Mapped[list[Enterprise]] = relationship(secondary=action_item_enterprises)

    def is_overdue(self, today: date) -> bool:
        return self.status == ItemStatus.open and self.due_on < today


class MeetingAttachment(Model):
    """A file of a meeting (the signed minutes, a handout, a photo). The bytes live in the
    attachment store under their SHA-256, shared with case evidence (`core.uploads`); the row
    keeps the sanitised name (docs/circuit-court-and-meetings.md "Attachments")."""

    __tablename__ = "meeting_attachments"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()
