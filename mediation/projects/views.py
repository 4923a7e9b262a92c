"""The pages of construction projects: the register, a project, the forms, and the year-end
arrears campaign with its checklist and export (docs/enterprise-file.md "Construction
projects")."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from mediation import signals
from mediation.cases.enums import OPEN_STATES
from mediation.cases.forms import form_payload
from mediation.cases.models import Case
from mediation.cases.scope import visible_cases
from mediation.core.errors import Conflict, ValidationFailed
from mediation.core.i18n import _, lazy_gettext, translate_message
from mediation.core.money import fen_to_yuan
from mediation.core.tables import download, export_format
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.projects import campaign as campaign_module
from mediation.projects import services
from mediation.projects.models import ChecklistItem, DepositForm, DepositStatus, Project

bp = Blueprint("projects", __name__)
PER_PAGE = 50
# rows of subcontractors on the form: those recorded and this many blank ones
BLANK_SUBCONTRACTORS = 2
# the enterprises a form offers to choose from (the area's, by name)
ENTERPRISE_CHOICES = 1000
SUB_FIELDS = ("enterprise_id", "leader_name", "leader_id_number", "trade")
BOOLEANS = ("real_name_registration", "rights_board_posted")

LABELS = {
    "name": lazy_gettext("Project name"),
    "location": lazy_gettext("Location"),
    "organization_id": lazy_gettext("Union of the area"),
    "builder_id": lazy_gettext("Builder (建设单位)"),
    "general_contractor_id": lazy_gettext("General contractor"),
    "subcontractors": lazy_gettext("Subcontractors"),
    "enterprise_id": lazy_gettext("Subcontracting enterprise"),
    "leader_name": lazy_gettext("or team leader's name"),
    "leader_id_number": lazy_gettext("Team leader's resident ID number"),
    "trade": lazy_gettext("Trade"),
    "started_on": lazy_gettext("Started on"),
    "planned_completion_on": lazy_gettext("Planned completion"),
    "wage_account_bank": lazy_gettext("Dedicated wage account: bank"),
    "wage_account_opened_on": lazy_gettext("Dedicated wage account: opened on"),
    "deposit_amount": lazy_gettext("Wage deposit (yuan)"),
    "deposit_form": lazy_gettext("Form of the deposit"),
    "deposit_status": lazy_gettext("Deposit status"),
    "real_name_registration": lazy_gettext("Real-name registration of workers in place"),
    "rights_board_posted": lazy_gettext("Rights-information board posted on site"),
    "payroll_paid_through": lazy_gettext("Wages paid through (month)"),
}


def project_payload(form: MultiDict, *, editing: bool) -> dict[str, Any]:
    """The project form as a payload: the subcontractor rows as a list (blank rows left
    out), the check boxes as booleans, and on the edit form a cleared field cleared."""
    names = ("csrf_token", *BOOLEANS)
    payload: dict[str, Any] = form_payload(
        form, drop=names + tuple(k for k in form if k.startswith("sub-"))
    )
    for name in BOOLEANS:
        payload[name] = form.get(name) == "on"
    rows = []
    index = 0
    while f"sub-{index}-trade" in form or f"sub-{index}-enterprise_id" in form:
        row = {
            name: form.get(f"sub-{index}-{name}", "").strip()
            for name in SUB_FIELDS
            if form.get(f"sub-{index}-{name}", "").strip()
        }
        if set(row) - {"trade"}:
            rows.append(row)
        index += 1
    payload["subcontractors"] = rows
    if editing:
        for name in (
            "builder_id", "planned_completion_on", "wage_account_bank",
            "wage_account_opened_on", "deposit_amount", "deposit_form", "payroll_paid_through",
        ):  # fmt: skip
            if name in form and not form.get(name, "").strip():
                payload[name] = None
    return payload


def _flat_errors(errors: dict) -> dict:
    """The subcontractor rows' errors (`subcontractors.<i>.<field>`) as `sub-<i>-<field>`,
    beside their inputs; a row's own error beside its enterprise."""
    flat = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "subcontractors" and len(parts) == 3:
            name = "enterprise_id" if parts[2] == "_schema" else parts[2]
            flat[f"sub-{parts[1]}-{name}"] = messages
        else:
            flat[key] = messages
    return flat


def _values_of(project: Project) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(project, name)
        for name in ("name", "location", "organization_id", "builder_id",
                     "general_contractor_id", "started_on", "planned_completion_on",
                     "wage_account_bank", "wage_account_opened_on", "deposit_form",
                     "deposit_status", *BOOLEANS)
    }  # fmt: skip
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values["deposit_amount"] = fen_to_yuan(project.deposit_amount_fen) or ""
    values["payroll_paid_through"] = (
        project.payroll_paid_through.strftime("%Y-%m") if project.payroll_paid_through else ""
    )
    values["version"] = project.version
    values["subcontractors"] = [
        {
            "enterprise_id": s.enterprise_id or "",
            "leader_name": s.leader_name or "",
            # the number is shown masked and kept unless a new one is typed
            "leader_id_number": s.leader_id_number or "",
            "trade": s.trade or "",
        }
        for s in project.subcontractors
    ]
    return values


def _sub_rows(values: dict, form: MultiDict | None) -> list[dict]:
    if form is not None:  # a refused form: the rows as typed
        rows, index = [], 0
        while f"sub-{index}-trade" in form or f"sub-{index}-enterprise_id" in form:
            rows.append({n: form.get(f"sub-{index}-{n}", "") for n in SUB_FIELDS})
            index += 1
        return rows
    rows = list(values.get("subcontractors") or [])
    return rows + [dict.fromkeys(SUB_FIELDS, "") for _ in range(BLANK_SUBCONTRACTORS)]


def _form_context(values: dict, errors: dict, form: MultiDict | None = None, **extra) -> dict:
    enterprises = db.session.execute(
        visible_enterprises(current_user)
        .with_only_columns(Enterprise.id, Enterprise.name)
        .order_by(Enterprise.name)
        .limit(ENTERPRISE_CHOICES)
    ).all()
    return {
        "values": {k: ("on" if v is True else v) for k, v in values.items()},
        "errors": _flat_errors(errors),
        "labels": LABELS,
        "enterprises": [(str(i), n) for i, n in enterprises],
        "organizations": [(str(o.id), o.name) for o in services.area_organizations(current_user)],
        "deposit_forms": [(f.value, f.label) for f in DepositForm],
        "deposit_statuses": [(s.value, s.label) for s in DepositStatus],
        "sub_rows": _sub_rows(values, form),
        **extra,
    }


@bp.route("/projects")
@login_required
def project_list() -> ResponseReturnValue:
    stmt = services.visible_projects(current_user)
    query = (request.args.get("q") or "").strip()[:100]
    if query:
        stmt = services.matching(stmt, query)
    page = db.paginate(
        stmt.order_by(Project.planned_completion_on.is_(None), Project.planned_completion_on,
                      Project.id),
        page=request.args.get("page", 1, type=int) or 1, per_page=PER_PAGE, error_out=False,
    )  # fmt: skip
    today = services.local_today()
    return render_template(
        "projects/list.html", page=page, query=query, today=today,
        late={p.id: services.months_late(p.payroll_paid_through, p.started_on, today)
              for p in page.items},
    )  # fmt: skip


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def new_project() -> ResponseReturnValue:
    services.visible_projects(current_user)  # advocates: 404
    values: dict[str, Any] = {"organization_id": current_user.organization_id}
    errors: dict = {}
    if request.method == "POST":
        payload = project_payload(request.form, editing=False)
        try:
            project = services.create_project(current_user, payload)
        except ValidationFailed as exc:
            errors = exc.fields
            values = form_payload(request.form)
        else:
            flash(_("Project registered."), "success")
            return redirect(url_for("projects.detail", project_id=project.id))
    status = 422 if errors else 200
    form = request.form if errors else None
    return render_template(
        "projects/form.html", **_form_context(values, errors, form, project=None)
    ), status


@bp.route("/projects/<id:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int) -> ResponseReturnValue:
    project = services.get_visible_project(current_user, project_id)
    values = _values_of(project)
    errors: dict = {}
    if request.method == "POST":
        payload = project_payload(request.form, editing=True)
        try:
            services.update_project(project_id, current_user, payload)
        except ValidationFailed as exc:
            errors = exc.fields
            values = form_payload(request.form)
        except Conflict as exc:
            errors = {"_schema": [translate_message(exc.message)]}
            values = form_payload(request.form)
        else:
            flash(_("Project saved."), "success")
            return redirect(url_for("projects.detail", project_id=project_id))
        db.session.rollback()
        project = services.get_visible_project(current_user, project_id)
    status = 422 if errors else 200
    form = request.form if errors else None
    return render_template(
        "projects/form.html", **_form_context(values, errors, form, project=project)
    ), status


@bp.route("/projects/<id:project_id>")
@login_required
def detail(project_id: int) -> ResponseReturnValue:
    project = services.get_visible_project(current_user, project_id)
    cases = list(
        db.session.scalars(
            visible_cases(current_user)
            .where(Case.project_id == project.id)
            .order_by(Case.received_at.desc())
            .limit(200)
        )
    )
    today = services.local_today()
    return render_template(
        "projects/detail.html", project=project, cases=cases, open_states=OPEN_STATES,
        months_late=services.months_late(project.payroll_paid_through, project.started_on, today),
        **signals.values_from_signal(signals.project_page.send(project, user=current_user)),
    )  # fmt: skip


# --- the year-end arrears campaign ---------------------------------------------------------------


@bp.route("/projects/campaign")
@login_required
def campaign() -> ResponseReturnValue:
    result = campaign_module.campaign(current_user, services.local_today())
    return render_template("projects/campaign.html", campaign=result, items=list(ChecklistItem))


@bp.route("/projects/<id:project_id>/checks", methods=["POST"])
@login_required
def check(project_id: int) -> ResponseReturnValue:
    """Tick or untick one item of the project's checklist (a box of the campaign page)."""
    year = services.campaign_year(services.local_today())
    payload = {
        "item": request.form.get("item", ""),
        "checked": request.form.get("checked") == "on",
    }
    if request.form.get("note", "").strip():
        payload["note"] = request.form["note"].strip()
    try:
        services.set_check(current_user, project_id, year, payload)
    except ValidationFailed as exc:
        db.session.rollback()
        result = campaign_module.campaign(current_user, services.local_today())
        return render_template(
            "projects/campaign.html", campaign=result, items=list(ChecklistItem),
            errors={project_id: exc.fields},
        ), 422  # fmt: skip
    flash(_("Checklist saved."), "success")
    return redirect(url_for("projects.campaign") + f"#project-{project_id}")


@bp.route("/projects/campaign/export")
@login_required
def campaign_export() -> ResponseReturnValue:
    fmt = export_format()
    tables = campaign_module.campaign_tables(current_user, services.local_today())
    return download(fmt, tables, "arrears-campaign")


def cases_of(project: Project) -> list[int]:
    return list(db.session.scalars(select(Case.id).where(Case.project_id == project.id)))
