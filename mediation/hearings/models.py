"""Hearing points and hearings of the workers' circuit court."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model
from mediation.hearings.enums import HearingKind, HearingOutcome, HearingStatus, PartnerKind
from mediation.orgs.models import Organization


class HearingPoint(Model):
    """A place in a town where a court or arbitration commission sits, hosted by a union."""

    __tablename__ = "hearing_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_kind: Mapped[PartnerKind] = mapped_column(enum_column(PartnerKind, "partner_kind"))
    partner_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")


class Hearing(Model):
    """A sitting at a point for a case. `reminded_at` is set in the transaction that queues the
    day-before reminders, so that they are queued once (services.queue_reminders)."""

    __tablename__ = "hearings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "workers_attending IS NULL OR workers_attending >= 0", name="workers_attending"
        ),
        Index("ix_hearings_point_starts", "point_id", "starts_at"),
        Index("ix_hearings_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("hearing_points.id"))
    kind: Mapped[HearingKind] = mapped_column(enum_column(HearingKind, "hearing_kind"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[HearingStatus] = mapped_column(
        enum_column(HearingStatus, "hearing_status"), default=HearingStatus.scheduled
    )
    outcome: Mapped[HearingOutcome | None] = mapped_column(
        enum_column(HearingOutcome, "hearing_outcome")
    )
    outcome_note: Mapped[str | None] = mapped_column(Text)
    workers_attending: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    point: Mapped[HearingPoint] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
