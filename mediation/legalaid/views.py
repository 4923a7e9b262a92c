"""Pages of legal aid: the referral form and the progress form on the case page, the list with
its figures (docs/worker-services.md "Legal aid")."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from mediation.cases.forms import form_payload
from mediation.cases.views import rerender_case_page
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, ValidationFailed
from mediation.core.i18n import _
from mediation.extensions import db
from mediation.legalaid import services
from mediation.legalaid.models import LegalAidReferral

bp = Blueprint("legalaid", __name__)

BOOLEANS = {"yes": True, "no": False}


def _payload(form) -> dict:
    payload = form_payload(form)
    for key in ("eligible", "accepted"):
        if key in payload and payload[key] in BOOLEANS:
            payload[key] = BOOLEANS[payload[key]]
    return payload


@bp.route("/cases/<id:case_id>/legal-aid", methods=["POST"])
@login_required
def refer(case_id: int) -> ResponseReturnValue:
    payload = _payload(request.form)
    try:
        services.refer(current_user, case_id, payload)
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=payload, open_form="legal_aid"
        )
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(_("Referred to legal aid."), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#legal-aid")


@bp.route("/legal-aid/<id:referral_id>", methods=["POST"])
@login_required
def update(referral_id: int) -> ResponseReturnValue:
    referral = services.get_visible_referral(current_user, referral_id)
    case_id = referral.case_id
    payload = _payload(request.form)
    if payload.get("result") == "none":
        payload["result"] = None
    try:
        services.update_referral(current_user, referral_id, payload)
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=payload,
            open_form=f"legal_aid_{referral_id}",
        )  # fmt: skip
    flash(_("Legal aid progress recorded."), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#legal-aid")


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/legal-aid")
@login_required
def referral_list() -> ResponseReturnValue:
    today = local_date(utcnow())
    start = _date_arg("from") or date(today.year, 1, 1)
    end = _date_arg("to") or today
    stmt = (
        services.visible_referrals(current_user)
        .where(LegalAidReferral.referred_on >= start, LegalAidReferral.referred_on <= end)
        .options(joinedload(LegalAidReferral.case))
        .order_by(LegalAidReferral.referred_on.desc(), LegalAidReferral.id.desc())
    )
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int) or 1, per_page=25,
                       error_out=False)  # fmt: skip
    return render_template(
        "legalaid/list.html", page=page, start=start, end=end,
        stats=services.statistics(current_user, start, end),
    )  # fmt: skip
