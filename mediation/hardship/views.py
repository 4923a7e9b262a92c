"""Pages of the hardship files: list, new (also from a case), file with its aid and review,
the printable aid approval form, the reports (docs/worker-services.md "Hardship files")."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import or_

from mediation.cases.forms import form_payload
from mediation.core.clock import local_date, utcnow
from mediation.core.db import like_pattern
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.i18n import DEFAULT_LOCALE, LANGUAGE_NAMES, LANGUAGES, _, force_locale
from mediation.core.money import amount_in_capitals
from mediation.extensions import db
from mediation.hardship import services
from mediation.hardship.models import AidKind, AidRecord, HardshipFile, HardshipLevel, HardshipType
from mediation.orgs.models import Organization

bp = Blueprint("hardship", __name__)
PER_PAGE = 25


def _area_orgs() -> list[tuple[str, str]]:
    ids = services.area_org_ids(current_user)
    stmt = db.select(Organization.id, Organization.name).order_by(Organization.code)
    if ids is not None:
        stmt = stmt.where(Organization.id.in_(ids))
    return [(str(i), n) for i, n in db.session.execute(stmt)]


@bp.route("/hardship")
@login_required
def file_list() -> ResponseReturnValue:
    stmt = services.visible_files(current_user)
    query = (request.args.get("q") or "").strip()[:100]
    level = request.args.get("level", "")
    kind = request.args.get("type", "")
    if query:
        stmt = stmt.where(
            or_(
                HardshipFile.name.ilike(like_pattern(query), escape="\\"),
                HardshipFile.employer.ilike(like_pattern(query), escape="\\"),
            )
        )
    if level in HardshipLevel.__members__:
        stmt = stmt.where(HardshipFile.level == HardshipLevel(level))
    if kind in HardshipType.__members__:
        stmt = stmt.where(HardshipFile.hardship_type == HardshipType(kind))
    page = db.paginate(
        stmt.order_by(HardshipFile.review_due_on, HardshipFile.id),
        page=request.args.get("page", 1, type=int) or 1, per_page=PER_PAGE, error_out=False,
    )  # fmt: skip
    return render_template(
        "hardship/list.html", page=page, query=query, level=level, kind=kind,
        levels=HardshipLevel, types=HardshipType, today=local_date(utcnow()),
    )  # fmt: skip


def _new_context(values: dict, errors: dict) -> dict:
    return {
        "values": values, "errors": errors, "orgs": _area_orgs(),
        "levels": HardshipLevel, "types": HardshipType,
    }  # fmt: skip


@bp.route("/hardship/new", methods=["GET", "POST"])
@login_required
def new_file() -> ResponseReturnValue:
    services.visible_files(current_user)  # advocates: 404
    values: dict = {}
    errors: dict = {}
    if request.method == "POST":
        values = form_payload(request.form)
        try:
            file = services.open_file(current_user, values)
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Hardship file opened."), "success")
            return redirect(url_for("hardship.detail", file_id=file.id))
    elif case_id := request.args.get("case_id", type=int):
        values = services.prefill_from_case(current_user, case_id)
    status = 422 if errors else 200
    return render_template("hardship/new.html", **_new_context(values, errors)), status


def _detail(file: HardshipFile, **extra) -> str:
    context = {
        "file": file, "kinds": AidKind, "levels": HardshipLevel,
        "errors": {}, "values": {}, "open_form": None, "today": local_date(utcnow()),
        **extra,
    }  # fmt: skip
    return render_template("hardship/detail.html", **context)


@bp.route("/hardship/<id:file_id>")
@login_required
def detail(file_id: int) -> ResponseReturnValue:
    return _detail(services.get_visible_file(current_user, file_id))


@bp.route("/hardship/<id:file_id>/aid", methods=["POST"])
@login_required
def record_aid(file_id: int) -> ResponseReturnValue:
    payload = form_payload(request.form)
    try:
        services.record_aid(current_user, file_id, payload)
    except ValidationFailed as exc:
        db.session.expire_all()
        file = services.get_visible_file(current_user, file_id)
        return _detail(file, errors=exc.fields, values=payload, open_form="aid"), 422
    flash(_("Aid recorded."), "success")
    return redirect(url_for("hardship.detail", file_id=file_id))


@bp.route("/hardship/<id:file_id>/review", methods=["POST"])
@login_required
def review(file_id: int) -> ResponseReturnValue:
    payload = form_payload(request.form)
    try:
        services.complete_review(current_user, file_id, payload)
    except ValidationFailed as exc:
        db.session.expire_all()
        file = services.get_visible_file(current_user, file_id)
        return _detail(file, errors=exc.fields, values=payload, open_form="review"), 422
    flash(_("Review recorded; the next one is due in a year."), "success")
    return redirect(url_for("hardship.detail", file_id=file_id))


@bp.route("/hardship/<id:file_id>/aid/<id:aid_id>/approval")
@login_required
def approval_form(file_id: int, aid_id: int) -> ResponseReturnValue:
    """The printable aid approval form (A4), in the reader's or the asked language."""
    file = services.get_visible_file(current_user, file_id)
    aid = db.session.get(AidRecord, aid_id)
    if aid is None or aid.file_id != file.id:
        raise NotFound("Aid record not found.")
    # an official Chinese form whatever the UI language; `?lang=en` a reading copy
    chosen = request.args.get("lang")
    locale = chosen if chosen in LANGUAGES else DEFAULT_LOCALE
    other = next(code for code in LANGUAGES if code != locale)
    with force_locale(locale):
        return render_template(
            "hardship/approval.html", file=file, aid=aid,
            capitals=amount_in_capitals(aid.amount_fen), document_lang=locale,
            other_lang={"code": other, "name": LANGUAGE_NAMES[other]},
        )  # fmt: skip


@bp.route("/hardship/reports")
@login_required
def reports() -> ResponseReturnValue:
    today = local_date(utcnow())
    year = request.args.get("year", today.year, type=int) or today.year
    year = min(max(year, 1990), 2100)
    return render_template(
        "hardship/reports.html", towns=services.files_by_town(current_user),
        aid=services.aid_totals(current_user, year), year=year,
        levels=HardshipLevel, types=HardshipType,
    )  # fmt: skip
