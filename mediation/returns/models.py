"""A return, its submitted versions (each a frozen snapshot) and its audit trail
(docs/returns.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.core.clock import utcnow
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model
from mediation.orgs.models import Organization
from mediation.returns.periods import PeriodKind, ReturnPeriod
from mediation.returns.workflow import ReturnState


class Return(Model):
    """One union's return for one period: the draft's sections, its state, its versions."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("organization_id", "period_kind", "period_start", name="uq_return_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    period_kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind, "return_period_kind"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    state: Mapped[ReturnState] = mapped_column(
        enum_column(ReturnState, "return_state"), default=ReturnState.draft
    )
    # the officer-written sections: the cases cited as typical (ids) and the text
    typical_case_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    typical_cases: Mapped[str] = mapped_column(Text, default="")
    main_problems: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    # bumped on every change: a form or client that saw an older one gets 409
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User] = relationship()
    versions: Mapped[list[ReturnVersion]] = relationship(
        back_populates="return_", order_by="ReturnVersion.number"
    )
    events: Mapped[list[ReturnEvent]] = relationship(order_by="ReturnEvent.id")

    @property
    def period(self) -> ReturnPeriod:
        return ReturnPeriod(PeriodKind(self.period_kind), self.year, self.number)

    @property
    def latest_version(self) -> ReturnVersion | None:
        return self.versions[-1] if self.versions else None


class ReturnVersion(Model):
    """What one submission sent: the tables and sections frozen then, and what became of it."""

    __tablename__ = "return_versions"
    __table_args__ = (UniqueConstraint("return_id", "number", name="uq_return_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"))
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # approved, sent back or filed (a city's own return); none while it waits
    decision: Mapped[str | None] = mapped_column(String(20))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    return_: Mapped[Return] = relationship(back_populates="versions")
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ReturnEvent(Model):
    """Who did what to a return, when (created, sections saved, submitted, approved, sent
    back, filed)."""

    __tablename__ = "return_events"
    __table_args__ = (Index("ix_return_events_return", "return_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"))
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    version_number: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()
