"""The alert inbox's queue tools (docs/alert-inbox.md): alerts grouped by case or incident, searched
by case number or employer, sorted by level, age or time to climb, each with the moment it climbs
to the next tier; and one acknowledgement note for several alerts at once."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from marshmallow import ValidationError, fields, validate
from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.cases.enums import EventKind, WarningLevel
from mediation.cases.models import Case
from mediation.cases.timeline import append_event
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import like_pattern, take_write_lock, transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import N_, Message
from mediation.core.schemas import MAX_ID, Length, StrictInteger, StrictSchema
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.incidents.models import Incident
from mediation.labour_supervision.models import SupervisionNotice
from mediation.orgs.models import Organization, Tier
from mediation.projects.models import Project
from mediation.warnings import rules
from mediation.warnings.models import ACTIVE_STATUSES, Alert, AlertStatus
from mediation.warnings.settings import current_settings

INBOX_ROLES = frozenset({Role.officer, Role.admin})
SORTS = ("level", "age", "climb")
GROUPS_PER_PAGE = 20
MAX_BULK = 100  # alerts one acknowledgement may cover (four pages of the inbox)
WRITE_NOTE = N_("Write an acknowledgement note.")
CHOOSE_ALERTS = N_("Choose at least one alert.")
LEVEL_RANK = case({lv.value: i for i, lv in enumerate(WarningLevel)}, value=Alert.level)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(WRITE_NOTE)


def note_field() -> fields.String:
    """The acknowledgement note: required, not blank, at most 2,000 characters; an empty one
    says "Write an acknowledgement note." (issue 20's wording)."""
    return fields.String(
        required=True,
        validate=[_not_blank, Length(max=2000)],
        error_messages={"required": WRITE_NOTE, "null": WRITE_NOTE},
        metadata={"description": "recorded on each alert and on its case's timeline"},
    )


class BulkAcknowledgeSchema(StrictSchema):
    ids = fields.List(
        StrictInteger(validate=validate.Range(min=1, max=MAX_ID)),
        required=True,
        validate=Length(min=1, max=MAX_BULK, error=CHOOSE_ALERTS),
        error_messages={"required": CHOOSE_ALERTS},
        metadata={"description": f"the alerts to acknowledge (1 to {MAX_BULK})"},
    )
    note = note_field()


# --- the moment an alert climbs ---------------------------------------------------------------


@dataclass(frozen=True)
class Climb:
    """When an open alert climbs to the next tier, and where: `hours` whole hours from now (until
    it, or since it once `overdue`)."""

    at: datetime
    hours: int
    overdue: bool
    to: str  # the organization it climbs to


def request_settings() -> dict[str, dict]:
    """The rule settings, read once per request (an answer lists up to 100 alerts)."""
    if not has_request_context():
        return current_settings()
    # (kept on the request itself: an application context, and its `g`, may outlive it)
    if _SETTINGS_KEY not in request.environ:
        request.environ[_SETTINGS_KEY] = current_settings()
    return request.environ[_SETTINGS_KEY]


_SETTINGS_KEY = "mediation.rule_settings"


def alert_climbs_at(alert: Alert, settings: dict[str, dict] | None = None) -> datetime | None:
    """`rules.climbs_at` for a stored alert: what the engine climbs by."""
    return rules.climbs_at(
        alert.status, alert.level, alert.target_tier, alert.raised_at,
        settings if settings is not None else request_settings(),
    )  # fmt: skip


def climb_of(alert: Alert, now: datetime, settings: dict[str, dict]) -> Climb | None:
    """The inbox's "climbs in N h" / "overdue by N h" for an alert (whole hours, rounded down:
    23 h 40 min left is "23 hours", 2 h 30 min past is "overdue by 2 hours")."""
    at = alert_climbs_at(alert, settings)
    if at is None:
        return None
    seconds = (at - now).total_seconds()
    up = rules.next_tier(Tier(alert.target_tier))
    assert up is not None  # (a climb moment, so a tier above)
    return Climb(
        at=at,
        hours=math.floor(abs(seconds) / 3600),
        overdue=seconds <= 0,
        to=alert.target_org.ancestor_at(up).name,
    )


def _epoch(column: Any) -> ColumnElement:
    """Seconds since 1970 of a UTC datetime column, on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", column)
    return cast(func.strftime("%s", column), Integer)


def climb_order(settings: dict[str, dict]) -> ColumnElement:
    """`rules.climbs_at` as SQL (seconds since 1970, NULL when the alert does not climb), for
    sorting by time to climb: the same windows per level and the same top tier."""
    windows = case(
        {lv.value: int(rules.acknowledgement_window(lv, settings).total_seconds())
         for lv in WarningLevel},
        value=Alert.level,
    )  # fmt: skip
    climbing = [t for t in Tier if rules.next_tier(t) is not None]
    return case(
        (
            and_(Alert.status == AlertStatus.open, Alert.target_tier.in_(climbing)),
            _epoch(Alert.raised_at) + windows,
        ),
        else_=None,
    )


# --- the grouped, searched and sorted inbox -----------------------------------------------------


@dataclass
class Group:
    """The alerts of one case, one mass incident or one supervision notice, open first, most
    severe, newest."""

    case: Case | None
    incident: Incident | None
    alerts: list[Alert] = field(default_factory=list)
    project: Project | None = None
    notice: SupervisionNotice | None = None

    @property
    def key(self) -> str:
        if self.case is not None:
            return f"case-{self.case.id}"
        if self.project is not None:
            return f"project-{self.project.id}"
        if self.notice is not None:
            return f"notice-{self.notice.id}"
        return f"incident-{self.incident.id}"  # type: ignore[union-attr]


@dataclass
class InboxPage:
    groups: list[Group]
    climbs: dict[int, Climb]
    page: int
    per_page: int
    total: int  # groups
    alerts: int  # alerts in all groups

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def items(self) -> list[Group]:
        return self.groups


def _filters(
    user: User, status: str | None, level: str | None, q: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if user.role != Role.admin:
        conditions.append(Alert.target_org_id == user.organization_id)
    if status == "active":
        conditions.append(Alert.status.in_(ACTIVE_STATUSES))
    elif status:
        conditions.append(Alert.status == AlertStatus(status))
    if level:
        conditions.append(Alert.level == WarningLevel(level))
    if q:
        pattern = like_pattern(q.strip())
        case_enterprise = aliased(Enterprise)
        incident_enterprise = aliased(Enterprise)
        cases = (
            select(Case.id)
            .join(case_enterprise, case_enterprise.id == Case.enterprise_id)
            .where(or_(Case.number.ilike(pattern, escape="\\"),
                       case_enterprise.name.ilike(pattern, escape="\\")))
        )  # fmt: skip
        incidents = (
            select(Incident.id)
            .outerjoin(incident_enterprise, incident_enterprise.id == Incident.enterprise_id)
            .where(or_(Incident.employer_name.ilike(pattern, escape="\\"),
                       incident_enterprise.name.ilike(pattern, escape="\\")))
        )  # fmt: skip
        projects = select(Project.id).where(Project.name.ilike(pattern, escape="\\"))
        notices = (
            select(SupervisionNotice.id)
            .join(Enterprise, Enterprise.id == SupervisionNotice.enterprise_id)
            .where(Enterprise.name.ilike(pattern, escape="\\"))
        )
        conditions.append(
            or_(
                Alert.case_id.in_(cases),
                Alert.incident_id.in_(incidents),
                Alert.project_id.in_(projects),
                Alert.notice_id.in_(notices),
            )
        )
    return conditions


def _group_order(sort: str, settings: dict[str, dict]) -> tuple[Select, list]:
    open_last = func.min(case((Alert.status == AlertStatus.open, 0), else_=1))
    severest = func.max(LEVEL_RANK)
    newest, oldest = func.max(Alert.raised_at), func.min(Alert.raised_at)
    tie = [
        func.coalesce(Alert.case_id, 0).desc(),
        func.coalesce(Alert.incident_id, 0).desc(),
        func.coalesce(Alert.project_id, 0).desc(),
        func.coalesce(Alert.notice_id, 0).desc(),
    ]
    if sort == "age":  # the longest waiting first
        order = [oldest, *tie]
    elif sort == "climb":  # the soonest (or longest overdue) to climb first; never last
        soonest = func.min(climb_order(settings))
        order = [case((soonest.is_(None), 1), else_=0), soonest, severest.desc(), *tie]
    else:  # the groups with something to acknowledge, by their severest open alert
        open_severest = func.max(case((Alert.status == AlertStatus.open, LEVEL_RANK), else_=-1))
        order = [open_last, open_severest.desc(), severest.desc(), newest.desc(), *tie]
    return select(Alert.case_id, Alert.incident_id, Alert.project_id, Alert.notice_id), order


def inbox_page(
    user: User,
    *,
    status: str | None = "active",
    level: str | None = None,
    q: str | None = None,
    sort: str = "level",
    page: int = 1,
    per_page: int = GROUPS_PER_PAGE,
    now: datetime | None = None,
) -> InboxPage:
    """One page of the user's inbox, grouped by case (or incident). Officers and administrators
    only (`services.inbox_query` refuses the others). Groups are paged in SQL: a town's 1,400
    open alerts are never all loaded."""
    if user.role not in INBOX_ROLES:
        raise PermissionDenied("Only escalation officers have an alert inbox.")
    now = ensure_utc(now or utcnow())
    settings = request_settings()
    sort = sort if sort in SORTS else "level"
    conditions = _filters(user, status, level, q)
    keys, order = _group_order(sort, settings)
    grouped = keys.where(*conditions).group_by(
        Alert.case_id, Alert.incident_id, Alert.project_id, Alert.notice_id
    )
    total = db.session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    alerts_total = db.session.scalar(select(func.count(Alert.id)).where(*conditions)) or 0
    page = max(1, min(page, max(math.ceil(total / per_page), 1)))
    rows = db.session.execute(
        grouped.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    case_ids = [c for c, _i, _p, _n in rows if c is not None]
    incident_ids = [i for c, i, _p, _n in rows if c is None and i is not None]
    project_ids = [p for c, i, p, _n in rows if c is None and i is None and p is not None]
    notice_ids = [
        n for c, i, p, n in rows if c is None and i is None and p is None and n is not None
    ]
    alerts: list[Alert] = []
    if rows:
        alerts = list(
            db.session.scalars(
                select(Alert)
                .where(*conditions)
                .where(
                    or_(
                        Alert.case_id.in_(case_ids),
                        Alert.incident_id.in_(incident_ids),
                        Alert.project_id.in_(project_ids),
                        Alert.notice_id.in_(notice_ids),
                    )
                )
                .options(
                    selectinload(Alert.case),
                    selectinload(Alert.incident),
                    selectinload(Alert.project),
                    selectinload(Alert.notice),
                    selectinload(Alert.acknowledged_by),
                    # (the organization an alert climbs to: its target's parent)
                    joinedload(Alert.target_org).joinedload(Organization.parent),
                )  # fmt: skip
            )
        )
    by_key: dict[tuple[int | None, int | None, int | None, int | None], list[Alert]] = {}
    for alert in alerts:
        by_key.setdefault(
            (alert.case_id, alert.incident_id, alert.project_id, alert.notice_id), []
        ).append(alert)
    groups = []
    for key in rows:
        members = by_key.get((key[0], key[1], key[2], key[3]), [])
        if not members:
            continue
        members.sort(key=within_group_order)
        first = members[0]
        groups.append(
            Group(
                first.case if key[0] is not None else None,
                first.incident,
                members,
                project=first.project,
                notice=first.notice,
            )
        )
    climbs = {
        a.id: c for a in alerts if (c := climb_of(a, now, settings)) is not None
    }  # fmt: skip
    return InboxPage(groups, climbs, page, per_page, total, alerts_total)


def within_group_order(alert: Alert) -> tuple:
    """Open first, then most severe, then newest."""
    return (
        alert.status != AlertStatus.open,
        -list(WarningLevel).index(WarningLevel(alert.level)),
        -alert.raised_at.timestamp(),
        -alert.id,
    )


# --- one note, several alerts ---------------------------------------------------------------------


def record_acknowledgement(alert: Alert, user: User, note: str, now: datetime) -> None:
    """Acknowledge one open alert, locked by the caller: who, when, the note, and for a case's
    alert the acknowledgement event on its timeline."""
    alert.status = AlertStatus.acknowledged
    alert.acknowledged_at = now
    alert.acknowledged_by_id = user.id
    alert.note = note
    signals.alert_acknowledged.send(
        alert, user=user, now=now
    )  # in-app notices (docs/notifications.md)
    if alert.case_id is None:
        return  # (an incident, a project or a notice keeps no event chain: the note stays)
    append_event(
        alert.case,
        EventKind.acknowledgement,
        user,
        now,
        body=note,
        data={"alert_id": alert.id, "rule": alert.rule, "level": str(alert.level)},
    )


def _in_scope(user: User, target_org_ids: list[int]) -> bool:
    if user.role not in INBOX_ROLES:
        return False
    return user.role == Role.admin or all(t == user.organization_id for t in target_org_ids)


def acknowledge_many(user: User, payload: Any, *, now: datetime | None = None) -> list[Alert]:
    """Acknowledge several alerts with one note, all or nothing, in one transaction. Checks:
    the ids (422) → every alert exists and is addressed to the user's organization (404, so
    nothing about another union's alerts can be probed) → the note (422) → every alert is still
    open (409). The cases are locked in id order, then the incidents, then the alerts."""
    now = ensure_utc(now or utcnow())
    errors: dict = {}
    data: dict = {}
    try:
        data = BulkAcknowledgeSchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        data = exc.valid_data if isinstance(exc.valid_data, dict) else {}
    if errors.get("ids") or set(errors) - {"ids", "note"}:
        raise ValidationFailed(errors)
    ids = sorted(set(data["ids"]))
    with transaction():
        take_write_lock()
        rows = db.session.execute(
            select(
                Alert.id,
                Alert.case_id,
                Alert.incident_id,
                Alert.project_id,
                Alert.notice_id,
                Alert.target_org_id,
            ).where(Alert.id.in_(ids))
        ).all()
        if len(rows) != len(ids) or not _in_scope(user, [r.target_org_id for r in rows]):
            raise NotFound("Alert not found.")
        case_ids = sorted({r.case_id for r in rows if r.case_id is not None})
        incident_ids = sorted({r.incident_id for r in rows if r.incident_id is not None})
        project_ids = sorted({r.project_id for r in rows if r.project_id is not None})
        notice_ids = sorted({r.notice_id for r in rows if r.notice_id is not None})
        if case_ids:  # the sweep's order: the cases, then their alerts
            db.session.execute(
                select(Case.id).where(Case.id.in_(case_ids)).order_by(Case.id).with_for_update()
            )
        if incident_ids:
            db.session.execute(
                select(Incident.id)
                .where(Incident.id.in_(incident_ids))
                .order_by(Incident.id)
                .with_for_update()
            )
        if project_ids:
            db.session.execute(
                select(Project.id)
                .where(Project.id.in_(project_ids))
                .order_by(Project.id)
                .with_for_update()
            )
        if notice_ids:
            db.session.execute(
                select(SupervisionNotice.id)
                .where(SupervisionNotice.id.in_(notice_ids))
                .order_by(SupervisionNotice.id)
                .with_for_update()
            )
        alerts = list(
            db.session.scalars(
                select(Alert)
                .where(Alert.id.in_(ids))
                .order_by(Alert.id)
                .with_for_update(of=Alert)
                .execution_options(populate_existing=True)
            )
        )
        if len(alerts) != len(ids) or not _in_scope(user, [a.target_org_id for a in alerts]):
            raise NotFound("Alert not found.")
        if errors:
            raise ValidationFailed(errors)
        done = [a for a in alerts if a.status != AlertStatus.open]
        if done:
            raise Conflict(
                Message(
                    N_("%(alerts)s: no longer awaiting acknowledgement; nothing was acknowledged."),
                    alerts=", ".join(_name(a) for a in done),
                )
            )
        for alert in alerts:
            record_acknowledgement(alert, user, data["note"], now)
    return alerts


def _name(alert: Alert) -> str:
    if alert.case_id is not None:
        where = alert.case.number
    elif alert.project_id is not None and alert.project is not None:
        where = alert.project.name
    elif alert.notice is not None:
        where = alert.notice.number
    else:
        where = f"#{alert.incident_id}"
    return f"{where} {rules.RULE_LABELS.get(alert.rule, alert.rule)}"
