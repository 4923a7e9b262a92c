"""The pages of labour-law supervision: the register of notices, the issue form, a notice's
page with the reply and verification forms, and the printable notice
(docs/enterprise-file.md "Supervision notices")."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_login import current_user, login_required

from mediation import signals
from mediation.accounts.scope import scope_organizations
from mediation.cases.forms import form_payload
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.core.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    lazy_gettext,
    translate_message,
)
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import get_visible_enterprise
from mediation.extensions import db
from mediation.labour_supervision import services
from mediation.labour_supervision.enums import STEPS, NoticeKind, NoticeStatus
from mediation.labour_supervision.models import SupervisionNotice

bp = Blueprint("labour_supervision", __name__)
PER_PAGE = 50

LABELS = {
    "kind": lazy_gettext("Kind of notice"),
    "organization_id": lazy_gettext("Issuing union"),
    "enterprise_id": lazy_gettext("Enterprise (registry id)"),
    "issued_on": lazy_gettext("Date of the notice"),
    "findings": lazy_gettext("Findings"),
    "rectification": lazy_gettext("Rectification required"),
    "deadline": lazy_gettext("Rectify by"),
    "case_ids": lazy_gettext("Linked case ids (comma-separated)"),
    "reply_on": lazy_gettext("Reply received on"),
    "reply_text": lazy_gettext("The enterprise's reply"),
    "rectified": lazy_gettext("Result of the check"),
    "note": lazy_gettext("Note of the check"),
}


@bp.app_context_processor
def _enterprise_notices() -> dict[str, Any]:
    def supervision_notices_of(enterprise: Enterprise) -> list[SupervisionNotice]:
        """The notices to `enterprise` the signed-in user may see (for the enterprise page)."""
        if not current_user.is_authenticated:
            return []
        return services.notices_of_enterprise(current_user, enterprise.id)

    return {"supervision_notices_of": supervision_notices_of}


def _case_ids(raw: str) -> list[str]:
    raw = raw.replace("，", ",").strip()
    return [p.strip() for p in raw.split(",") if p.strip()]


@bp.route("/supervision-notices")
@login_required
def notice_list() -> ResponseReturnValue:
    """The notices of the user's area, newest first; ?status=…, ?overdue=1."""
    stmt = services.visible_notices(current_user)
    status = request.args.get("status") or None
    if status is not None and status in NoticeStatus.__members__:
        stmt = stmt.where(SupervisionNotice.status.in_([NoticeStatus(status)]))
    else:
        status = None
    overdue = request.args.get("overdue") == "1"
    if overdue:
        stmt = stmt.where(services.overdue_condition(local_date(utcnow())))
    page = db.paginate(
        services.newest_first(stmt),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "labour_supervision/list.html",
        page=page,
        status=status,
        overdue=overdue,
        statuses=list(NoticeStatus),
        today=local_date(utcnow()),
    )


@bp.route("/supervision-notices/new", methods=["GET", "POST"])
@login_required
def new_notice() -> ResponseReturnValue:
    services.check_staff(current_user)
    errors: dict = {}
    if request.method == "POST":
        values: dict[str, Any] = request.form.to_dict()
        payload = form_payload(request.form, drop=("csrf_token", "case_ids"))
        case_ids = _case_ids(request.form.get("case_ids", ""))
        if case_ids:
            payload["case_ids"] = case_ids
        try:
            notice = services.create_notice(current_user, payload)
        except ValidationFailed as exc:
            errors = exc.fields
            db.session.rollback()
        else:
            flash(_("Supervision notice issued."), "success")
            return redirect(url_for("labour_supervision.detail", notice_id=notice.id))
    else:
        values = {
            "issued_on": local_date(utcnow()).isoformat(),
            "organization_id": str(current_user.organization_id),
            "enterprise_id": request.args.get("enterprise_id", ""),
            "kind": NoticeKind.opinion.value,
        }
    enterprise = None
    if str(values.get("enterprise_id", "")).isdigit():
        try:
            enterprise = get_visible_enterprise(current_user, int(values["enterprise_id"]))
        except NotFound:
            enterprise = None
    return (
        render_template(
            "labour_supervision/new.html",
            values=values,
            errors=errors,
            labels=LABELS,
            kinds=list(NoticeKind),
            organizations=scope_organizations(current_user),
            enterprise=enterprise,
        ),
        422 if errors else 200,
    )


def _detail(notice: SupervisionNotice, status: int = 200, **extra: Any) -> ResponseReturnValue:
    page_values = signals.values_from_signal(
        signals.supervision_notice_page.send(notice, user=current_user)
    )
    today = local_date(utcnow())
    context = {
        "notice": notice,
        "labels": LABELS,
        "steps": STEPS,
        "actions": services.actions_for(notice, current_user),
        "overdue": notice.is_overdue(today),
        "reply_values": extra.pop("reply_values", {"reply_on": today.isoformat()}),
        "reply_errors": extra.pop("reply_errors", {}),
        "verify_values": extra.pop("verify_values", {}),
        "verify_errors": extra.pop("verify_errors", {}),
        "alerts": page_values.get("alerts", []),
        "rule_labels": page_values.get("rule_labels", {}),
        **extra,
    }
    return render_template("labour_supervision/detail.html", **context), status


@bp.route("/supervision-notices/<id:notice_id>")
@login_required
def detail(notice_id: int) -> ResponseReturnValue:
    return _detail(services.get_visible_notice(current_user, notice_id))


@bp.route("/supervision-notices/<id:notice_id>/reply", methods=["POST"])
@login_required
def reply(notice_id: int) -> ResponseReturnValue:
    services.get_visible_notice(current_user, notice_id)  # 404 before anything else
    try:
        services.record_reply(notice_id, current_user, form_payload(request.form))
    except ValidationFailed as exc:
        db.session.rollback()
        notice = services.get_visible_notice(current_user, notice_id)
        return _detail(notice, 422, reply_values=request.form.to_dict(), reply_errors=exc.fields)
    except Conflict as exc:
        flash(translate_message(exc.message), "error")
    else:
        flash(_("The enterprise's reply is recorded."), "success")
    return redirect(url_for("labour_supervision.detail", notice_id=notice_id))


@bp.route("/supervision-notices/<id:notice_id>/verify", methods=["POST"])
@login_required
def verify(notice_id: int) -> ResponseReturnValue:
    services.get_visible_notice(current_user, notice_id)
    payload = form_payload(request.form)
    try:
        services.verify(notice_id, current_user, payload)
    except ValidationFailed as exc:
        db.session.rollback()
        notice = services.get_visible_notice(current_user, notice_id)
        return _detail(notice, 422, verify_values=request.form.to_dict(), verify_errors=exc.fields)
    except Conflict as exc:
        flash(translate_message(exc.message), "error")
    else:
        flash(_("The verification is recorded."), "success")
    return redirect(url_for("labour_supervision.detail", notice_id=notice_id))


@bp.route("/supervision-notices/<id:notice_id>/document")
@login_required
def document(notice_id: int) -> str:
    """The printable notice, an official Chinese form whatever the UI language (`?lang=en`:
    an English reading copy), like the case documents."""
    notice = services.get_visible_notice(current_user, notice_id)
    chosen = request.args.get("lang")
    locale = chosen if chosen in LANGUAGES else DEFAULT_LOCALE
    other = next(code for code in LANGUAGES if code != locale)
    with force_locale(locale):
        return render_template(
            "labour_supervision/document.html",
            notice=notice,
            document_lang=locale,
            other_lang={"code": other, "name": LANGUAGE_NAMES[other]},
        )
