from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Protocol

from flask_babel.speaklater import LazyString
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.cases.enums import WarningLevel
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.core.i18n import lazy_gettext
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model
from mediation.incidents.models import Incident
from mediation.labour_supervision.models import SupervisionNotice
from mediation.orgs.models import Organization, Tier
from mediation.projects.models import Project


class AlertStatus(enum.StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"

    @property
    def label(self) -> LazyString:
        return ALERT_STATUS_LABELS[self]


ALERT_STATUS_LABELS = {
    AlertStatus.open: lazy_gettext("Awaiting acknowledgement"),
    AlertStatus.acknowledged: lazy_gettext("Acknowledged"),
    AlertStatus.resolved: lazy_gettext("Resolved"),
}
ACTIVE_STATUSES = (AlertStatus.open, AlertStatus.acknowledged)


class Alert(Model):
    """A levelled warning on a case, a mass incident, a construction project or a supervision
    notice (exactly one), addressed to the organization at one tier.

    Unique per (case, rule, target tier), (incident, rule, target tier) and (notice, rule,
    target tier): an alert can
    never be raised twice. When its condition clears it is resolved; should the condition
    return, the same row opens again. Incident alerts: docs/incidents.md "Alerts".
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("case_id", "rule", "target_tier"),
        UniqueConstraint("incident_id", "rule", "target_tier"),
        UniqueConstraint("project_id", "rule", "target_tier"),
        UniqueConstraint("notice_id", "rule", "target_tier"),
        # exactly one subject: a sum of terms, so a new kind of subject adds one term
        CheckConstraint(
            "(CASE WHEN case_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN incident_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN notice_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_subject",
        ),
        Index("ix_alerts_target_org_status", "target_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # (None for an incident's alert: the case engine reads only alerts of cases)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    # a construction project's alert (docs/enterprise-file.md "Construction projects")
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    # a supervision notice's overdue rectification (docs/enterprise-file.md)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_notices.id"))
    rule: Mapped[str] = mapped_column(String(40))
    level: Mapped[WarningLevel] = mapped_column(enum_column(WarningLevel, "alert_level"))
    target_tier: Mapped[Tier] = mapped_column(enum_column(Tier, "alert_tier"))
    target_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[AlertStatus] = mapped_column(
        enum_column(AlertStatus, "alert_status"), default=AlertStatus.open
    )
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    climbed_from_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))

    case: Mapped[Case] = relationship()
    incident: Mapped[Incident | None] = relationship()
    project: Mapped[Project | None] = relationship()
    notice: Mapped[SupervisionNotice | None] = relationship()
    target_org: Mapped[Organization] = relationship(lazy="joined")
    acknowledged_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AlertLike(Protocol):
    """What the engine's batch, the messages and the events read of an alert: a stored
    `Alert` or a `warnings.batch.PendingAlert` not yet inserted."""

    case_id: int
    case: Case
    incident_id: int | None
    incident: Incident | None
    project_id: int | None
    project: Project | None
    notice_id: int | None
    notice: SupervisionNotice | None
    rule: str
    level: WarningLevel
    target_tier: Tier
    target_org_id: int
    target_org: Organization
    status: AlertStatus
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    note: str | None
    resolved_at: datetime | None
    climbed_from_id: int | None

    @property
    def id(self) -> int | None: ...  # None until a new alert's row is inserted

    @property
    def is_active(self) -> bool: ...


class NotificationStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Notification(Model):
    """The outbox: one message to one recipient on one channel, written in the transaction that
    raised the alert and delivered later by the delivery job (so a rolled-back alert sends
    nothing and a mail server that is down loses nothing)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))  # email | sms
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus, "notification_status"), default=NotificationStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[Alert | None] = relationship()


class RuleSettingsVersion(Model):
    """Every admin change of the rule thresholds, append-only; the newest row is in force."""

    __tablename__ = "rule_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()
