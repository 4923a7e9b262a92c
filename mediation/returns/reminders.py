"""The due-date reminder (docs/returns.md "Reminder"): a few days before a month's return falls
due (`RETURNS_DUE_DAY` of the following month, `RETURNS_REMINDER_DAYS` before it), the officers
of every town union whose return for that month is not yet submitted hear of it by e-mail (and
SMS where configured) through the outbox, and by an in-app notice. Once per period: the period's
marker (`job_marks`) is committed with the rows, so a second run, a second scheduler or a restart
queues nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.core.clock import ensure_utc, local_date
from mediation.core.db import transaction
from mediation.core.i18n import _, force_locale
from mediation.core.leases import mark_once
from mediation.core.text import one_line
from mediation.extensions import db
from mediation.inbox import services as inbox
from mediation.inbox.models import RETURN_DUE
from mediation.orgs.models import Organization, Tier
from mediation.returns.models import Return
from mediation.returns.periods import PeriodKind, last_month
from mediation.returns.services import due_on
from mediation.returns.workflow import SUBMITTED
from mediation.warnings.models import Notification
from mediation.warnings.outbox import recipient_locale


def queue_due_reminders(now: datetime) -> int:
    """Queue the reminders for last month's return if they are due today and were not sent
    yet; the number of outbox rows written."""
    now = ensure_utc(now)
    config = current_app.config
    today = local_date(now)
    period = last_month(today)
    due = due_on(period, int(config["RETURNS_DUE_DAY"]))
    if today < due - timedelta(days=int(config["RETURNS_REMINDER_DAYS"])):
        return 0
    base = config.get("BASE_URL", "").rstrip("/")
    queued = 0
    with transaction():
        if not mark_once(f"returns.reminder:{period.start.isoformat()}", now):
            return 0
        submitted = set(db.session.scalars(
            select(Return.organization_id).where(
                Return.period_kind == PeriodKind.month,
                Return.period_start == period.start,
                Return.state.in_(SUBMITTED),
            )
        ))  # fmt: skip
        late = select(Organization.id).where(
            Organization.tier == Tier.town, Organization.id.not_in(submitted or {0})
        )
        officers = db.session.scalars(
            select(User)
            .where(User.organization_id.in_(late), User.role == Role.officer, User.active.is_(True))
            .order_by(User.id)
        ).all()
        for officer in officers:
            with force_locale(recipient_locale(officer)):
                title = period.title()
                subject = _("Return for %(period)s due on %(day)s", period=title,
                            day=due.isoformat())  # fmt: skip
                body = _(
                    "%(officer)s:\n\nThe return on rights work of %(org)s for %(period)s is "
                    "due on %(day)s and has not been submitted yet.\n\n%(url)s",
                    officer=one_line(officer.display_name), org=one_line(officer.organization.name),
                    period=title, day=due.isoformat(), url=base + "/returns",
                )  # fmt: skip
            targets = [("email", officer.email)] if officer.email else []
            if config.get("SMS_WEBHOOK_URL") and officer.phone:
                targets.append(("sms", officer.phone))
            for channel, recipient in targets:
                db.session.add(
                    Notification(
                        user_id=officer.id, channel=channel, recipient=recipient,
                        subject=subject[:300], body=body, next_attempt_at=now, created_at=now,
                    )
                )  # fmt: skip
                queued += 1
        inbox.notify(
            [o.id for o in officers], RETURN_DUE, now,
            params={"period": period.start.isoformat()[:7], "due": due.isoformat()},
        )  # fmt: skip
    return queued
