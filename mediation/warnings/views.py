"""The alert inbox and the admin pages of the early-warning engine."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from mediation.cases.enums import WarningLevel
from mediation.cases.forms import form_payload
from mediation.cases.views import rerender_case_page
from mediation.core.errors import Conflict, ValidationFailed
from mediation.core.i18n import _, lazy_gettext, ngettext, translate_message
from mediation.extensions import db
from mediation.warnings import delays, inbox, services
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.rules import RULE_LABELS

bp = Blueprint("warnings", __name__)


FILTER_ARGS = ("q", "status", "level", "sort")


def _inbox_filters(source: Any) -> dict[str, str | None]:
    """The inbox's filters from a query string (or the bulk form's hidden copies of it)."""
    status = source.get("status", "active") or "active"
    if status not in ("active", *[s.value for s in AlertStatus]):
        status = "active"
    level = source.get("level") or None
    if level not in {lv.value for lv in WarningLevel}:
        level = None
    sort = source.get("sort") or "level"
    if sort not in inbox.SORTS:
        sort = "level"
    q = (source.get("q") or "").strip()[:100] or None
    return {"status": status, "level": level, "sort": sort, "q": q}


def _render_inbox(filters: dict[str, str | None] | None = None, page_number: int = 1,
                  errors: dict | None = None, open_alert: int | None = None,
                  bulk: dict | None = None) -> str:  # fmt: skip
    filters = filters or _inbox_filters({})
    page = inbox.inbox_page(
        current_user, status=filters["status"], level=filters["level"], q=filters["q"],
        sort=filters["sort"] or "level", page=page_number, per_page=inbox.GROUPS_PER_PAGE,
    )  # fmt: skip
    focus = None
    if open_alert is not None:
        # the alert whose form was refused comes first, wherever it would be in the list
        focus = db.session.get(Alert, open_alert)
        for group in page.groups:
            group.alerts = [a for a in group.alerts if a.id != open_alert]
    return render_template(
        "warnings/inbox.html",
        focus=focus,
        page=page,
        climbs=page.climbs,
        filters=filters,
        status=filters["status"],
        level=filters["level"],
        levels=list(WarningLevel),
        sorts=SORT_LABELS,
        rule_labels=RULE_LABELS,
        errors=errors or {},
        open_alert=open_alert,
        bulk=bulk or {"ids": set(), "note": "", "errors": {}},
    )


SORT_LABELS = {
    "level": lazy_gettext("Level, most severe first"),
    "age": lazy_gettext("Age, longest waiting first"),
    "climb": lazy_gettext("Time to climb, soonest first"),
}


@bp.route("/alerts", endpoint="inbox")
@login_required
def inbox_view() -> ResponseReturnValue:
    return _render_inbox(_inbox_filters(request.args), request.args.get("page", 1, type=int) or 1)


def _back_to_inbox(filters: dict[str, str | None]) -> ResponseReturnValue:
    args: dict[str, Any] = {
        k: v
        for k, v in filters.items()
        if v and (k, v) not in (("status", "active"), ("sort", "level"))
    }
    return redirect(url_for("warnings.inbox", **args))


@bp.route("/alerts/acknowledge", methods=["POST"])
@login_required
def acknowledge_selected() -> ResponseReturnValue:
    """One note for every alert ticked in the inbox, all or nothing (docs/alert-inbox.md)."""
    filters = _inbox_filters(request.form)
    raw_ids = request.form.getlist("ids")
    note = request.form.get("note", "").strip()
    ids = [int(i) for i in raw_ids if i.isdigit() and len(i) <= 10]
    try:
        alerts = inbox.acknowledge_many(current_user, {"ids": ids, "note": note})
    except ValidationFailed as exc:
        bulk = {"ids": set(ids), "note": note, "errors": exc.fields}
        return _render_inbox(filters, bulk=bulk), 422
    except Conflict as exc:
        flash(translate_message(exc.message), "error")
        return _back_to_inbox(filters)
    flash(ngettext("%(num)d alert acknowledged.", "%(num)d alerts acknowledged.", len(alerts)),
          "success")  # fmt: skip
    return _back_to_inbox(filters)


@bp.route("/alerts/<id:alert_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(alert_id: int) -> ResponseReturnValue:
    try:
        alert = services.acknowledge(
            alert_id, current_user, {"note": request.form.get("note", "").strip()}
        )
    except ValidationFailed as exc:
        return _render_inbox(
            _inbox_filters(request.form), errors=exc.fields, open_alert=alert_id
        ), 422
    except Conflict as exc:
        flash(translate_message(exc.message), "error")
        return redirect(url_for("warnings.inbox"))
    flash(
        _(
            "Alert acknowledged: %(number)s %(rule)s.",
            number=alert.project.name
            if alert.project is not None
            else _("Mass incident %(id)s", id=alert.incident_id)
            if alert.incident_id is not None
            else _("Supervision notice %(number)s", number=alert.notice.number)
            if alert.notice is not None
            else alert.case.number,
            rule=RULE_LABELS.get(alert.rule, alert.rule),
        ),
        "success",
    )
    back = request.form.get("back")
    if back == "incident" and alert.incident_id is not None:
        return redirect(url_for("incidents.detail", incident_id=alert.incident_id))
    if back == "project" and alert.project_id is not None:
        return redirect(url_for("projects.detail", project_id=alert.project_id))
    if back == "notice" and alert.notice_id is not None:
        return redirect(url_for("labour_supervision.detail", notice_id=alert.notice_id))
    if back == "case":
        return redirect(url_for("cases.detail", case_id=alert.case_id))
    return redirect(url_for("warnings.inbox"))


@bp.route("/cases/<id:case_id>/escalations", methods=["POST"])
@login_required
def escalate(case_id: int) -> ResponseReturnValue:
    """Ask the next tier up to look at a case: a manual alert (the form is on the case's page,
    which this answers again with the form's errors)."""
    payload = {"level": request.form.get("level", ""), "reason": request.form.get("reason", "")}
    try:
        alert = services.escalate(case_id, current_user, payload)
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=payload, open_form="escalate"
        )
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(_("Escalated to %(org)s.", org=alert.target_org.name), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#alerts")


@bp.route("/cases/<id:case_id>/wage-delay", methods=["POST"])
@login_required
def wage_delay(case_id: int) -> ResponseReturnValue:
    """Record a delay of wages agreed with the union (the form is on the case's page)."""
    payload: dict = form_payload(request.form, drop=("csrf_token", "version"))
    version = request.form.get("version", type=int)
    if version is not None:
        payload["version"] = version
    try:
        case = delays.record_wage_delay(case_id, current_user, payload)
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=payload, open_form="wage_delay"
        )
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    assert case.wage_delay_until is not None  # (just recorded)
    flash(
        _("Delay of wages recorded: until %(day)s.", day=case.wage_delay_until.isoformat()),
        "success",
    )
    return redirect(url_for("cases.detail", case_id=case_id))
