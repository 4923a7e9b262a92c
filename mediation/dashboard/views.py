"""The home page (`/`): the dashboard of the signed-in user's role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from mediation.accounts.models import Role
from mediation.dashboard import queries
from mediation.warnings.rules import RULE_LABELS

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
def index():
    """The role's dashboard (docs/architecture.md "Pages")."""
    if current_user.role == Role.mediator:
        return render_template(
            "dashboard/mediator.html", board=queries.mediator_dashboard(current_user)
        )
    if current_user.role in (Role.officer, Role.admin):
        return render_template(
            "dashboard/officer.html",
            board=queries.officer_dashboard(current_user),
            rule_labels=RULE_LABELS,
        )
    return render_template("dashboard/advocate.html", cases=queries.advocate_cases(current_user))
