"""The queries behind each role's dashboard (docs/architecture.md "Pages").

Every dashboard costs a fixed number of SQL statements, whatever the number of cases: the cases
come in one SELECT (enterprise and handling organization joined), counts come from grouped
queries, and deadlines are computed in Python from the loaded rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from mediation.accounts.models import Role, User
from mediation.cases.clocks import IN_MEDIATION, ClockName
from mediation.cases.deadlines import Deadline, case_deadlines
from mediation.cases.enums import OPEN_STATES, State, WarningLevel
from mediation.cases.models import Case
from mediation.cases.scope import visible_cases
from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from mediation.orgs.models import Organization
from mediation.orgs.services import subtree_ids_select
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.settings import current_settings

# how many rows a dashboard lists at most (the case list pages through the rest)
LIST_LIMIT = 200
NEWEST_ALERTS = 10


@dataclass
class CaseRow:
    case: Case
    deadline: Deadline | None
    days_left: int | None
    # the 15 days (or the agreed extension) are over while mediating: record the extension or
    # end the mediation (LDMAL art. 14)
    mediation_over: bool = False


@dataclass
class StateGroup:
    state: State
    rows: list[CaseRow] = field(default_factory=list)


@dataclass
class MediatorDashboard:
    groups: list[StateGroup]
    total: int


def mediator_dashboard(user: User, now: datetime | None = None) -> MediatorDashboard:
    """The mediator's open cases (their own, plus reported cases in their organization's scope
    that nobody has taken yet), grouped by state, nearest deadline first within each group."""
    now = now or utcnow()
    settings = current_settings()
    # the scope filter already limits the cases to the mediator's organization's subtree
    unassigned_here = and_(Case.state == State.reported, Case.mediator_id.is_(None))
    stmt = (
        visible_cases(user)
        .where(Case.state.in_(OPEN_STATES))
        .where(or_(Case.mediator_id == user.id, unassigned_here))
    )
    cases = list(db.session.scalars(stmt))
    today = local_date(now)
    by_state: dict[State, list[CaseRow]] = {}
    for item in cases:
        deadlines = case_deadlines(item, settings, now)
        nearest = deadlines[0] if deadlines else None
        over = item.state in IN_MEDIATION and any(
            d.clock == ClockName.mediation and d.last_day is not None and d.last_day < today
            for d in deadlines
        )
        by_state.setdefault(State(item.state), []).append(
            CaseRow(item, nearest, nearest.days_left(now) if nearest else None, over)
        )
    groups = []
    for state in OPEN_STATES:
        rows = by_state.get(state)
        if not rows:
            continue
        rows.sort(key=lambda r: (r.deadline is None, r.deadline.due if r.deadline else None,
                                 r.case.received_at))  # fmt: skip
        groups.append(StateGroup(state, rows))
    return MediatorDashboard(groups=groups, total=len(cases))


@dataclass
class OrgRow:
    org: dict[str, Any]  # id, code, name, tier, parent_id (and depth, in tree order)
    by_state: dict[State, int]
    cases: int
    workers: int


@dataclass
class OfficerDashboard:
    level_counts: dict[WarningLevel, int]
    newest_alerts: list[Alert]
    org_rows: list[OrgRow]
    totals: OrgRow
    open_states: tuple[State, ...]


def _alert_scope(stmt, user: User):
    """The alerts an officer's inbox shows: those targeted at their organization (an admin's
    inbox shows them all)."""
    if user.role == Role.admin:
        return stmt
    return stmt.where(Alert.target_org_id == user.organization_id)


def officer_dashboard(user: User) -> OfficerDashboard:
    level_counts = dict.fromkeys(WarningLevel, 0)
    counts_stmt = _alert_scope(
        select(Alert.level, func.count(Alert.id))
        .where(Alert.status == AlertStatus.open)
        .group_by(Alert.level),
        user,
    )
    for level, n in db.session.execute(counts_stmt):
        level_counts[WarningLevel(level)] = n
    newest = list(
        db.session.scalars(
            _alert_scope(
                select(Alert)
                .options(
                    selectinload(Alert.case),
                    selectinload(Alert.incident),
                    selectinload(Alert.project),
                    selectinload(Alert.notice),
                )
                .where(Alert.status == AlertStatus.open)
                .order_by(Alert.raised_at.desc(), Alert.id.desc())
                .limit(NEWEST_ALERTS),
                user,
            )
        )
    )
    root_id: int | None = user.organization_id
    if user.role == Role.admin:  # administrators oversee the whole network, wherever they sit
        root_id = db.session.scalar(
            select(Organization.id)
            .where(Organization.parent_id.is_(None))
            .order_by(Organization.id)
        )
    assert root_id is not None  # (the network's root, the city federation, exists)
    rows, totals = open_cases_by_org(root_id)
    return OfficerDashboard(level_counts, newest, rows, totals, OPEN_STATES)


def open_cases_by_org(root_id: int) -> tuple[list[OrgRow], OrgRow]:
    """Open cases per organization of the subtree under `root_id` (every organization appears,
    with zeros when it has none): counts by state and workers involved, in one grouped query."""
    is_open = and_(Case.handling_org_id == Organization.id, Case.state.in_(OPEN_STATES))
    stmt = (
        select(
            Organization.id,
            Organization.code,
            Organization.name,
            Organization.tier,
            Organization.parent_id,
            Case.state,
            func.count(Case.id),
            func.coalesce(func.sum(Case.workers_involved), 0),
        )
        .select_from(Organization)
        .outerjoin(Case, is_open)
        .where(Organization.id.in_(subtree_ids_select(root_id)))
        .group_by(
            Organization.id,
            Organization.code,
            Organization.name,
            Organization.tier,
            Organization.parent_id,
            Case.state,
        )
        .order_by(Organization.code)
    )
    rows: dict[int, OrgRow] = {}
    totals = OrgRow({"name": None}, dict.fromkeys(OPEN_STATES, 0), 0, 0)
    for org_id, code, name, tier, parent_id, state, n, workers in db.session.execute(stmt):
        row = rows.get(org_id)
        if row is None:
            org = {"id": org_id, "code": code, "name": name, "tier": tier, "parent_id": parent_id}
            row = rows[org_id] = OrgRow(org, dict.fromkeys(OPEN_STATES, 0), 0, 0)
        if state is None:
            continue
        state = State(state)
        row.by_state[state] += n
        row.cases += n
        row.workers += workers
        totals.by_state[state] += n
        totals.cases += n
        totals.workers += workers
    return _tree_order(list(rows.values())), totals


def _tree_order(rows: list[OrgRow]) -> list[OrgRow]:
    """Each organization followed by its children (by code), so towns head their unions."""
    children: dict[int | None, list[OrgRow]] = {}
    ids = {r.org["id"] for r in rows}
    for row in rows:
        parent = row.org["parent_id"] if row.org["parent_id"] in ids else None
        children.setdefault(parent, []).append(row)
    ordered: list[OrgRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: r.org["code"]):
            row.org["depth"] = depth
            ordered.append(row)
            walk(row.org["id"], depth + 1)

    walk(None, 0)
    return ordered


def advocate_cases(user: User) -> list[Case]:
    """The cases assigned to the advocate, open ones first, then the most recently received."""
    closed_last = case((Case.state == State.closed, 1), else_=0)
    stmt = (
        visible_cases(user)
        .order_by(closed_last, Case.received_at.desc(), Case.id.desc())
        .limit(LIST_LIMIT)
    )
    return list(db.session.scalars(stmt))
