"""A mass incident of workers and the reports made about it (docs/incidents.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
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
from mediation.incidents.enums import IncidentCause, IncidentStatus, ReportChannel, ReportKind
from mediation.orgs.models import Organization

incident_cases = Table(
    "incident_cases",
    db.metadata,
    Column("incident_id", ForeignKey("incidents.id"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), primary_key=True, index=True),
)


class Incident(Model):
    """A gathering, petition, road blocking, work stoppage or extreme act of workers over a
    labour issue, as the reporting union knows it. The facts known in the first minutes are
    required; the rest (the written report's seven elements) are filled in later."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("participants >= 1", name="participants_positive"),
        CheckConstraint(
            "enterprise_id IS NOT NULL OR employer_name IS NOT NULL", name="employer_known"
        ),
        # the board: ongoing incidents, newest first
        Index("ix_incidents_status_started", "status", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    employer_name: Mapped[str | None] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    learned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    participants: Mapped[int] = mapped_column(Integer)
    behaviours: Mapped[list[str]] = mapped_column(JSON, default=list)
    cause: Mapped[IncidentCause] = mapped_column(enum_column(IncidentCause, "incident_cause"))
    description: Mapped[str | None] = mapped_column(Text)
    demands: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    nature: Mapped[str | None] = mapped_column(Text)
    trend: Mapped[str | None] = mapped_column(Text)
    escalation_risk: Mapped[str | None] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    status: Mapped[IncidentStatus] = mapped_column(
        enum_column(IncidentStatus, "incident_status"), default=IncidentStatus.ongoing
    )
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # when the report chain or an alert's climb may next need a look (the sweep's claim)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organization: Mapped[Organization] = relationship(lazy="joined")
    enterprise: Mapped[Enterprise | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    cases: Mapped[list[Case]] = relationship(secondary=incident_cases, order_by=Case.id)
    reports: Mapped[list[IncidentReport]] = relationship(
        back_populates="incident", order_by="IncidentReport.at"
    )

    @property
    def employer(self) -> str:
        return self.enterprise.name if self.enterprise is not None else (self.employer_name or "")

    @property
    def case_ids(self) -> list[int]:
        return [c.id for c in self.cases]

    @property
    def is_ended(self) -> bool:
        return self.status == IncidentStatus.ended


class IncidentReport(Model):
    """One report up the chain: who reported, when, by which channel, what was said."""

    __tablename__ = "incident_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, "incident_report_kind"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[ReportChannel] = mapped_column(
        enum_column(ReportChannel, "incident_report_channel")
    )
    content: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="reports")
    author: Mapped[User | None] = relationship()
