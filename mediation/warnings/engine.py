"""The alert engine: turns rule evaluations into alert rows, climbs unacknowledged alerts, and
keeps each case's `warning_level`, `tier` and `next_check_at` in step.

`process_cases` is batch-shaped (a fixed number of queries per batch, not per case) and runs both
inside a service's transaction (immediate rules, one case) and in the sweep (many cases).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from mediation.cases.enums import EventKind, WarningLevel
from mediation.cases.models import Case
from mediation.cases.timeline import append_events_bulk
from mediation.core.db import bulk_insert
from mediation.core.i18n import stored_text
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import with_ancestors
from mediation.warnings import rules
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.notifications import queue_alert_notifications
from mediation.warnings.settings import current_settings


@dataclass
class Outcome:
    checked: int = 0
    raised: list[Alert] = field(default_factory=list)
    climbed: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    releveled: list[Alert] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.checked += other.checked
        self.raised += other.raised
        self.climbed += other.climbed
        self.resolved += other.resolved
        self.releveled += other.releveled


_RECEIVED_AGAINST_ENTERPRISES = select(Case.enterprise_id, Case.received_at).where(
    Case.enterprise_id.in_(bindparam("enterprise_ids", expanding=True)),
    Case.received_at > bindparam("after", type_=Case.received_at.type),
    Case.received_at <= bindparam("until", type_=Case.received_at.type),
)


def _recent_enterprise_counts(cases: list[Case], window_days: int) -> dict[int, int]:
    """For each case: cases against its enterprise received within the window up to it
    (itself included when it is in the table). One query per batch; the counting is done here
    so it stays portable."""
    window = timedelta(days=window_days)
    rows = db.session.execute(
        _RECEIVED_AGAINST_ENTERPRISES,
        {
            "enterprise_ids": sorted({c.enterprise_id for c in cases}),
            "after": min(c.received_at for c in cases) - window,
            "until": max(c.received_at for c in cases),
        },
    ).all()
    by_enterprise: dict[int, list[datetime]] = defaultdict(list)
    for enterprise_id, received_at in rows:
        by_enterprise[enterprise_id].append(received_at)
    return {
        c.id: sum(
            1 for r in by_enterprise[c.enterprise_id] if c.received_at - window < r <= c.received_at
        )
        for c in cases
    }


def facts_of(case: Case, recent_enterprise_cases: int = 1) -> rules.CaseFacts:
    return rules.CaseFacts(
        state=case.state,
        kind=case.kind,
        received_at=case.received_at,
        handling_tier=case.handling_org.tier,
        workers_involved=case.workers_involved,
        claim_amount_fen=case.claim_amount_fen,
        arrears_months=case.arrears_months,
        owner_absconded=case.owner_absconded,
        incident_in_progress=case.incident_in_progress,
        agreement_due_on=case.agreement_due_on,
        infringement_known_at=case.infringement_known_at,
        employment_ended_at=case.employment_ended_at,
        referral_target=case.referral_target,
        state_changed_at=case.state_changed_at,
        recent_enterprise_cases=recent_enterprise_cases,
    )


def _stored_label(level: WarningLevel) -> str:
    with stored_text():
        return str(level.label)


def _alert_label(alert: Alert) -> str:
    """For the case's event trail, which is stored in Chinese whoever's request raised it."""
    with stored_text():
        return (
            f"{WarningLevel(alert.level).label}：{rules.RULE_LABELS.get(alert.rule, alert.rule)}"
            f" → {alert.target_org.name}"
        )


@dataclass(eq=False)
class NewAlert:
    """An alert raised in this batch, before it has a row: the ORM's per-object bookkeeping is
    the sweep's biggest cost, and these rows go in with one bulk insert anyway. Same attribute
    names as `Alert`, so messages and events treat both alike."""

    case_id: int
    rule: str
    target_tier: Tier
    case: Case
    level: WarningLevel | None = None
    target_org_id: int | None = None
    target_org: Organization | None = None
    status: AlertStatus = AlertStatus.open
    raised_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = None
    note: str | None = None
    resolved_at: datetime | None = None
    climbed_from_id: int | None = None
    id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.status != AlertStatus.resolved


class _Batch:
    """Collects the writes of one batch so they go to the database together."""

    def __init__(self, now: datetime, settings: dict, orgs: dict[int, Organization]):
        self.now = now
        self.settings = settings
        self.orgs = orgs
        self.events: list[dict] = []
        self.notify: list[Alert] = []
        self.new_alerts: list[Alert] = []
        self.outcome = Outcome()

    def target_org(self, case: Case, tier: Tier) -> Organization:
        org = self.orgs[case.handling_org_id]
        while org.tier.rank < tier.rank and org.parent_id is not None:
            org = self.orgs[org.parent_id]
        return org

    def event(
        self,
        alert: Alert,
        action: str,
        body: str | None = None,
        *,
        actor_id: int | None = None,
        extra: dict | None = None,
    ) -> None:
        self.events.append(
            {
                "case_id": alert.case_id,
                "kind": EventKind.alert,
                "at": self.now,
                "actor_id": actor_id,
                "body": body or f"{action}：{_alert_label(alert)}",
                "data": {
                    "action": action,
                    "alert_id": alert.id,
                    "rule": alert.rule,
                    "level": str(alert.level),
                    "target_tier": str(alert.target_tier),
                    **(extra or {}),
                },
            }
        )

    def raise_alert(
        self,
        case: Case,
        existing: dict[tuple[str, Tier], Alert],
        rule: str,
        tier: Tier,
        level: WarningLevel,
        climbed_from: Alert | None = None,
    ) -> Alert | None:
        """Open the (case, rule, tier) alert, reusing its row if it was resolved before."""
        alert = existing.get((rule, tier))
        if alert is not None and alert.is_active:
            if level != WarningLevel(alert.level):
                self.relevel(alert, level)
            return None
        org = self.target_org(case, tier)
        if alert is None:
            # a new row: a plain object, inserted in bulk (see _insert_new_alerts)
            alert = NewAlert(case_id=case.id, rule=rule, target_tier=tier, case=case)
            self.new_alerts.append(alert)
            existing[(rule, tier)] = alert
        alert.level = level
        alert.target_org_id = org.id
        alert.target_org = org
        alert.status = AlertStatus.open
        alert.raised_at = self.now
        alert.acknowledged_at = alert.acknowledged_by_id = alert.note = alert.resolved_at = None
        alert.climbed_from_id = climbed_from.id if climbed_from is not None else None
        (self.outcome.climbed if climbed_from is not None else self.outcome.raised).append(alert)
        self.notify.append(alert)
        return alert

    def relevel(self, alert: Alert, level: WarningLevel) -> None:
        """The rule now wants another level (the facts changed). Worse news must be
        acknowledged afresh, so a raised level re-opens the alert and notifies again."""
        before = WarningLevel(alert.level)
        alert.level = level
        self.events.append(
            {
                "case_id": alert.case_id,
                "kind": EventKind.alert,
                "at": self.now,
                "body": f"预警级别调整：{_stored_label(before)} → {_alert_label(alert)}",
                "data": {
                    "action": "relevel", "alert_id": alert.id, "rule": alert.rule,
                    "from_level": before.value, "level": level.value,
                },
            }
        )  # fmt: skip
        if rules.LEVELS.index(level) > rules.LEVELS.index(before):
            alert.status = AlertStatus.open
            alert.raised_at = self.now
            alert.acknowledged_at = alert.acknowledged_by_id = alert.note = None
            self.notify.append(alert)
        self.outcome.releveled.append(alert)

    def resolve(self, alert: Alert) -> None:
        alert.status = AlertStatus.resolved
        alert.resolved_at = self.now
        self.outcome.resolved.append(alert)


ALERT_COLUMNS = (
    "case_id", "rule", "level", "target_tier", "target_org_id", "status", "raised_at",
    "acknowledged_at", "acknowledged_by_id", "note", "resolved_at", "climbed_from_id",
)  # fmt: skip


# up to this many new alerts go in with one INSERT … RETURNING their ids; more (the sweep) with
# a bulk insert (COPY on PostgreSQL) and one query for the ids
RETURNING_MAX = 50


def _insert_new_alerts(alerts: list[Alert], case_ids: list[int]) -> None:
    """The batch's new alerts in one go, and their ids."""
    if not alerts:
        return
    rows = [{c: getattr(a, c) for c in ALERT_COLUMNS} for a in alerts]
    if len(rows) <= RETURNING_MAX:
        table = Alert.__table__
        ids = db.session.scalars(
            table.insert().returning(table.c.id, sort_by_parameter_order=True), rows
        ).all()
        for alert, alert_id in zip(alerts, ids, strict=True):
            alert.id = alert_id
        return
    bulk_insert(Alert.__table__, rows)
    ids = {
        (case_id, rule, Tier(tier)): alert_id
        for alert_id, case_id, rule, tier in db.session.execute(
            select(Alert.id, Alert.case_id, Alert.rule, Alert.target_tier).where(
                Alert.case_id.in_({a.case_id for a in alerts})
            )
        )
    }
    for alert in alerts:
        alert.id = ids[(alert.case_id, alert.rule, Tier(alert.target_tier))]


def _orgs_for(cases: list[Case]) -> dict[int, Organization]:
    """The organizations alerts of these cases may target: for one case its handling
    organization and those above it (usually already in the session), otherwise all."""
    if len(cases) == 1:
        return {o.id: o for o in with_ancestors(cases[0].handling_org_id)}
    return {o.id: o for o in db.session.scalars(select(Organization))}


def _first_alert_moments(case: Case, alerts) -> dict[str, datetime | None]:
    """The moments the first alerts targeting the town and the city tier were raised on the
    case: kept once set (an alert row re-raised later moves its `raised_at`, not these), else
    the earliest alert of that tier, raised in this batch or before (a manual escalation's alert
    is raised just before its `process_cases`)."""
    moments = {}
    for tier, column in ((Tier.town, "first_town_alert_at"), (Tier.city, "first_city_alert_at")):
        kept = getattr(case, column)
        raised = [a.raised_at for a in alerts if Tier(a.target_tier) == tier and a.raised_at]
        moments[column] = kept if kept is not None else (min(raised) if raised else None)
    return moments


def process_cases(case_ids: list[int], now: datetime, settings: dict | None = None) -> Outcome:
    """Evaluate the rules for these (already locked) cases and write the consequences, inside
    the caller's transaction. (A case created in this transaction: `evaluate_new_case`.)"""
    if not case_ids:
        return Outcome()
    settings = settings or current_settings()
    db.session.flush()
    alerts_by_case: dict[int, dict[tuple[str, Tier], Alert]] = defaultdict(dict)
    cases = list(
        db.session.scalars(
            select(Case).where(Case.id.in_(case_ids)).execution_options(populate_existing=True)
        )
    )
    for alert in db.session.scalars(select(Alert).where(Alert.case_id.in_(case_ids))):
        alerts_by_case[alert.case_id][(alert.rule, Tier(alert.target_tier))] = alert
    orgs = _orgs_for(cases)
    window = settings["repeat_enterprise"]["window_days"]
    recent = _recent_enterprise_counts(cases, window)

    batch = _Batch(now, settings, orgs)
    batch.outcome.checked = len(cases)
    case_fields = {
        case.id: _evaluate(batch, case, alerts_by_case[case.id], recent.get(case.id, 1))
        for case in cases
    }
    db.session.flush()
    _insert_new_alerts(batch.new_alerts, case_ids)
    _write_alert_events_and_notices(batch)
    # the events and the cases' warning fields in one go; the version is not bumped, so the
    # sweep never makes someone's open form stale
    append_events_bulk(batch.events, case_fields)
    return batch.outcome


@dataclass
class NewCaseAlerts:
    """What the immediate rules found for a new case before its row went in (the answer to
    `signals.case_creating`): how many events they add to its chain, and `write`, which
    inserts the alerts once the case has its id and answers those events."""

    batch: _Batch
    event_count: int

    def write(self, case: Case) -> list[dict]:
        for alert in self.batch.new_alerts:
            alert.case_id = case.id
        for event in self.batch.events:
            event["case_id"] = case.id
        _insert_new_alerts(self.batch.new_alerts, [case.id])
        _write_alert_events_and_notices(self.batch)
        return self.batch.events


def evaluate_new_case(case: Case, now: datetime) -> NewCaseAlerts:
    """The immediate rules for `case`, created in this transaction and not yet inserted: its
    warning fields are set on it, and its alerts wait for its id (`NewCaseAlerts.write`).

    Evaluating before the row goes in means the row carries its warning fields and its count
    of events from the start, and the `created` event and the alerts' events go in with one
    insert. Inserting the case first and then updating it cost a statement and left a dead row
    behind every new case: the pages of the newest cases, which the default list shows first,
    then stayed not all-visible, and the list's index-only scans visited every newest case's
    row (docs/performance.md, "A new case goes in once")."""
    with db.session.no_autoflush:  # nothing of the case is written before it is complete
        settings = current_settings()
        orgs = _orgs_for([case])
        window = settings["repeat_enterprise"]["window_days"]
        # the case itself is not in the table yet: it counts as one
        others = _recent_enterprise_counts([case], window)
        batch = _Batch(now, settings, orgs)
        batch.outcome.checked = 1
        fields = _evaluate(batch, case, {}, others.get(case.id, 0) + 1)
    outcome = batch.outcome
    for column, value in fields.items():
        setattr(case, column, value)
    # the events still to come: those already made (re-levels) and one per raised, climbed
    # and resolved alert (`_write_alert_events_and_notices`)
    count = len(batch.events) + len(outcome.raised) + len(outcome.climbed) + len(outcome.resolved)
    return NewCaseAlerts(batch, count)


def _evaluate(
    batch: _Batch,
    case: Case,
    existing: dict[tuple[str, Tier], Alert],
    recent_enterprise_cases: int,
) -> dict:
    """Evaluate one case into `batch` (alerts raised, re-levelled, resolved, climbed) and
    answer the case's warning fields as they should now be."""
    now, settings = batch.now, batch.settings
    evaluation = rules.evaluate(facts_of(case, recent_enterprise_cases), now, settings)
    wanted = {(a.rule, a.target_tier): a for a in evaluation.alerts}

    # raise what should exist
    for (rule, tier), spec in wanted.items():
        batch.raise_alert(case, existing, rule, tier, spec.level)
    # resolve what no longer holds (with anything that climbed from it)
    by_id = {a.id: a for a in existing.values() if a.id is not None}
    for alert in list(existing.values()):
        if not alert.is_active or (alert.rule, Tier(alert.target_tier)) in wanted:
            continue  # a rule may want, natively, the alert that once climbed here
        if alert.rule in rules.MANUAL_RULES and case.is_open:
            continue  # raised by a person: stays until acknowledged (or the case closes)
        origin = alert
        while origin.climbed_from_id is not None and origin.climbed_from_id in by_id:
            origin = by_id[origin.climbed_from_id]
        if (origin.rule, Tier(origin.target_tier)) not in wanted:
            batch.resolve(alert)
    # climb what nobody acknowledged in time
    wakes = [evaluation.next_check_at] if evaluation.next_check_at else []
    for alert in list(existing.values()):
        if alert.status != AlertStatus.open:
            continue
        deadline = rules.acknowledgement_deadline(
            WarningLevel(alert.level), Tier(alert.target_tier), alert.raised_at, settings
        )
        if deadline is None:
            continue
        up = rules.next_tier(Tier(alert.target_tier))
        above = existing.get((alert.rule, up))
        if above is not None and above.is_active:
            continue
        if deadline <= now:
            batch.raise_alert(
                case,
                existing,
                alert.rule,
                up,
                rules.next_level(WarningLevel(alert.level)),
                alert,
            )
            deadline = rules.acknowledgement_deadline(
                rules.next_level(WarningLevel(alert.level)), up, now, settings
            )
        if deadline is not None:
            wakes.append(deadline)

    active = [a for a in existing.values() if a.is_active]
    tier = max(
        [case.handling_org.tier, *(Tier(a.target_tier) for a in active)], key=lambda t: t.rank
    )
    next_check = min(wakes) if wakes and case.is_open else None
    if next_check is not None and next_check <= now:
        next_check = now + timedelta(minutes=1)
    return {
        "warning_level": rules.max_level(a.level for a in active),
        "tier": tier,
        "next_check_at": next_check,
        **_first_alert_moments(case, existing.values()),
    }


def _write_alert_events_and_notices(batch: _Batch) -> None:
    """The events of the batch's raised, climbed and resolved alerts (their ids known), and
    the notices of the alerts that someone must now see."""
    for alert in batch.outcome.raised:
        batch.event(alert, "预警")
    for alert in batch.outcome.climbed:
        batch.event(alert, "未签收升级")
    for alert in batch.outcome.resolved:
        batch.event(alert, "预警解除")
    if batch.notify:
        queue_alert_notifications(batch.notify, batch.now, batch.settings)


def raise_manual_alert(
    case: Case,
    rule: str,
    tier: Tier,
    level: WarningLevel,
    now: datetime,
    *,
    actor_id: int,
    reason: str,
) -> Alert | None:
    """An alert a person raises (a manual escalation), inside the caller's transaction on a
    locked case: the same row handling, case event and outbox notifications as the rules'
    alerts, then the case's level, tier and next check recomputed. None when the (case, rule,
    tier) alert is already active."""
    db.session.flush()
    existing = {
        (a.rule, Tier(a.target_tier)): a
        for a in db.session.scalars(select(Alert).where(Alert.case_id == case.id))
    }
    current = existing.get((rule, tier))
    if current is not None and current.is_active:
        return None
    settings = current_settings()
    batch = _Batch(now, settings, _orgs_for([case]))
    alert = batch.raise_alert(case, existing, rule, tier, level)
    db.session.flush()
    _insert_new_alerts(batch.new_alerts, [case.id])
    batch.event(
        alert, "人工升级", f"人工升级：{_alert_label(alert)}\n{reason}",
        actor_id=actor_id, extra={"reason": reason},
    )  # fmt: skip
    queue_alert_notifications(batch.notify, now, settings)
    append_events_bulk(batch.events)
    process_cases([case.id], now, settings)  # the case's warning level, tier and climb clock
    return db.session.get(Alert, alert.id)
