"""The in-app notices' receivers of the named signals (`mediation.signals`), the bell's count
read with the signed-in user, and its template helpers (docs/notifications.md "Events")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Flask, g
from flask_login import current_user

from mediation import signals
from mediation.accounts.auth import SESSION_USER_EXTRAS, session_user_extra
from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.inbox import models as kinds
from mediation.inbox.services import (
    BELL_LIMIT,
    active_officer_ids,
    notify,
    unread_count,
    unread_count_column,
    write,
)
from mediation.inbox.texts import notice_text, notice_url
from mediation.orgs.models import Organization
from mediation.surveys.models import LabourSurvey
from mediation.warnings.models import Alert, AlertLike


def _alerts_notified(_sender: object, *, alerts: Sequence[AlertLike], now: datetime,
                     **_: object) -> None:  # fmt: skip
    """A raised or climbed alert: a notice for each active officer of its target
    organization, all in one insert (the sweep may raise thousands)."""
    officers = active_officer_ids(a.target_org_id for a in alerts)
    rows: list[dict[str, Any]] = []
    for alert in alerts:
        recipients = officers.get(alert.target_org_id)
        if not recipients:
            continue
        params: dict[str, Any] = {
            "level": str(alert.level), "rule": alert.rule, "climbed": bool(alert.climbed_from_id),
        }  # fmt: skip
        if alert.incident_id is not None and alert.incident is not None:
            params["employer"] = alert.incident.employer
        elif alert.project_id is not None and alert.project is not None:
            params |= {"project": alert.project.name, "project_id": alert.project_id}
        elif alert.notice_id is not None and alert.notice is not None:
            params["employer"] = alert.notice.enterprise.name
            params["supervision_notice_id"] = alert.notice_id
        else:
            params["number"] = alert.case.number
        rows += [
            {
                "user_id": uid, "kind": kinds.ALERT,
                "case_id": alert.case_id,
                "incident_id": alert.incident_id, "alert_id": alert.id, "params": params,
                "created_at": now, "read_at": None,
            }
            for uid in recipients
        ]  # fmt: skip
    write(rows)


def _path_below(org: Organization, target_org_id: int) -> set[int]:
    """`org` and the unions above it up to, not including, the one of `target_org_id` (all of
    the path when that union is not above it)."""
    ids: set[int] = set()
    node: Organization | None = org
    while node is not None and node.id != target_org_id:
        ids.add(node.id)
        node = node.parent
    return ids


def _alert_acknowledged(alert: Alert, *, user: User, now: datetime, **_: object) -> None:
    """Those whose alert it was hear that a higher union took it on: the case's mediator and
    the officers of every union on the case's path below the acknowledging one (the handling
    union, a union that escalated it by hand, one whose unacknowledged alert climbed); for an
    incident, the officers of the reporting union and those between. The acknowledging
    union's own officers are not told (docs/notifications.md "Who hears of what")."""
    users: list[int | None] = []
    params: dict[str, Any] = {"rule": alert.rule, "by": user.display_name}
    if alert.incident_id is not None and alert.incident is not None:
        org_ids = _path_below(alert.incident.organization, alert.target_org_id)
        params["employer"] = alert.incident.employer
    elif alert.project_id is not None and alert.project is not None:
        org_ids = _path_below(alert.project.organization, alert.target_org_id)
        params |= {"project": alert.project.name, "project_id": alert.project_id}
    elif alert.notice_id is not None and alert.notice is not None:
        org_ids = _path_below(alert.notice.organization, alert.target_org_id)
        params["employer"] = alert.notice.enterprise.name
        params["supervision_notice_id"] = alert.notice_id
    else:
        case = alert.case
        users.append(case.mediator_id)
        org_ids = _path_below(case.handling_org, alert.target_org_id)
        params["number"] = case.number
    for ids in active_officer_ids(org_ids).values():
        users += ids
    notify(
        users, kinds.ACKNOWLEDGED, now, actor_id=user.id, alert_id=alert.id,
        case_id=alert.case_id, incident_id=alert.incident_id, params=params,
    )  # fmt: skip


def _case_assigned(case: Case, *, assignee: User, role: str, user: User, now: datetime,
                   **_: object) -> None:  # fmt: skip
    kind = kinds.MEDIATOR_ASSIGNED if role == "mediator" else kinds.ADVOCATE_ASSIGNED
    notify([assignee.id], kind, now, actor_id=user.id, case_id=case.id,
           params={"number": case.number, "by": user.display_name})  # fmt: skip


def _case_taken_over(case: Case, *, from_org: Organization, previous_mediator_id: int | None,
                     user: User, now: datetime, path_org_ids: Sequence[int] = (),
                     **_: object) -> None:  # fmt: skip
    """The previous mediator and the officers of the unions on the case's path below the one
    that took it over: the union that handled it, and the one where it originated
    (docs/notifications.md "Who hears of what")."""
    officers = [
        uid for ids in active_officer_ids({from_org.id, *path_org_ids}).values() for uid in ids
    ]
    notify([previous_mediator_id, *officers], kinds.TAKEN_OVER, now, actor_id=user.id,
           case_id=case.id, params={"number": case.number, "org": case.handling_org.name,
                                    "from_org": from_org.name})  # fmt: skip


def _visit_recorded(case: Case, *, user: User, now: datetime, **_: object) -> None:
    notify([case.mediator_id], kinds.VISIT, now, actor_id=user.id, case_id=case.id,
           params={"number": case.number, "by": user.display_name})  # fmt: skip


def _contract_expiring(survey: LabourSurvey, *, town: Organization, now: datetime,
                       **_: object) -> None:  # fmt: skip
    """The town union's officers (docs/enterprise-file.md "Reminder")."""
    notify(active_officer_ids([town.id]).get(town.id, []), kinds.CONTRACT_EXPIRING, now,
           params={"enterprise_id": survey.enterprise_id, "employer": survey.enterprise.name,
                   "expires_on": survey.collective_expires_on.isoformat()
                   if survey.collective_expires_on else ""})  # fmt: skip


def bell_count() -> str:
    """The bell's number on every page ("" for none, "99+" beyond the limit): read with the
    signed-in user in the session's lookup, so the page pays no query of its own."""
    if not current_user.is_authenticated:
        return ""
    n = session_user_extra("unread_notices", current_user.id)
    if n is None:  # the user came from elsewhere than the session's lookup
        n = unread_count(current_user)
    n = max(0, n - g.get("bell_read", 0))  # the notices page marked some read after the lookup
    if n > BELL_LIMIT:
        return f"{BELL_LIMIT}+"
    return str(n) if n else ""


def init_inbox(app: Flask) -> None:
    signals.alerts_notified.connect(_alerts_notified)
    signals.alert_acknowledged.connect(_alert_acknowledged)
    signals.case_assigned.connect(_case_assigned)
    signals.case_taken_over.connect(_case_taken_over)
    signals.visit_recorded.connect(_visit_recorded)
    signals.collective_contract_expiring.connect(_contract_expiring)
    SESSION_USER_EXTRAS["unread_notices"] = unread_count_column
    app.jinja_env.globals.update(
        bell_count=bell_count, notice_text=notice_text, notice_url=notice_url
    )
