"""The year-end arrears campaign (根治欠薪冬季专项行动) for the town and city officers: the
projects near completion or with open arrears cases, their payroll, the open arrears cases and
each project's checklist, on a page and in an export (docs/enterprise-file.md "Construction
projects"). Composed from the register and the cases (the listed exception in .importlinter)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from mediation import signals
from mediation.accounts.models import User
from mediation.cases.enums import OPEN_STATES, CaseKind
from mediation.cases.models import Case
from mediation.cases.scope import visible_cases
from mediation.core.calendar import spring_festival
from mediation.core.messages import N_
from mediation.core.tables import LazyRows, Table, yes_no, yuan
from mediation.extensions import db
from mediation.projects import services
from mediation.projects.models import ChecklistItem, DepositStatus, Project, ProjectCheck

DEFAULT_NEAR_COMPLETION_DAYS = services.NEAR_COMPLETION_DAYS
DEFAULT_WEEKS_BEFORE = 8


@dataclass
class CampaignRow:
    project: Project
    near_completion: bool
    months_late: int
    cases: list[Case] = field(default_factory=list)
    checks: dict[ChecklistItem, ProjectCheck] = field(default_factory=dict)

    @property
    def claimed_fen(self) -> int:
        return sum(c.claim_amount_fen or 0 for c in self.cases)

    @property
    def workers(self) -> int:
        return sum(c.workers_involved for c in self.cases)


@dataclass
class Campaign:
    year: int
    festival: date
    window_starts: date
    rows: list[CampaignRow]


def campaign_settings() -> dict:
    """The window and "near completion" of the arrears rule (`[arrears_duration]`), from the
    warning engine that owns them (`signals.clock_settings`)."""
    cfg = signals.values_from_signal(signals.clock_settings.send(None)).get("arrears_duration", {})
    return {
        "near_completion_days": cfg.get("near_completion_days", DEFAULT_NEAR_COMPLETION_DAYS),
        "festival_weeks_before": cfg.get("festival_weeks_before", DEFAULT_WEEKS_BEFORE),
    }


def campaign(user: User, today: date) -> Campaign:
    """The campaign as the user sees it today: projects in their area planned to be completed
    within the setting's days (or already due), and projects with open arrears cases the
    user sees; the most late payroll first, then the soonest completion."""
    services.require_campaign(user)
    cfg = campaign_settings()
    year = services.campaign_year(today)
    festival = spring_festival(year)
    cutoff = date.fromordinal(today.toordinal() + cfg["near_completion_days"])
    open_arrears = (
        visible_cases(user)
        .where(Case.kind == CaseKind.arrears, Case.state.in_(OPEN_STATES))
        .where(Case.project_id.is_not(None))
    )
    with_cases = select(open_arrears.with_only_columns(Case.project_id).subquery().c.project_id)
    projects = list(
        db.session.scalars(
            services.visible_projects(user)
            .where(or_(Project.planned_completion_on <= cutoff, Project.id.in_(with_cases)))
            .order_by(Project.planned_completion_on, Project.id)
        )
    )
    ids = [p.id for p in projects]
    cases_by_project: dict[int, list[Case]] = defaultdict(list)
    if ids:
        for case in db.session.scalars(
            open_arrears.where(Case.project_id.in_(ids)).order_by(Case.received_at)
        ):
            cases_by_project[case.project_id or 0].append(case)
    checks = services.checks_of(ids, year)
    rows = [
        CampaignRow(
            project=p,
            near_completion=p.planned_completion_on is not None
            and p.planned_completion_on <= cutoff,
            months_late=services.months_late(p.payroll_paid_through, p.started_on, today),
            cases=cases_by_project[p.id],
            checks=checks[p.id],
        )
        for p in projects
    ]
    rows.sort(
        key=lambda r: (-r.months_late, -len(r.cases), r.project.planned_completion_on or date.max)
    )
    window_starts = date.fromordinal(festival.toordinal() - 7 * cfg["festival_weeks_before"])
    return Campaign(year, festival, window_starts, rows)


HEADERS = [
    N_("Project"), N_("Location"), N_("General contractor"), N_("Planned completion"),
    N_("Paid through"), N_("Months of payroll late"), N_("Dedicated wage account"),
    N_("Wage deposit"), N_("Real-name registration"), N_("Rights-information board"),
    N_("Open arrears cases"), N_("Workers involved"), N_("Amount claimed (yuan)"),
    # the checklist's items (their labels: `models.CHECKLIST_LABELS`)
    N_("Site visited"), N_("Payroll records checked"), N_("Wage account and deposit checked"),
    N_("Rights-information board checked"), N_("Arrears cleared before the Spring Festival"),
]  # fmt: skip


def campaign_tables(user: User, today: date) -> list[Table]:
    """The campaign as one table: a row per project, each checklist item as who ticked it and
    when (blank: not yet)."""
    result = campaign(user, today)

    def rows():
        for r in result.rows:
            p = r.project
            yield (
                p.name, p.location, p.general_contractor.name, p.planned_completion_on,
                p.payroll_paid_through.strftime("%Y-%m") if p.payroll_paid_through else "",
                r.months_late, p.wage_account_bank or yes_no(False),
                str(DepositStatus(p.deposit_status).label), yes_no(p.real_name_registration),
                yes_no(p.rights_board_posted), len(r.cases), r.workers, yuan(r.claimed_fen),
                *[_check_cell(r.checks.get(item)) for item in ChecklistItem],
            )  # fmt: skip

    return [Table(N_("Year-end arrears campaign"), HEADERS, LazyRows(rows))]


def _check_cell(check: ProjectCheck | None) -> str:
    if check is None:
        return ""
    from mediation.core.clock import to_local

    who = check.checked_by.display_name if check.checked_by else ""
    return f"{who} {to_local(check.checked_at).strftime('%Y-%m-%d %H:%M')}".strip()
