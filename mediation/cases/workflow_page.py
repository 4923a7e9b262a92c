"""The Workflow page: the lifecycle diagram and its triggers, drawn from the machine itself."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from markupsafe import Markup

from mediation.accounts.models import Role
from mediation.cases import diagram
from mediation.cases.forms import FIELD_LABELS

bp = Blueprint("workflow", __name__)


@bp.route("/workflow")
@login_required
def workflow_page() -> str:
    data = diagram.machine()
    return render_template(
        "cases/workflow.html",
        # generated here from the machine's own data; every text inside is XML-escaped
        svg=Markup(diagram.svg(data)),  # noqa: S704
        states={s["code"]: s for s in data["states"]},
        rows=diagram.trigger_rows(data),
        roles={r.value: r for r in Role},
        field_labels=FIELD_LABELS,
        mermaid=diagram.mermaid(data),
    )
