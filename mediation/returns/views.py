"""Pages of the returns (docs/returns.md): the list with the form for a new draft, the draft
editor, a return's page (its latest frozen version, or a draft's tables computed now) with the
workflow's buttons, a version, the versions, the printable A4 page and the workbook. Thin:
role, scope, one service, a template."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from mediation.accounts.models import Role
from mediation.cases.forms import form_payload
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, ValidationFailed
from mediation.core.i18n import LANGUAGE_NAMES, _, force_locale
from mediation.core.tables import FORMATS, spooled
from mediation.extensions import db
from mediation.orgs.models import Organization
from mediation.returns import output, services
from mediation.returns.models import Return
from mediation.returns.periods import PeriodKind
from mediation.returns.workflow import (
    EDITABLE,
    TRIGGERS,
    ReturnState,
    available,
    event_word,
    may_draft,
)

bp = Blueprint("returns", __name__)


def _readers_only() -> None:
    """Advocates have no returns: 404, as for anything outside one's scope."""
    if current_user.role == Role.advocate:
        abort(404)


def _document(ret: Return, version_number: int | None = None) -> tuple[dict, object]:
    """The document a page shows: a given version, else the latest frozen one, else (a draft
    or a return sent back) the tables computed now."""
    if version_number is not None:
        version = services.get_version(current_user, ret.id, version_number)
        return version.snapshot, version
    latest = ret.latest_version
    if ReturnState(ret.state) in EDITABLE or latest is None:
        return services.live_document(current_user, ret), None
    return latest.snapshot, latest


def _page_context(ret: Return) -> dict:
    return {
        "ret": ret,
        "can_edit": ReturnState(ret.state) in EDITABLE
        and may_draft(current_user, ret.organization),
        "steps": available(current_user, ReturnState(ret.state), ret.organization),
        "word": output.word,
        "shown": output.shown,
        "section_titles": output.SECTION_TITLES,
        "event_word": event_word,
    }


def _new_form_context(values: dict | None = None, errors: dict | None = None) -> dict:
    orgs = []
    if current_user.role in (Role.officer, Role.admin):
        stmt = db.select(Organization).where(Organization.tier.in_(["town", "city"]))
        if current_user.role != Role.admin:
            stmt = stmt.where(Organization.id == current_user.organization_id)
        orgs = [(o.id, o.name) for o in db.session.scalars(stmt.order_by(Organization.code))]
    today = local_date(utcnow())
    last = today.month - 1 or 12
    return {
        "kinds": list(PeriodKind),
        "organizations": orgs,
        "values": values or {"kind": "month", "year": today.year if last != 12 else today.year - 1,
                             "number": last},
        "errors": errors or {},
    }  # fmt: skip


@bp.route("/returns")
@login_required
def return_list() -> ResponseReturnValue:
    _readers_only()
    returns = services.list_returns(current_user, state=request.args.get("state") or None)
    return render_template("returns/list.html", returns=returns, **_new_form_context())


@bp.route("/returns", methods=["POST"])
@login_required
def create() -> ResponseReturnValue:
    _readers_only()
    payload = form_payload(request.form)
    for key in ("year", "number", "organization_id"):
        if key in payload and str(payload[key]).isdigit():
            payload[key] = int(payload[key])
    try:
        ret = services.create_draft(current_user, payload)
    except ValidationFailed as exc:
        returns = services.list_returns(current_user)
        return render_template(
            "returns/list.html", returns=returns, **_new_form_context(payload, exc.fields)
        ), 422
    flash(_("Draft created."), "success")
    return redirect(url_for("returns.edit", return_id=ret.id))


@bp.route("/returns/<id:return_id>")
@login_required
def detail(return_id: int) -> ResponseReturnValue:
    _readers_only()
    ret = services.get_visible_return(current_user, return_id)
    document, version = _document(ret)
    return render_template(
        "returns/detail.html", document=document, version=version, **_page_context(ret)
    )


@bp.route("/returns/<id:return_id>/edit", methods=["GET", "POST"])
@login_required
def edit(return_id: int) -> ResponseReturnValue:
    _readers_only()
    ret = services.get_visible_return(current_user, return_id)
    if not may_draft(current_user, ret.organization):
        abort(403)
    errors: dict = {}
    values = {
        "typical_cases": ret.typical_cases, "main_problems": ret.main_problems,
        "next_steps": ret.next_steps, "typical_case_ids": list(ret.typical_case_ids or []),
        "version": ret.version,
    }  # fmt: skip
    status = 200
    if request.method == "POST":
        payload = form_payload(request.form)
        payload["typical_case_ids"] = [
            int(v) for v in request.form.getlist("typical_case_ids") if v.isdigit()
        ]
        for key in ("typical_cases", "main_problems", "next_steps"):
            payload.setdefault(key, "")
        if str(payload.get("version", "")).isdigit():
            payload["version"] = int(payload["version"])
        try:
            services.update_sections(current_user, return_id, payload)
        except ValidationFailed as exc:
            errors, values, status = exc.fields, {**values, **payload}, 422
        except Conflict as exc:
            errors, values, status = {"version": [exc.message]}, {**values, **payload}, 409
        else:
            flash(_("Return saved."), "success")
            return redirect(url_for("returns.detail", return_id=return_id))
    if ReturnState(ret.state) not in EDITABLE:
        abort(409)
    return render_template(
        "returns/edit.html", candidates=services.candidate_cases(current_user, ret),
        values=values, errors=errors, **_page_context(ret),
    ), status  # fmt: skip


@bp.route("/returns/<id:return_id>/steps/<name>", methods=["POST"])
@login_required
def step(return_id: int, name: str) -> ResponseReturnValue:
    _readers_only()
    if name not in {t.name for t in TRIGGERS}:
        abort(404)
    payload = form_payload(request.form)
    if str(payload.get("version", "")).isdigit():
        payload["version"] = int(payload["version"])
    try:
        services.fire(current_user, return_id, name, payload)
    except (ValidationFailed, Conflict) as exc:
        ret = services.get_visible_return(current_user, return_id)
        document, version = _document(ret)
        errors = exc.fields if isinstance(exc, ValidationFailed) else {}
        return render_template(
            "returns/detail.html", document=document, version=version, step_errors=errors,
            step_values=payload, step_name=name,
            message=None if errors else exc.message, **_page_context(ret),
        ), exc.status_code  # fmt: skip
    flash(_("Done."), "success")
    return redirect(url_for("returns.detail", return_id=return_id))


@bp.route("/returns/<id:return_id>/versions")
@login_required
def versions(return_id: int) -> ResponseReturnValue:
    _readers_only()
    ret = services.get_visible_return(current_user, return_id)
    return render_template("returns/versions.html", **_page_context(ret))


@bp.route("/returns/<id:return_id>/versions/<id:number>")
@login_required
def version(return_id: int, number: int) -> ResponseReturnValue:
    _readers_only()
    ret = services.get_visible_return(current_user, return_id)
    document, found = _document(ret, number)
    return render_template(
        "returns/detail.html", document=document, version=found, **_page_context(ret)
    )


def _chosen(ret: Return) -> tuple[dict, object]:
    number = request.args.get("version", type=int)
    return _document(ret, number)


@bp.route("/returns/<id:return_id>/print")
@login_required
def printable(return_id: int) -> ResponseReturnValue:
    """The A4 page: Chinese (the official return) unless `?lang=en` asks for a reading copy."""
    _readers_only()
    ret = services.get_visible_return(current_user, return_id)
    document, version = _chosen(ret)
    lang = "en" if request.args.get("lang") == "en" else "zh_Hans_CN"
    other = "zh_Hans_CN" if lang == "en" else "en"
    with force_locale(lang):
        return render_template(
            "returns/print.html", document=document, version=version, document_lang=lang,
            other_lang={"code": other, "name": LANGUAGE_NAMES[other]}, **_page_context(ret),
        )  # fmt: skip


@bp.route("/returns/<id:return_id>/workbook")
@login_required
def workbook(return_id: int) -> ResponseReturnValue:
    _readers_only()
    ret = services.get_visible_return(current_user, return_id)
    document, version = _chosen(ret)
    out = spooled("xlsx", output.workbook_tables(document))
    stem = f"return-{ret.organization.code}-{ret.period_start.isoformat()[:7]}-{ret.period_kind}"
    if version is not None:
        stem += f"-v{version.number}"  # type: ignore[attr-defined]
    return send_file(out, mimetype=FORMATS["xlsx"], as_attachment=True,
                     download_name=f"{stem}.xlsx")  # fmt: skip
