"""API: construction projects (docs/enterprise-file.md "Construction projects")."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from mediation.accounts.models import User
from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.pagination import paginate
from mediation.core.schemas import text
from mediation.projects import services
from mediation.projects.models import Project
from mediation.projects.schemas import ProjectCreateSchema, ProjectEditSchema, ProjectSchema


class ProjectListQuery(PagingQuery):
    q = text(100, metadata={"description": "part of the project's name"})
    near_completion = fields.Boolean(
        metadata={"description": "only projects planned to be completed within 60 days or due"}
    )


bp = Blueprint("projects_api", __name__)


@bp.route("/projects", methods=["GET"])
@authenticated
@bp.arguments(ProjectListQuery, location="query")
@bp.response(200, page_of(ProjectSchema))
def list_projects(query: dict[str, Any], user: User) -> Any:
    """Construction projects in the caller's area

    Ordered by planned completion, the soonest first; `q` searches the name. Advocates: 404
    (the register is the union staff's)."""
    stmt = services.visible_projects(user)
    if query.get("q"):
        stmt = services.matching(stmt, query["q"])
    if query.get("near_completion"):
        stmt = stmt.where(Project.planned_completion_on <= services.near_completion_cutoff())
    stmt = stmt.order_by(Project.planned_completion_on.is_(None), Project.planned_completion_on,
                         Project.id)  # fmt: skip
    return paginate(stmt, query["page"], per_page(query))


@bp.route("/projects", methods=["POST"])
@authenticated
@bp.arguments(ProjectCreateSchema)
@bp.response(201, ProjectSchema)
def create_project(body: dict[str, Any], user: User) -> Any:
    """Register a construction project

    `name`, `location`, `general_contractor_id` and `started_on` are required; the builder,
    the subcontractors (an `enterprise_id`, or a team leader's `leader_name` and
    `leader_id_number`), the dedicated wage account, the wage deposit (`deposit_amount` in
    yuan, required once it is lodged), real-name registration, the rights-information board
    and `payroll_paid_through` (`YYYY-MM`) may follow. The project's alerts are raised in the
    same transaction. Bad input: 422 with a message per field."""
    return services.create_project(user, body)


@bp.route("/projects/<id:project_id>", methods=["GET"])
@authenticated
@bp.response(200, ProjectSchema)
def get_project(user: User, project_id: int) -> Any:
    """One construction project

    A natural-person team leader's ID number is masked."""
    return services.get_visible_project(user, project_id)


@bp.route("/projects/<id:project_id>", methods=["PATCH"])
@authenticated
@bp.arguments(ProjectEditSchema)
@bp.response(200, ProjectSchema)
@bp.alt_response(409, response="CONFLICT")
def edit_project(body: dict[str, Any], user: User, project_id: int) -> Any:
    """Update a construction project

    Any field; `subcontractors`, when given, replaces the list. The optional `version`
    guards against a concurrent change (stale: 409)."""
    return services.update_project(project_id, user, body)
