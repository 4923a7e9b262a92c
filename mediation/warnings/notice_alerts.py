"""The alert of a supervision notice whose rectification is overdue (docs/enterprise-file.md
"Supervision notices"): from the day after the deadline (local date) until the union verifies
the rectification done, a yellow alert to the issuing union; unacknowledged, it climbs like
every alert (`rules`).

Alerts of notices are rows of the one `alerts` table (`notice_id` set, `case_id` and
`incident_id` NULL), unique per (notice, rule, target tier), so the inbox, acknowledgement and
notification treat them as a case's. Notices are few: they are evaluated as plain ORM objects
in the caller's transaction, like mass incidents (`incident_alerts`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from mediation.cases.enums import WarningLevel
from mediation.core.clock import local_date, local_zone
from mediation.extensions import db
from mediation.labour_supervision.models import SupervisionNotice
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import with_ancestors
from mediation.warnings import rules
from mediation.warnings.batch import BatchOutcome
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.outbox import queue_alert_notifications
from mediation.warnings.settings import current_settings
from mediation.warnings.subject_sweep import claim_due, sweep_subjects

log = logging.getLogger(__name__)
NOTICE_OVERDUE = "notice_overdue"
# the union issued the notice and follows it up itself: a reminder to it, not an emergency
NOTICE_OVERDUE_LEVEL = WarningLevel.yellow


def overdue_from(notice: SupervisionNotice) -> datetime:
    """The moment the rectification becomes overdue: 00:00 local time of the day after the
    deadline (the deadline day itself is the enterprise's to the end)."""
    day = notice.deadline + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=local_zone()).astimezone(UTC)


def _target(orgs: list[Organization], tier: Tier) -> Organization:
    for org in orgs:
        if org.tier.rank >= tier.rank:
            return org
    return orgs[-1]


def _raise(
    notice: SupervisionNotice,
    existing: dict[tuple[str, Tier], Alert],
    orgs: list[Organization],
    tier: Tier,
    level: WarningLevel,
    now: datetime,
    outcome: BatchOutcome,
    notify: list[Alert],
    origin: Alert | None = None,
) -> None:
    """Open the (notice, rule, tier) alert, reusing its row if it was resolved before: never a
    second alert for the same notice, rule and tier."""
    alert = existing.get((NOTICE_OVERDUE, tier))
    if alert is not None and alert.is_active:
        return
    if alert is None:
        alert = Alert(notice_id=notice.id, rule=NOTICE_OVERDUE, target_tier=tier)
        alert.notice = notice
        db.session.add(alert)
        existing[(NOTICE_OVERDUE, tier)] = alert
    org = _target(orgs, tier)
    alert.level = level
    alert.target_org_id = org.id
    alert.target_org = org
    alert.status = AlertStatus.open
    alert.raised_at = now
    alert.acknowledged_at = alert.acknowledged_by_id = alert.note = alert.resolved_at = None
    alert.climbed_from_id = origin.id if origin is not None else None
    (outcome.climbed if origin is not None else outcome.raised).append(alert)
    notify.append(alert)


def process_notices(
    notice_ids: list[int], now: datetime, settings: dict | None = None
) -> BatchOutcome:
    """Evaluate these notices' alerts and write the consequences in the caller's transaction;
    each notice's `next_check_at` is set to when it must be looked at again."""
    outcome = BatchOutcome()
    if not notice_ids:
        return outcome
    settings = settings or current_settings()
    db.session.flush()
    notices = list(
        db.session.scalars(
            select(SupervisionNotice)
            .where(SupervisionNotice.id.in_(notice_ids))
            .execution_options(populate_existing=True)
        )
    )
    by_notice: dict[int, dict[tuple[str, Tier], Alert]] = {n.id: {} for n in notices}
    for alert in db.session.scalars(select(Alert).where(Alert.notice_id.in_(notice_ids))):
        by_notice[alert.notice_id or 0][(alert.rule, Tier(alert.target_tier))] = alert
    notify: list[Alert] = []
    today = local_date(now)
    for notice in notices:
        outcome.checked += 1
        existing = by_notice[notice.id]
        orgs = with_ancestors(notice.organization_id)
        overdue = notice.is_overdue(today)
        wakes: list[datetime] = []
        if overdue:
            _raise(notice, existing, orgs, orgs[0].tier, NOTICE_OVERDUE_LEVEL, now, outcome, notify)
        else:
            for alert in existing.values():
                if alert.is_active:
                    alert.status = AlertStatus.resolved
                    alert.resolved_at = now
                    outcome.resolved.append(alert)
            if notice.is_outstanding:
                wakes.append(overdue_from(notice))
        db.session.flush()  # the ids of new alerts, for those that climb from them
        if overdue:  # climb what nobody acknowledged in time
            for alert in list(existing.values()):
                level, tier = WarningLevel(alert.level), Tier(alert.target_tier)
                deadline = rules.climbs_at(alert.status, level, tier, alert.raised_at, settings)
                up = rules.next_tier(tier)
                if deadline is None or up is None:
                    continue
                above = existing.get((NOTICE_OVERDUE, up))
                if above is not None and above.is_active:
                    continue
                if deadline <= now:
                    next_level = rules.next_level(level)
                    _raise(notice, existing, orgs, up, next_level, now, outcome, notify, alert)
                    deadline = rules.acknowledgement_deadline(next_level, up, now, settings)
                if deadline is not None:
                    wakes.append(deadline)
        next_check = min(wakes) if wakes else None
        if next_check is not None and next_check <= now:
            next_check = now + timedelta(minutes=1)
        notice.next_check_at = next_check
    db.session.flush()
    if notify:
        queue_alert_notifications(notify, now, settings)
    return outcome


def claim_due_notices(now: datetime, batch_size: int) -> list[int]:
    return claim_due(SupervisionNotice, now, batch_size)


def sweep_notices(now: datetime, settings: dict, batch_size: int) -> BatchOutcome:
    """The sweep's part for supervision notices (`warnings.subject_sweep`)."""
    return sweep_subjects(SupervisionNotice, process_notices, "notices", now, settings, batch_size)


def notice_alerts(notice_id: int) -> list[Alert]:
    """Every alert of a notice (the caller has checked the notice is in scope)."""
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.notice_id == notice_id)
            .order_by(Alert.status, Alert.raised_at.desc())
        )
    )
