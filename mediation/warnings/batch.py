"""The writes of one evaluation batch, collected so that they reach the database together: the
alerts raised (inserted in bulk), re-levelled, resolved and climbed, their events on the
cases' timelines, and the notices of the alerts someone must now see. The engine
(`warnings.engine`) decides; this module writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from mediation.cases.enums import EventKind, WarningLevel
from mediation.cases.models import Case
from mediation.core.db import bulk_insert
from mediation.core.i18n import stored_text
from mediation.extensions import db
from mediation.incidents.models import Incident
from mediation.labour_supervision.models import SupervisionNotice
from mediation.orgs.models import Organization, Tier
from mediation.projects.models import Project
from mediation.warnings import rules
from mediation.warnings.models import Alert, AlertLike, AlertStatus
from mediation.warnings.outbox import queue_alert_notifications


@dataclass
class BatchOutcome:
    checked: int = 0
    raised: list[AlertLike] = field(default_factory=list)
    climbed: list[AlertLike] = field(default_factory=list)
    resolved: list[AlertLike] = field(default_factory=list)
    releveled: list[AlertLike] = field(default_factory=list)

    def add(self, other: BatchOutcome) -> None:
        self.checked += other.checked
        self.raised += other.raised
        self.climbed += other.climbed
        self.resolved += other.resolved
        self.releveled += other.releveled


def _rule_label(alert: AlertLike) -> str:
    with stored_text():
        return str(rules.RULE_LABELS.get(alert.rule, alert.rule))


# the colour of each level, for the case's timeline: its entries are headed "预警" (the event's
# kind), so their bodies name the level by its colour and never repeat the word (issue 20)
LEVEL_COLOURS = {
    WarningLevel.blue: "蓝色", WarningLevel.yellow: "黄色",
    WarningLevel.orange: "橙色", WarningLevel.red: "红色",
}  # fmt: skip
# what happened to the alert, as its timeline entry says it (keyed by the event's `action`)
# (a manual escalation's rule already says what happened)
EVENT_WORDS = {"预警": "发出", "未签收升级": "未签收，逐级上报", "预警解除": "解除", "人工升级": ""}


def timeline_body(alert: AlertLike, action: str) -> str:
    """ "发出：集体争议（黄色）→ 一镇工会": the verb, the rule, the level's colour, the union."""
    with stored_text():
        rule = rules.RULE_LABELS.get(alert.rule, alert.rule)
        colour = LEVEL_COLOURS[WarningLevel(alert.level)]
        verb = EVENT_WORDS.get(action, action)
        return f"{verb}：" * bool(verb) + f"{rule}（{colour}）→ {alert.target_org.name}"


@dataclass(eq=False)
class PendingAlert:
    """An alert raised in this batch, before it has a row: the ORM's per-object bookkeeping is
    the sweep's biggest cost, and these rows go in with one bulk insert anyway. Same attribute
    names as `Alert`, so messages and events treat both alike."""

    case_id: int
    rule: str
    target_tier: Tier
    case: Case
    level: WarningLevel
    target_org_id: int
    target_org: Organization
    raised_at: datetime
    status: AlertStatus = AlertStatus.open
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = None
    note: str | None = None
    resolved_at: datetime | None = None
    climbed_from_id: int | None = None
    id: int | None = None
    incident_id: int | None = None  # (the case engine's alerts belong to cases: always None)
    incident: Incident | None = None
    project_id: int | None = None  # (nor to projects: `warnings.project_alerts`)
    project: Project | None = None
    notice_id: int | None = None
    notice: SupervisionNotice | None = None

    @property
    def is_active(self) -> bool:
        return self.status != AlertStatus.resolved


class AlertBatch:
    """Collects the writes of one batch so they go to the database together."""

    def __init__(self, now: datetime, settings: dict, orgs: dict[int, Organization]) -> None:
        self.now = now
        self.settings = settings
        self.orgs = orgs
        self.events: list[dict] = []
        self.notify: list[AlertLike] = []
        self.new_alerts: list[PendingAlert] = []
        self.outcome = BatchOutcome()

    def target_org(self, case: Case, tier: Tier) -> Organization:
        org = self.orgs[case.handling_org_id]
        while org.tier.rank < tier.rank and org.parent_id is not None:
            org = self.orgs[org.parent_id]
        return org

    def event(
        self,
        alert: AlertLike,
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
                "body": body or timeline_body(alert, action),
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
        existing: dict[tuple[str, Tier], AlertLike],
        rule: str,
        tier: Tier,
        level: WarningLevel,
        climbed_from: AlertLike | None = None,
    ) -> AlertLike | None:
        """Open the (case, rule, tier) alert, reusing its row if it was resolved before."""
        alert = existing.get((rule, tier))
        if alert is not None and alert.is_active:
            if level != WarningLevel(alert.level):
                self.relevel(alert, level)
            return None
        org = self.target_org(case, tier)
        if alert is None:
            # a new row: a plain object, inserted in bulk (see insert_new_alerts)
            alert = PendingAlert(
                case_id=case.id,
                rule=rule,
                target_tier=tier,
                case=case,
                level=level,
                target_org_id=org.id,
                target_org=org,
                raised_at=self.now,
            )
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

    def relevel(self, alert: AlertLike, level: WarningLevel) -> None:
        """The rule now wants another level (the facts changed). Worse news must be
        acknowledged afresh, so a raised level re-opens the alert and notifies again."""
        before = WarningLevel(alert.level)
        alert.level = level
        self.events.append(
            {
                "case_id": alert.case_id,
                "kind": EventKind.alert,
                "at": self.now,
                "body": f"级别调整：{_rule_label(alert)}（{LEVEL_COLOURS[before]} → "
                f"{LEVEL_COLOURS[level]}）→ {alert.target_org.name}",
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

    def resolve(self, alert: AlertLike) -> None:
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


def insert_new_alerts(alerts: list[PendingAlert], case_ids: list[int]) -> None:
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
    ids_by_key = {
        (case_id, rule, Tier(tier)): alert_id
        for alert_id, case_id, rule, tier in db.session.execute(
            select(Alert.id, Alert.case_id, Alert.rule, Alert.target_tier).where(
                Alert.case_id.in_({a.case_id for a in alerts})
            )
        )
    }
    for alert in alerts:
        alert.id = ids_by_key[(alert.case_id, alert.rule, Tier(alert.target_tier))]


def write_alert_events_and_notices(batch: AlertBatch) -> None:
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
