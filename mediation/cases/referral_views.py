"""The referrals page: the reports handed between unions, sent and received, and the
receiving union's answer (docs/referrals.md)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from mediation.cases import referrals
from mediation.cases.access import CASE_WRITERS
from mediation.cases.models import CaseReferral
from mediation.core.errors import ValidationFailed
from mediation.core.i18n import _, translate_message
from mediation.extensions import db

bp = Blueprint("referrals", __name__)


@bp.route("/referrals")
@login_required
def referral_list() -> ResponseReturnValue:
    if current_user.role not in CASE_WRITERS:
        abort(404)  # advocates see no registries
    rows: list[CaseReferral] = list(
        db.session.scalars(referrals.visible_referrals(current_user).limit(200))
    )
    return render_template(
        "cases/referrals.html",
        referrals=rows,
        can_decide={r.id: referrals.can_decide(current_user, r) for r in rows},
    )


@bp.route("/referrals/<int:referral_id>/decision", methods=["POST"])
@login_required
def decide(referral_id: int) -> ResponseReturnValue:
    """Accept or decline; a refused answer comes back to the list (a GET address, so that a
    reload does not post again) with its message."""
    try:
        referrals.decide_referral(referral_id, current_user, request.form.to_dict())
    except ValidationFailed as exc:
        for messages in exc.fields.values():
            for message in messages:
                flash(translate_message(message), "error")
        return redirect(url_for("referrals.referral_list") + f"#referral-{referral_id}", 303)
    flash(_("Referral answered."), "success")
    return redirect(url_for("referrals.referral_list") + f"#referral-{referral_id}", 303)
