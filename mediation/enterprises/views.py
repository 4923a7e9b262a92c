"""Enterprise pages: the registry with each employer's risk, and one employer's case history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from mediation.accounts.models import Role
from mediation.cases.models import Case
from mediation.cases.scope import visible_cases
from mediation.core.errors import PermissionDenied, ValidationFailed
from mediation.core.i18n import _
from mediation.core.pagination import paginate
from mediation.core.tables import download, export_format
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import (
    CONTACT_FIELDS,
    ENTERPRISE_WRITERS,
    get_visible_enterprise,
    matching,
    update_contacts,
    visible_enterprises,
)
from mediation.extensions import db
from mediation.reports import exports
from mediation.reports.risk import (
    notice_risk_subquery,
    risk_for,
    risk_subquery,
    riskiest_first,
)
from mediation.reports.watchlist import REPEAT_CASES, WINDOW_DAYS, watch_list

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

bp = Blueprint("enterprises", __name__)

SORTS = ("risk", "name")
MAX_QUERY = 100
SEARCH_LIMIT = 20
WATCH_LIST_LIMIT = 200


def _require_staff() -> None:
    if current_user.role == Role.advocate:
        raise PermissionDenied("Your role may not browse the enterprise registry.")


@bp.route("/enterprises")
@login_required
def enterprise_list():
    _require_staff()
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    sort = request.args.get("sort", "risk")
    if sort not in SORTS:
        sort = "risk"
    page_number = request.args.get("page", 1, type=int) or 1

    stmt = visible_enterprises(current_user).options(joinedload(Enterprise.organization))
    if query:
        stmt = matching(stmt, query)
    if sort == "risk":
        risk = risk_subquery()
        notices = notice_risk_subquery()  # overdue supervision notices (docs/enterprise-file.md)
        stmt = (
            stmt.outerjoin(risk, risk.c.enterprise_id == Enterprise.id)
            .outerjoin(notices, notices.c.enterprise_id == Enterprise.id)
            .order_by(*riskiest_first(risk, notices), Enterprise.name, Enterprise.id)
        )
    else:
        stmt = stmt.order_by(Enterprise.name, Enterprise.id)
    per_page = current_app.config.get("ENTERPRISES_PER_PAGE", 25)
    page = db.paginate(stmt, page=page_number, per_page=per_page, error_out=False)
    return render_template(
        "enterprises/list.html",
        page=page,
        risks=risk_for([e.id for e in page.items]),
        query=query,
        sort=sort,
    )


@bp.route("/enterprises/search")
@login_required
def search():
    """JSON for the new-case form's employer search box (session-authenticated): at most
    SEARCH_LIMIT employers of the user's area whose name or credit code contains `q`."""
    _require_staff()
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    items = []
    if query:
        stmt = (
            matching(visible_enterprises(current_user), query)
            .options(joinedload(Enterprise.organization))
            .order_by(Enterprise.name, Enterprise.id)
            .limit(SEARCH_LIMIT)
        )
        items = [
            {
                "id": e.id,
                "name": e.name,
                "credit_code": e.credit_code,
                "organization": e.organization.name,
            }
            for e in db.session.scalars(stmt)
        ]
    return jsonify({"query": query, "items": items})


@bp.route("/enterprises/<id:enterprise_id>")
@login_required
def detail(enterprise_id: int):
    _require_staff()
    enterprise = get_visible_enterprise(current_user, enterprise_id)
    cases = paginate(
        visible_cases(current_user)
        .where(Case.enterprise_id == enterprise.id)
        .order_by(Case.received_at.desc(), Case.id.desc()),
        request.args.get("page", 1, type=int) or 1,
        current_app.config.get("CASES_PER_PAGE", 25),
    )
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        risk=risk_for([enterprise.id])[enterprise.id],
        cases=cases,
        can_edit=current_user.role in ENTERPRISE_WRITERS,
    )


@bp.route("/enterprises/<id:enterprise_id>/contacts", methods=["GET", "POST"])
@login_required
def contacts(enterprise_id: int) -> ResponseReturnValue:
    """The employer's contact (the day-before hearing reminder's address): a blank field
    clears it; a bad phone or e-mail comes back beside its field with what was typed."""
    if current_user.role not in ENTERPRISE_WRITERS:
        raise PermissionDenied("Your role may not edit enterprises.")
    enterprise = get_visible_enterprise(current_user, enterprise_id)
    if request.method == "GET":
        values = {name: getattr(enterprise, name) or "" for name in CONTACT_FIELDS}
        return render_template("enterprises/contacts.html", enterprise=enterprise, values=values,
                               errors={})  # fmt: skip
    values = {name: (request.form.get(name) or "").strip() for name in CONTACT_FIELDS}
    try:
        update_contacts(current_user, enterprise.id, {k: v or None for k, v in values.items()})
    except ValidationFailed as exc:
        return render_template(
            "enterprises/contacts.html", enterprise=enterprise, values=values, errors=exc.fields
        ), 422
    flash(_("The employer's contact is saved."), "success")
    return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))


@bp.route("/enterprises/watch-list")
@login_required
def watch_list_page():
    _require_staff()
    entries = list(watch_list(current_user, limit=WATCH_LIST_LIMIT))
    return render_template(
        "enterprises/watch_list.html",
        entries=entries,
        limit=WATCH_LIST_LIMIT,
        window_days=WINDOW_DAYS,
        repeat_cases=REPEAT_CASES,
    )


@bp.route("/enterprises/watch-list/export")
@login_required
def watch_list_export():
    _require_staff()
    return download(export_format(), exports.watch_tables(current_user), "watch-list")
