"""Demo data: a construction project with a general contractor, a subcontracting enterprise
and a natural-person team leader, through the real services (docs/enterprise-file.md
"Construction projects"). Finds its town, officer and enterprises by tier and role, not by
name, so it fits whatever towns and enterprises the demo has."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case as when
from sqlalchemy import or_, select

from mediation.accounts.models import Role, User
from mediation.cases.enums import OPEN_STATES, CaseKind
from mediation.cases.models import Case
from mediation.cases.scope import scope_filter
from mediation.cases.services import update_facts
from mediation.core.clock import local_date
from mediation.core.identifiers import id_check_digit
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.projects import services
from mediation.projects.models import Project

DEMO_PROJECT = "滨江花园三期住宅工程"
# the team leader's number: a well-formed, invented resident ID number
LEADER_ID_FIRST17 = "33010619780312731"
BUILDING_SECTOR = or_(Enterprise.sector.like("%建%"), Enterprise.sector.like("%劳务%"))


def _month(day, back: int) -> str:
    index = day.year * 12 + day.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def load_demo_projects(now: datetime) -> Project | None:
    """One project near completion, payroll two months behind and no wage deposit yet (so
    the demo shows its yellow and orange alerts), with an open arrears case naming it when
    there is one against the general contractor. Adds nothing when it is there already."""
    existing = db.session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
    if existing is not None:
        return existing
    town_officers = (
        select(User)
        .join(Organization, Organization.id == User.organization_id)
        .where(User.role == Role.officer, User.active.is_(True), Organization.tier == Tier.town)
        .order_by(User.id)
        .limit(1)
    )
    # the town of a construction firm when the demo has one (by sector), else the first town
    firm = db.session.scalar(
        select(Enterprise).where(BUILDING_SECTOR).order_by(Enterprise.id).limit(1)
    )
    officer = None
    if firm is not None:
        town = firm.organization.ancestor_at(Tier.town)
        officer = db.session.scalar(town_officers.where(User.organization_id == town.id))
    officer = officer or db.session.scalar(town_officers)
    if officer is None:
        return None
    # construction firms first, else any of the area's
    building = when((BUILDING_SECTOR, 0), else_=1)
    enterprises = list(
        db.session.scalars(visible_enterprises(officer).order_by(building, Enterprise.id).limit(3))
    )
    if len(enterprises) < 2:
        return None
    contractor, *others = enterprises
    builder = others[1] if len(others) > 1 else None
    today = local_date(now)
    payload = {
        "name": DEMO_PROJECT,
        "location": "滨江路88号",
        "organization_id": officer.organization_id,
        "general_contractor_id": contractor.id,
        "builder_id": builder.id if builder else None,
        "started_on": (today - timedelta(days=300)).isoformat(),
        "planned_completion_on": (today + timedelta(days=40)).isoformat(),
        "wage_account_bank": "中国工商银行滨江支行",
        "wage_account_opened_on": (today - timedelta(days=290)).isoformat(),
        "deposit_status": "none",
        "real_name_registration": True,
        "rights_board_posted": False,
        "payroll_paid_through": _month(today, 3),
        "subcontractors": [
            {"enterprise_id": others[0].id, "trade": "劳务分包"},
            {
                "leader_name": "王建军",
                "leader_id_number": LEADER_ID_FIRST17 + id_check_digit(LEADER_ID_FIRST17),
                "trade": "木工班组",
            },
        ],
    }
    project = services.create_project(officer, payload, now=now)
    stmt = select(Case).where(
        Case.enterprise_id.in_([e.id for e in enterprises]),
        Case.kind == CaseKind.arrears,
        Case.state.in_(OPEN_STATES),
        Case.project_id.is_(None),
    )
    case = db.session.scalar(scope_filter(stmt, officer).order_by(Case.id).limit(1))
    if case is not None:
        update_facts(case.id, officer, {"project_id": project.id, "version": case.version}, now=now)
    return project
