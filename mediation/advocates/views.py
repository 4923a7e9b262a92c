"""Pages of the advocates' team: the team, one advocate's profile and training, the review
list, training sessions with attendance, the team's figures (docs/worker-services.md
"Advocates")."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from mediation.accounts.models import Role
from mediation.advocates import services
from mediation.advocates.models import AdvocateStatus, TrainingKind, TrainingSession
from mediation.cases.forms import form_payload
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.i18n import _
from mediation.extensions import db

bp = Blueprint("advocates", __name__)


def _staff_only() -> None:
    """The team's lists are for staff; an advocate has their own profile page (404 here)."""
    if current_user.role not in services.TEAM_READERS:
        raise NotFound("Not found.")


@bp.route("/advocates")
@login_required
def team() -> ResponseReturnValue:
    if current_user.role == Role.advocate:
        return redirect(url_for("advocates.profile", advocate_id=current_user.id))
    _staff_only()
    return render_template(
        "advocates/team.html", rows=services.team(current_user),
        can_manage=current_user.role in services.TEAM_MANAGERS,
    )  # fmt: skip


@bp.route("/advocates/review")
@login_required
def review() -> ResponseReturnValue:
    _staff_only()
    return render_template("advocates/review.html", rows=services.review_list(current_user))


def _profile_page(advocate_id: int, *, errors: dict | None = None, values: dict | None = None):
    advocate = services.get_visible_advocate(current_user, advocate_id)
    row = next(r for r in services.team(current_user) if r["advocate"].id == advocate.id)
    return render_template(
        "advocates/profile.html", row=row, trainings=services.trainings_of(advocate),
        can_manage=current_user.role in services.TEAM_MANAGERS, statuses=AdvocateStatus,
        errors=errors or {}, values=values or {},
    )  # fmt: skip


@bp.route("/advocates/<id:advocate_id>", methods=["GET", "POST"])
@login_required
def profile(advocate_id: int) -> ResponseReturnValue:
    if request.method == "POST":
        payload = form_payload(request.form)
        try:
            services.update_profile(current_user, advocate_id, payload)
        except ValidationFailed as exc:
            db.session.expire_all()
            return _profile_page(advocate_id, errors=exc.fields, values=payload), 422
        flash(_("Profile saved."), "success")
        return redirect(url_for("advocates.profile", advocate_id=advocate_id))
    return _profile_page(advocate_id)


def _trainings_page(*, errors: dict | None = None, values: dict | None = None):
    sessions = list(
        db.session.scalars(
            services.visible_trainings(current_user).order_by(TrainingSession.held_on.desc())
        )
    )
    can_manage = current_user.role in services.TEAM_MANAGERS
    return render_template(
        "advocates/trainings.html", sessions=sessions, kinds=TrainingKind,
        advocates=[r["advocate"] for r in services.team(current_user)] if can_manage else [],
        can_manage=can_manage, errors=errors or {}, values=values or {},
        today=local_date(utcnow()),
    )  # fmt: skip


@bp.route("/advocates/trainings", methods=["GET", "POST"])
@login_required
def trainings() -> ResponseReturnValue:
    if request.method == "POST":
        payload = form_payload(request.form)
        payload["attendee_ids"] = request.form.getlist("attendee_ids")
        try:
            session = services.create_training(current_user, payload)
        except ValidationFailed as exc:
            db.session.expire_all()
            return _trainings_page(errors=exc.fields, values=payload), 422
        flash(_("Training session recorded."), "success")
        return redirect(url_for("advocates.training", session_id=session.id))
    return _trainings_page()


@bp.route("/advocates/trainings/<id:session_id>")
@login_required
def training(session_id: int) -> ResponseReturnValue:
    session = services.get_visible_training(current_user, session_id)
    can_manage = current_user.role in services.TEAM_MANAGERS
    others = (
        [
            r["advocate"]
            for r in services.team(current_user)
            if r["advocate"] not in session.attendees
        ]
        if can_manage
        else []
    )
    return render_template(
        "advocates/training.html", session=session, others=others, can_manage=can_manage,
        errors={},
    )  # fmt: skip


@bp.route("/advocates/trainings/<id:session_id>/attendance", methods=["POST"])
@login_required
def attendance(session_id: int) -> ResponseReturnValue:
    payload = {"user_ids": request.form.getlist("user_ids")}
    try:
        services.record_attendance(current_user, session_id, payload)
    except ValidationFailed as exc:
        db.session.expire_all()
        session = services.get_visible_training(current_user, session_id)
        return render_template(
            "advocates/training.html", session=session, others=[], can_manage=True,
            errors=exc.fields,
        ), 422  # fmt: skip
    flash(_("Attendance recorded."), "success")
    return redirect(url_for("advocates.training", session_id=session_id))


def _date_arg(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


@bp.route("/advocates/reports")
@login_required
def reports() -> ResponseReturnValue:
    _staff_only()
    today = local_date(utcnow())
    start = _date_arg("from", date(today.year, 1, 1))
    end = _date_arg("to", today)
    rows = services.figures_by_town(current_user, start, end)
    return render_template("advocates/reports.html", rows=rows, start=start, end=end)
