"""Login and logout."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from mediation.accounts.auth import is_safe_next, sign_in, sign_out
from mediation.accounts.services import authenticate, set_locale
from mediation.core.i18n import LANGUAGES, _
from mediation.core.web import CARRY_PREFIX, RESUBMIT_TO, carried_fields, resubmit_page
from mediation.extensions import limiter

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.index"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        user = authenticate(username, request.form.get("password", ""))
        resubmit_to = request.form.get(RESUBMIT_TO)
        if user is None:
            error = _("Wrong user name or password, or the account is disabled.")
            if resubmit_to and is_safe_next(resubmit_to):  # keep what was typed for a retry
                fields = carried_fields(request.form, CARRY_PREFIX)
                return resubmit_page(resubmit_to, fields, 401, error=error)
        else:
            sign_in(user)
            if resubmit_to and is_safe_next(resubmit_to):  # a form refused while signed out
                return resubmit_page(resubmit_to, carried_fields(request.form, CARRY_PREFIX), 200)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.index"))
    status = 401 if error else 200
    return render_template(
        "auth/login.html", error=error, username=username, next_url=next_url
    ), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sign_out(current_user)
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    """The language switch: this session's choice and, for a signed-in user, their preference;
    then back to the page the switch was on."""
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        set_locale(current_user, lang)
    next_url = request.form.get("next")
    return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.index"))
