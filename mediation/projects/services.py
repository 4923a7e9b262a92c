"""The register of construction projects: lookups in scope, create, edit, the year-end
campaign's checklist. Each change is one transaction; the warning engine reacts through
`signals.project_changed` inside it (docs/enterprise-file.md "Construction projects")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, select

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.core.calendar import spring_festival
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import like_pattern, transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.fields import shared_schema
from mediation.core.messages import N_, Message
from mediation.enterprises.services import get_visible_enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select
from mediation.projects.models import (
    ChecklistItem,
    DepositStatus,
    Project,
    ProjectCheck,
    ProjectSubcontractor,
)
from mediation.projects.schemas import (
    CheckInputSchema,
    ProjectCreateSchema,
    ProjectEditSchema,
    clean_id_number,
)

# the register is the union staff's, as the enterprise registry is: advocates do not see it
PROJECT_EDITORS = frozenset({Role.admin, Role.officer, Role.mediator})
# the year-end campaign is run by the town and city officers
CAMPAIGN_ROLES = frozenset({Role.admin, Role.officer})
UNKNOWN_ENTERPRISE = N_("Unknown enterprise.")


def _staff(user: User) -> None:
    if user.role not in PROJECT_EDITORS:
        raise NotFound("Project not found.")  # the register does not exist for an advocate


def area_root(user: User) -> Organization | None:
    """The organization whose subtree's projects the user sees: their town (or city); None
    for the administrator and city staff, who see all."""
    if user.role == Role.admin:
        return None
    root = user.organization.ancestor_at(Tier.town)
    return None if root.tier == Tier.city else root


def visible_projects(user: User) -> Select:
    """The projects in the area of the user's town (all, for administrators and city staff):
    the same area as the enterprise registry's."""
    _staff(user)
    stmt = select(Project)
    root = area_root(user)
    if root is not None:
        stmt = stmt.where(Project.organization_id.in_(subtree_ids_select(root.id)))
    return stmt


def project_choices(user: User, limit: int = 500) -> list[Project]:
    """The projects a case form offers (none for a role that does not see the register)."""
    if user.role not in PROJECT_EDITORS:
        return []
    return list(db.session.scalars(visible_projects(user).order_by(Project.name).limit(limit)))


def matching(stmt: Select, text: str) -> Select:
    return stmt.where(Project.name.ilike(like_pattern(text), escape="\\"))


def get_visible_project(user: User, project_id: int, *, for_update: bool = False) -> Project:
    """The project if the user may see it; otherwise NotFound, the same as a missing one."""
    stmt = visible_projects(user).where(Project.id == project_id)
    if for_update:
        stmt = stmt.with_for_update(of=Project)
    project = db.session.scalar(stmt)
    if project is None:
        raise NotFound("Project not found.")
    return project


def area_organizations(user: User) -> list[Organization]:
    root = area_root(user)
    stmt = select(Organization).order_by(Organization.code)
    if root is not None:
        stmt = stmt.where(Organization.id.in_(subtree_ids_select(root.id)))
    return list(db.session.scalars(stmt))


def _enterprise(user: User, enterprise_id: int, field: str):
    try:
        return get_visible_enterprise(user, enterprise_id)
    except NotFound:
        raise ValidationFailed({field: [UNKNOWN_ENTERPRISE]}) from None


def _load(schema_cls: type, payload: dict | None) -> dict:
    from marshmallow import ValidationError

    try:
        return shared_schema(schema_cls).load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def _apply(project: Project, user: User, data: dict) -> None:
    """Set the loaded fields on the project, resolving the enterprises in scope, and check the
    rules between fields (regulation art. 26 account, art. 32 deposit)."""
    data.pop("version", None)
    if "organization_id" in data:
        org_id = data.pop("organization_id")
        if org_id not in {o.id for o in area_organizations(user)}:
            raise ValidationFailed(
                {"organization_id": [N_("Not an organization you may act for.")]}
            )
        project.organization_id = org_id
        project.organization = db.session.get(Organization, org_id)  # type: ignore[assignment]
    if "builder_id" in data:
        builder_id = data.pop("builder_id")
        project.builder = _enterprise(user, builder_id, "builder_id") if builder_id else None
    if "general_contractor_id" in data:
        project.general_contractor = _enterprise(
            user, data.pop("general_contractor_id"), "general_contractor_id"
        )
    if "subcontractors" in data:
        rows = []
        for index, row in enumerate(data.pop("subcontractors")):
            if row.get("enterprise_id"):
                try:
                    enterprise = get_visible_enterprise(user, row["enterprise_id"])
                except NotFound:
                    raise ValidationFailed(
                        {"subcontractors": {index: {"enterprise_id": [UNKNOWN_ENTERPRISE]}}}
                    ) from None
                rows.append(ProjectSubcontractor(enterprise=enterprise, trade=row.get("trade")))
            else:
                rows.append(
                    ProjectSubcontractor(
                        leader_name=row["leader_name"],
                        leader_id_number=clean_id_number(row["leader_id_number"]),
                        trade=row.get("trade"),
                    )
                )
        project.subcontractors = rows
    for name, value in data.items():
        setattr(project, name, value)
    _check(project)


def _check(project: Project) -> None:
    errors: dict[str, list] = {}
    start, end = project.started_on, project.planned_completion_on
    if start is not None and end is not None and end < start:
        errors["planned_completion_on"] = [N_("Must not be before the start.")]
    if project.wage_account_opened_on is not None and not project.wage_account_bank:
        errors["wage_account_bank"] = [N_("Name the bank of the dedicated wage account.")]
    status = DepositStatus(project.deposit_status or DepositStatus.none)
    if (
        status.needs_amount
        and project.deposit_amount_fen is None
        or project.deposit_form is not None
        and project.deposit_amount_fen is None
    ):
        errors["deposit_amount"] = [N_("A wage deposit has an amount.")]
    if status.needs_amount and project.deposit_form is None:
        errors["deposit_form"] = [N_("Choose how the deposit is lodged.")]
    if errors:
        raise ValidationFailed(errors)


def create_project(user: User, payload: dict, *, now: datetime | None = None) -> Project:
    """Register a construction project; its alerts are raised in the same transaction."""
    now = ensure_utc(now or utcnow())
    _staff(user)
    data = _load(ProjectCreateSchema, payload)
    with transaction():
        data.setdefault("organization_id", user.organization_id)
        project = Project(
            created_by_id=user.id, created_at=now, updated_at=now, version=1,
            deposit_status=DepositStatus.none, real_name_registration=False,
            rights_board_posted=False,
        )  # fmt: skip
        _apply(project, user, data)
        db.session.add(project)
        db.session.flush()
        signals.project_changed.send(project, now=now)
    return project


def update_project(
    project_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> Project:
    """Correct or complete a project (the payroll month, the deposit, …). A stale `version`
    answers 409 and changes nothing."""
    now = ensure_utc(now or utcnow())
    with transaction():
        project = get_visible_project(user, project_id, for_update=True)
        data = _load(ProjectEditSchema, payload)
        version = data.get("version")
        if version is not None and version != project.version:
            raise Conflict(
                Message("The project changed meanwhile (version %(v)s).", v=project.version)
            )
        _apply(project, user, data)
        project.version += 1
        project.updated_at = now
        db.session.flush()
        signals.project_changed.send(project, now=now)
    return project


# --- the year-end arrears campaign (根治欠薪冬季专项行动) ----------------------------------------


def campaign_year(day: date) -> int:
    """The campaign a day belongs to: that of the next Spring Festival (a campaign runs in the
    winter up to it). 3 December 2026 and 5 February 2027 both belong to 2027."""
    return day.year if day < spring_festival(day.year) else day.year + 1


def require_campaign(user: User) -> None:
    _staff(user)
    if user.role not in CAMPAIGN_ROLES:
        raise PermissionDenied("The year-end campaign is for the town and city officers.")
    if user.role == Role.officer and user.organization.tier not in (Tier.town, Tier.city):
        raise PermissionDenied("The year-end campaign is for the town and city officers.")


def checks_of(project_ids: list[int], year: int) -> dict[int, dict[ChecklistItem, ProjectCheck]]:
    out: dict[int, dict[ChecklistItem, ProjectCheck]] = {i: {} for i in project_ids}
    if not project_ids:
        return out
    for check in db.session.scalars(
        select(ProjectCheck).where(
            ProjectCheck.project_id.in_(project_ids), ProjectCheck.campaign_year == year
        )
    ):
        out[check.project_id][ChecklistItem(check.item)] = check
    return out


def set_check(
    user: User, project_id: int, year: int, payload: dict, *, now: datetime | None = None
) -> ProjectCheck | None:
    """Tick (or untick) one item of a project's campaign checklist: who and when are kept."""
    now = ensure_utc(now or utcnow())
    with transaction():
        project = get_visible_project(user, project_id, for_update=True)  # scope first: 404
        require_campaign(user)
        data = _load(CheckInputSchema, payload)
        item = ChecklistItem(data["item"])
        check = db.session.scalar(
            select(ProjectCheck).where(
                ProjectCheck.project_id == project.id,
                ProjectCheck.campaign_year == year,
                ProjectCheck.item == item,
            )
        )
        if not data["checked"]:
            if check is not None:
                db.session.delete(check)
            return None
        if check is None:
            check = ProjectCheck(project_id=project.id, campaign_year=year, item=item)
            db.session.add(check)
        check.note = data.get("note")
        check.checked_by_id = user.id
        check.checked_at = now
        db.session.flush()
    return check


def near_completion(project: Project, today: date, days: int) -> bool:
    """Planned to be completed within `days` from today, or already due (docs/enterprise-file.md
    "Construction projects")."""
    end = project.planned_completion_on
    return end is not None and end <= today + timedelta(days=days)


def local_today() -> date:
    return local_date(utcnow())


# near completion, for the register's filter and the campaign: the arrears rule's setting
NEAR_COMPLETION_DAYS = 60


def near_completion_cutoff(days: int = NEAR_COMPLETION_DAYS) -> date:
    return local_today() + timedelta(days=days)


# --- payroll ---------------------------------------------------------------------------------


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def months_late(paid_through: date | None, started_on: date, today: date) -> int:
    """How many months of wages are late today: the months after the one paid through (the
    month before the start when none is paid) up to the last month that has ended. Wages are
    paid at least monthly (art. 12), a month's wages in the month after it. In December 2026,
    paid through November: 0; through October: 1; through September: 2."""
    paid = month_index(paid_through) if paid_through else month_index(started_on) - 1
    return max(month_index(today) - 1 - paid, 0)
