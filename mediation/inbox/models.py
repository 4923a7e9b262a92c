"""In-app notices: what the bell in the top bar counts (docs/notifications.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.core.clock import utcnow
from mediation.core.types import UTCDateTime
from mediation.extensions import Model

# the kinds of notice; the text of each is written when it is shown (`inbox.texts`)
ALERT = "alert"
MEDIATOR_ASSIGNED = "mediator_assigned"
ADVOCATE_ASSIGNED = "advocate_assigned"
TAKEN_OVER = "taken_over"
VISIT = "visit"
ACKNOWLEDGED = "acknowledged"
RETURN_DUE = "return_due"  # a return on rights work falls due (docs/returns.md)
# an enterprise's collective contract expires soon (docs/enterprise-file.md "Reminder")
CONTRACT_EXPIRING = "contract_expiring"
KINDS = (ALERT, MEDIATOR_ASSIGNED, ADVOCATE_ASSIGNED, TAKEN_OVER, VISIT, ACKNOWLEDGED, RETURN_DUE,
         CONTRACT_EXPIRING)  # fmt: skip


class InAppNotice(Model):
    """One thing one user should see: its kind, what it is about (a case, an incident, an
    alert) and the values its text needs, stored as data so the text is written in the
    reader's language when shown. Unread while `read_at` is empty.

    (user_id, read_at) serves the bell's count of unread notices on every page; (user_id, id)
    the newest-first list."""

    __tablename__ = "in_app_notices"
    __table_args__ = (
        Index("ix_in_app_notices_user_read", "user_id", "read_at"),
        Index("ix_in_app_notices_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # a notice goes with its reader or its subject (nothing to show or to lead to without them)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
