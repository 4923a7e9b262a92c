"""The circuit court's pages: points, a point's calendar (week and month), a hearing with its
outcome form, the printable notice and the report. Thin: role, scope, service, template."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mediation.cases.access import CASE_WRITERS
from mediation.cases.scope import get_visible_case
from mediation.core.clock import local_date, to_local, utcnow
from mediation.core.errors import Conflict, PermissionDenied, ValidationFailed
from mediation.core.i18n import _
from mediation.extensions import db
from mediation.hearings import services
from mediation.hearings.enums import HearingKind, HearingOutcome, PartnerKind
from mediation.hearings.models import HearingPoint

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

bp = Blueprint("hearings", __name__)


def _payload() -> dict:
    """The submitted form: blank inputs left out, as if not given."""
    return {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


# --- points ---------------------------------------------------------------------------------------


@bp.route("/hearing-points")
@login_required
def point_list() -> ResponseReturnValue:
    services.require_staff(current_user)
    points = db.session.scalars(
        services.visible_points(current_user).order_by(HearingPoint.name, HearingPoint.id)
    ).all()
    return render_template(
        "hearings/points.html", points=points,
        can_manage=current_user.role in services.POINT_MANAGERS,
    )  # fmt: skip


def _point_form(values: dict, errors: dict, status: int) -> ResponseReturnValue:
    from mediation.accounts.scope import scope_organizations

    return (
        render_template(
            "hearings/point_new.html", values=values, errors=errors,
            organizations=scope_organizations(current_user), partner_kinds=list(PartnerKind),
        ),
        status,
    )  # fmt: skip


@bp.route("/hearing-points/new", methods=["GET", "POST"])
@login_required
def point_new() -> ResponseReturnValue:
    if current_user.role not in services.POINT_MANAGERS:
        raise PermissionDenied("Your role may not set up hearing points.")
    if request.method == "GET":
        return _point_form({}, {}, 200)
    values = _payload()
    try:
        point = services.create_point(current_user, values)
    except ValidationFailed as exc:
        return _point_form(values, exc.fields, 422)
    flash(_("Hearing point saved."), "success")
    return redirect(url_for("hearings.calendar", point_id=point.id))


@bp.route("/hearing-points/<id:point_id>/calendar")
@login_required
def calendar(point_id: int) -> ResponseReturnValue:
    """A week (from Monday) or a month of the point's hearings; a hearing of a case the reader
    does not see shows only as booked time."""
    services.require_staff(current_user)
    point = services.get_visible_point(current_user, point_id)
    view = "month" if request.args.get("view") == "month" else "week"
    today = local_date(utcnow())
    anchor = _day(request.args.get("day"), today)
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        first = anchor.replace(day=1)
        last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
        previous = (first - timedelta(days=1)).replace(day=1)
        following = last + timedelta(days=1)
    hearings = services.point_hearings(point, first, last)
    seen = services.visible_case_ids(current_user, {h.case_id for h in hearings})
    by_day: dict[date, list] = {}
    for hearing in hearings:
        by_day.setdefault(to_local(hearing.starts_at).date(), []).append(hearing)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return render_template(
        "hearings/calendar.html", point=point, view=view, days=days, by_day=by_day, seen=seen,
        today=today, first=first, last=last, previous=previous, following=following,
        lead=first.weekday() if view == "month" else 0,
    )  # fmt: skip


@bp.route("/hearings/report")
@login_required
def report() -> ResponseReturnValue:
    services.require_staff(current_user)
    this_year = local_date(utcnow()).year
    year = request.args.get("year", this_year, type=int) or this_year
    if not 1990 <= year <= 2100:
        year = this_year
    rows = services.hearing_report(current_user, year)
    totals = {k: sum(r[k] for r in rows) for k in ("held", "resolved", "workers")}
    return render_template("hearings/report.html", rows=rows, totals=totals, year=year)


# --- hearings -------------------------------------------------------------------------------------


@bp.route("/cases/<id:case_id>/hearings", methods=["POST"])
@login_required
def schedule(case_id: int) -> ResponseReturnValue:
    """Scheduled from the case's page; a refused form (a clash, a time past) comes back on a
    page of its own with what was typed and the reasons beside the fields (422)."""
    values = _payload()
    try:
        hearing = services.schedule_hearing(current_user, case_id, values)
    except ValidationFailed as exc:
        case = get_visible_case(current_user, case_id)
        points = db.session.scalars(
            services.visible_points(current_user)
            .where(HearingPoint.active.is_(True))
            .order_by(HearingPoint.name)
        ).all()
        return (
            render_template(
                "hearings/schedule.html", case=case, values=values, errors=exc.fields,
                hearing_points=points, hearing_kinds=list(HearingKind),
            ),
            422,
        )  # fmt: skip
    flash(_("Hearing scheduled."), "success")
    return redirect(url_for("cases.detail", case_id=hearing.case_id) + "#hearings")


def _detail(hearing_id: int, status: int = 200, **extra) -> ResponseReturnValue:
    hearing = services.get_visible_hearing(current_user, hearing_id)
    can_write = current_user.role in CASE_WRITERS
    return (
        render_template(
            "hearings/detail.html", hearing=hearing, can_write=can_write,
            outcomes=list(HearingOutcome), now=utcnow(),
            values=extra.get("values", {}), errors=extra.get("errors", {}),
            message=extra.get("message"),
        ),
        status,
    )  # fmt: skip


@bp.route("/hearings/<id:hearing_id>")
@login_required
def detail(hearing_id: int) -> ResponseReturnValue:
    return _detail(hearing_id)


@bp.route("/hearings/<id:hearing_id>/outcome", methods=["POST"])
@login_required
def outcome(hearing_id: int) -> ResponseReturnValue:
    values = _payload()
    try:
        services.record_outcome(current_user, hearing_id, values)
    except ValidationFailed as exc:
        return _detail(hearing_id, 422, values=values, errors=exc.fields)
    except Conflict as exc:
        return _detail(hearing_id, 409, message=exc.message)
    flash(_("Outcome recorded."), "success")
    return redirect(url_for("hearings.detail", hearing_id=hearing_id))


@bp.route("/hearings/<id:hearing_id>/cancel", methods=["POST"])
@login_required
def cancel(hearing_id: int) -> ResponseReturnValue:
    try:
        services.cancel_hearing(current_user, hearing_id)
    except Conflict as exc:
        return _detail(hearing_id, 409, message=exc.message)
    flash(_("Hearing cancelled."), "info")
    return redirect(url_for("hearings.detail", hearing_id=hearing_id))


@bp.route("/hearings/<id:hearing_id>/notice")
@login_required
def notice(hearing_id: int) -> ResponseReturnValue:
    """The printable hearing notice (A4), for everyone who sees the hearing."""
    hearing = services.get_visible_hearing(current_user, hearing_id)
    return render_template("hearings/notice.html", hearing=hearing, case=hearing.case,
                           issued_on=local_date(utcnow()))  # fmt: skip
