"""A union's labour-law supervision notice to an enterprise (劳动法律监督意见书 / 建议书) and its
follow-up: the enterprise's reply and the verification of the rectification
(docs/enterprise-file.md "Supervision notices")."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
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
from mediation.labour_supervision.enums import OUTSTANDING, NoticeKind, NoticeStatus
from mediation.orgs.models import Organization

supervision_notice_cases = Table(
    "supervision_notice_cases",
    db.metadata,
    Column("notice_id", ForeignKey("supervision_notices.id"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), primary_key=True, index=True),
)


class SupervisionNotice(Model):
    """What the union found at the enterprise, what it must rectify and by when; then the
    enterprise's reply and whether the union found the rectification done."""

    __tablename__ = "supervision_notices"
    __table_args__ = (CheckConstraint("deadline >= issued_on", name="deadline_not_before_issue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind, "supervision_notice_kind"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text)
    rectification: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[NoticeStatus] = mapped_column(
        enum_column(NoticeStatus, "supervision_notice_status"), default=NoticeStatus.issued
    )
    reply_on: Mapped[date | None] = mapped_column(Date)
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rectified: Mapped[bool | None] = mapped_column(Boolean)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verification_note: Mapped[str | None] = mapped_column(Text)
    # when the overdue check must next look at it (the sweep's claim): the local midnight after
    # the deadline while the rectification is outstanding, else NULL
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organization: Mapped[Organization] = relationship(lazy="joined")
    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    reply_recorded_by: Mapped[User | None] = relationship(foreign_keys=[reply_recorded_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    cases: Mapped[list[Case]] = relationship(secondary=supervision_notice_cases, order_by=Case.id)

    @property
    def case_ids(self) -> list[int]:
        return [c.id for c in self.cases]

    @property
    def number(self) -> str:
        """The document's number: the year of issue and the row's id."""
        return f"{self.issued_on.year}-{self.id:04d}"

    @property
    def is_outstanding(self) -> bool:
        return self.status in OUTSTANDING

    def is_overdue(self, today: date) -> bool:
        """Overdue from the day after the deadline (local date), while not verified done."""
        return self.is_outstanding and today > self.deadline
