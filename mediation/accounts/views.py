"""Login and logout."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from mediation.accounts.auth import is_safe_next, sign_in, sign_out
from mediation.accounts.services import set_locale
from mediation.accounts.throttle import TooManyAttempts, sign_in_attempt
from mediation.core.i18n import LANGUAGES, _
from mediation.core.web import CARRY_PREFIX, RESUBMIT_TO, carried_fields, resubmit_page

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.index"))
    error = None
    status = 200
    retry_after = 0
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        resubmit_to = request.form.get(RESUBMIT_TO)
        try:
            user = sign_in_attempt(username, request.form.get("password", ""), request.remote_addr)
        except TooManyAttempts as exc:
            retry_after, status = exc.retry_after, 429
            error = _(
                "Too many failed sign-ins. Try again in %(minutes)s minutes.",
                minutes=max(1, -(-retry_after // 60)),
            )
        else:
            if user is None:
                status = 401
                error = _("Wrong user name or password, or the account is disabled.")
            else:
                sign_in(user)
                if resubmit_to and is_safe_next(resubmit_to):  # a form refused while signed out
                    fields = carried_fields(request.form, CARRY_PREFIX)
                    return resubmit_page(resubmit_to, fields, 200)
                flash(_("Welcome, %(name)s.", name=user.display_name), "success")
                return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.index"))
        if resubmit_to and is_safe_next(resubmit_to):  # keep what was typed for a retry
            fields = carried_fields(request.form, CARRY_PREFIX)
            page, _status = resubmit_page(resubmit_to, fields, status, error=error)
            return page, status, {"Retry-After": str(retry_after)} if retry_after else {}
    page = render_template("auth/login.html", error=error, username=username, next_url=next_url)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return page, status, headers


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
