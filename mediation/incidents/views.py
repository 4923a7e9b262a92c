"""The pages of mass incidents: the quick form, the incident page with its report timeline,
the city board and the printable written report (docs/incidents.md "Pages")."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from mediation import signals
from mediation.accounts.models import Role
from mediation.accounts.scope import scope_organizations
from mediation.cases.forms import form_payload
from mediation.core.clock import to_local, utcnow
from mediation.core.errors import Conflict, PermissionDenied, ValidationFailed
from mediation.core.i18n import _, lazy_gettext
from mediation.extensions import db
from mediation.incidents import services
from mediation.incidents.chain import CHAIN
from mediation.incidents.enums import (
    Behaviour,
    IncidentCause,
    IncidentStatus,
    ReportChannel,
    ReportKind,
)
from mediation.incidents.models import Incident

bp = Blueprint("incidents", __name__)
BOARD_PER_PAGE = 50
# the fields of the record that hold text a person wrote, the written report's elements
TEXT_FIELDS = ("description", "demands", "measures", "nature", "trend", "escalation_risk", "impact")

LABELS = {
    "organization_id": lazy_gettext("Reporting union"),
    "employer_name": lazy_gettext("Employer"),
    "enterprise_id": lazy_gettext("Registered enterprise"),
    "place": lazy_gettext("Place"),
    "started_at": lazy_gettext("Started at"),
    "learned_at": lazy_gettext("The union learned of it at"),
    "participants": lazy_gettext("Participants (about)"),
    "behaviours": lazy_gettext("Behaviour"),
    "cause": lazy_gettext("Cause"),
    "description": lazy_gettext("What happened"),
    "demands": lazy_gettext("Demands"),
    "measures": lazy_gettext("Measures taken"),
    "nature": lazy_gettext("Nature"),
    "trend": lazy_gettext("Trend"),
    "escalation_risk": lazy_gettext("Possible time and scale of escalation"),
    "impact": lazy_gettext("Impact"),
    "status": lazy_gettext("Status"),
    "ended_at": lazy_gettext("Ended at"),
    "case_ids": lazy_gettext("Linked case ids (comma-separated)"),
    "kind": lazy_gettext("Report"),
    "at": lazy_gettext("Reported at"),
    "channel": lazy_gettext("Channel"),
    "content": lazy_gettext("Content"),
}


def incident_payload(form: MultiDict, *, editing: bool) -> dict[str, Any]:
    """The incident form as a payload: the behaviour checkboxes as a list, case ids as a list;
    on the edit form a cleared text clears the field."""
    payload: dict[str, Any] = form_payload(form, drop=("csrf_token", "behaviours", "case_ids"))
    behaviours = [b for b in form.getlist("behaviours") if b]
    if behaviours or not editing:
        payload["behaviours"] = behaviours
    case_ids = form.get("case_ids", "").replace("，", ",").strip()
    if case_ids:
        payload["case_ids"] = [p.strip() for p in case_ids.split(",") if p.strip()]
    elif editing:
        payload["case_ids"] = []
    if editing:
        for name in (*TEXT_FIELDS, "employer_name"):
            if name in form and not form.get(name, "").strip():
                payload[name] = None
        if "version" in payload:
            payload["version"] = form.get("version", type=int) or payload["version"]
    return payload


def _local_input(value) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _form_context(values: dict, errors: dict, **extra: Any) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "labels": LABELS,
        "behaviours": list(Behaviour),
        "causes": list(IncidentCause),
        "statuses": list(IncidentStatus),
        "organizations": scope_organizations(current_user)
        if current_user.role != Role.advocate
        else [(current_user.organization_id, current_user.organization.name)],
        **extra,
    }


@bp.route("/incidents")
@login_required
def board() -> ResponseReturnValue:
    """The incident board: ongoing and contained incidents, newest and largest first (all,
    with ?status=all)."""
    show_all = request.args.get("status") == "all"
    stmt = services.visible_incidents(current_user)
    if not show_all:
        stmt = stmt.where(Incident.status != IncidentStatus.ended)
    page = db.paginate(
        services.board_order(stmt),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=BOARD_PER_PAGE,
        error_out=False,
    )
    return render_template("incidents/board.html", page=page, show_all=show_all)


@bp.route("/incidents/new", methods=["GET", "POST"])
@login_required
def new_incident() -> ResponseReturnValue:
    """The quick form: the few facts known in the first minutes, on a phone."""
    if current_user.role not in services.INCIDENT_REPORTERS:
        raise PermissionDenied("Your role may not record incidents.")
    values: dict[str, Any] = {}
    errors: dict = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "behaviours": request.form.getlist("behaviours")}
        try:
            incident = services.create_incident(
                current_user, incident_payload(request.form, editing=False)
            )
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Incident recorded; the city federation has been alerted."), "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    else:
        values = {
            "started_at": _local_input(utcnow()),
            "organization_id": str(current_user.organization_id),
            "behaviours": [],
        }
    return (
        render_template("incidents/new.html", **_form_context(values, errors)),
        422 if errors else 200,
    )


def _detail_context(incident: Incident, **extra: Any) -> dict[str, Any]:
    page_values = signals.values_from_signal(
        signals.incident_page.send(incident, user=current_user)
    )
    return {
        "incident": incident,
        "chain": services.chain_of(incident),
        "chain_table": CHAIN,
        "reports": services.reports_of(incident),
        "kinds": list(ReportKind),
        "channels": list(ReportChannel),
        "labels": LABELS,
        "can_edit": current_user.role in services.INCIDENT_EDITORS,
        "report_values": extra.pop("report_values", {"at": _local_input(utcnow())}),
        "report_errors": extra.pop("report_errors", {}),
        "alerts": page_values.get("alerts", []),
        "rule_labels": page_values.get("rule_labels", {}),
        **extra,
    }


@bp.route("/incidents/<id:incident_id>")
@login_required
def detail(incident_id: int) -> ResponseReturnValue:
    incident = services.get_visible_incident(current_user, incident_id)
    return render_template("incidents/detail.html", **_detail_context(incident))


@bp.route("/incidents/<id:incident_id>/reports", methods=["POST"])
@login_required
def add_report(incident_id: int) -> ResponseReturnValue:
    payload = form_payload(request.form)
    try:
        services.add_report(incident_id, current_user, payload)
    except ValidationFailed as exc:
        incident = services.get_visible_incident(current_user, incident_id)
        context = _detail_context(
            incident, report_values=request.form.to_dict(), report_errors=exc.fields
        )
        return render_template("incidents/detail.html", **context), 422
    flash(_("Report recorded."), "success")
    return redirect(url_for("incidents.detail", incident_id=incident_id) + "#reports")


@bp.route("/incidents/<id:incident_id>/edit", methods=["GET", "POST"])
@login_required
def edit(incident_id: int) -> ResponseReturnValue:
    """The rest of the record, the status, the written report's elements."""
    incident = services.get_visible_incident(current_user, incident_id)
    services.check_permission(current_user, "edit incidents")
    errors: dict = {}
    if request.method == "POST":
        values: dict[str, Any] = request.form.to_dict()
        values["behaviours"] = request.form.getlist("behaviours")
        try:
            services.update_incident(
                incident_id, current_user, incident_payload(request.form, editing=True)
            )
        except ValidationFailed as exc:
            errors = exc.fields
            db.session.rollback()
            incident = services.get_visible_incident(current_user, incident_id)
        except Conflict:
            flash(_("Someone changed the incident meanwhile; here it is as it is now."), "error")
            return redirect(url_for("incidents.edit", incident_id=incident_id))
        else:
            flash(_("Incident updated."), "success")
            return redirect(url_for("incidents.detail", incident_id=incident_id))
    else:
        values = {
            **{name: getattr(incident, name) or "" for name in (*TEXT_FIELDS, "employer_name",
                                                               "place")},
            "participants": str(incident.participants),
            "behaviours": list(incident.behaviours),
            "cause": incident.cause.value,
            "status": incident.status.value,
            "started_at": _local_input(incident.started_at),
            "learned_at": _local_input(incident.learned_at),
            "ended_at": _local_input(incident.ended_at),
            "case_ids": ", ".join(str(i) for i in incident.case_ids),
            "version": str(incident.version),
        }  # fmt: skip
    return (
        render_template("incidents/edit.html", **_form_context(values, errors, incident=incident)),
        422 if errors else 200,
    )


@bp.route("/incidents/<id:incident_id>/written-report")
@login_required
def written_report(incident_id: int) -> ResponseReturnValue:
    """The printable written report (信息报告): the seven elements (docs/domain.md)."""
    incident = services.get_visible_incident(current_user, incident_id)
    return render_template(
        "incidents/written_report.html",
        incident=incident,
        reports=services.reports_of(incident),
        printed_at=utcnow(),
    )
