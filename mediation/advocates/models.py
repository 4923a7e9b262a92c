"""An advocate's profile, training sessions and attendance (docs/worker-services.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.core.clock import utcnow
from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model, db
from mediation.orgs.models import Organization


class AdvocateStatus(LabelledEnum):
    active = "active"
    paused = "paused"
    left = "left"


class TrainingKind(LabelledEnum):
    introductory = "introductory"
    specialised = "specialised"
    refresher = "refresher"


set_labels(
    {
        AdvocateStatus.active: lazy_gettext("Active"),
        AdvocateStatus.paused: lazy_gettext("Paused"),
        AdvocateStatus.left: lazy_gettext("Left the team"),
        TrainingKind.introductory: lazy_gettext("Introductory training"),
        TrainingKind.specialised: lazy_gettext("Specialised training"),
        TrainingKind.refresher: lazy_gettext("Refresher training"),
    }
)


class AdvocateProfile(Model):
    """The team member behind a user of role advocate; the area is the user's organization."""

    __tablename__ = "advocate_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    specialties: Mapped[str | None] = mapped_column(String(300))
    recruited_on: Mapped[date] = mapped_column(Date)
    status: Mapped[AdvocateStatus] = mapped_column(
        enum_column(AdvocateStatus, "advocate_status"), default=AdvocateStatus.active
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


training_attendance = Table(
    "training_attendance",
    db.metadata,
    Column("session_id", ForeignKey("training_sessions.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class TrainingSession(Model):
    __tablename__ = "training_sessions"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TrainingKind] = mapped_column(enum_column(TrainingKind, "training_kind"))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)  # hours × 60: whole minutes, no float
    trainer: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    attendees: Mapped[list[User]] = relationship(
        secondary=training_attendance, order_by=User.display_name
    )

    @property
    def hours(self) -> float:
        return self.minutes / 60
