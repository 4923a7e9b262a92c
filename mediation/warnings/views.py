"""The alert inbox and the admin pages of the early-warning engine."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from mediation.accounts.models import Role
from mediation.cases.enums import WarningLevel
from mediation.core.errors import Conflict, PermissionDenied, ValidationFailed
from mediation.core.i18n import _, lazy_gettext, translate_message
from mediation.core.pagination import paginate
from mediation.extensions import db
from mediation.warnings import services
from mediation.warnings.engine import current_settings
from mediation.warnings.models import Alert, AlertStatus, Notification, NotificationStatus
from mediation.warnings.rules import RULE_LABELS
from mediation.warnings.settings import load_defaults

bp = Blueprint("warnings", __name__)

# the names of the rule settings, for people (the settings page also shows the code)
SETTING_LABELS = {
    "level": lazy_gettext("Alert level"),
    "target": lazy_gettext("Addressed to (tier)"),
    "working_days": lazy_gettext("Working days"),
    "days": lazy_gettext("Days after receipt"),
    "grace_days": lazy_gettext("Days of grace"),
    "workers": lazy_gettext("Workers involved, at least"),
    "claim_yuan": lazy_gettext("Amount claimed (yuan), at least"),
    "orange_above_months": lazy_gettext("Orange above months in arrears"),
    "red_above_months": lazy_gettext("Red above months in arrears"),
    "cases": lazy_gettext("Cases, at least"),
    "window_days": lazy_gettext("Within days"),
    "days_before": lazy_gettext("Days before it ends"),
    "limitation_days": lazy_gettext("Limitation period (days)"),
    "hours": lazy_gettext("Hours to acknowledge"),
    "red_hours": lazy_gettext("Hours to acknowledge a red alert"),
    "quiet_start": lazy_gettext("Quiet hours start"),
    "quiet_end": lazy_gettext("Quiet hours end"),
}
NOTIFICATION_STATUS_LABELS = {
    NotificationStatus.pending: lazy_gettext("Pending"),
    NotificationStatus.sent: lazy_gettext("Sent"),
    NotificationStatus.failed: lazy_gettext("Failed"),
}
CHANNEL_LABELS = {"email": lazy_gettext("E-mail"), "sms": lazy_gettext("SMS")}


def _render_inbox(status: str = "active", level: str | None = None, page_number: int = 1,
                  errors: dict | None = None, open_alert: int | None = None):  # fmt: skip
    stmt = services.inbox_query(current_user, status=status)
    if level:
        stmt = stmt.where(Alert.level == level)
    focus = None
    if open_alert is not None:
        # the alert whose form was refused comes first, wherever it would be in the list
        focus = db.session.get(Alert, open_alert)
        stmt = stmt.where(Alert.id != open_alert)
    return render_template(
        "warnings/inbox.html",
        focus=focus,
        page=paginate(stmt, page_number, 25),
        status=status,
        level=level,
        levels=list(WarningLevel),
        rule_labels=RULE_LABELS,
        errors=errors or {},
        open_alert=open_alert,
    )


@bp.route("/alerts")
@login_required
def inbox():
    status = request.args.get("status", "active")
    if status not in ("active", *[s.value for s in AlertStatus]):
        status = "active"
    level = request.args.get("level") or None
    if level not in {lv.value for lv in WarningLevel}:
        level = None
    return _render_inbox(status, level, request.args.get("page", 1, type=int) or 1)


@bp.route("/alerts/<id:alert_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(alert_id: int):
    try:
        alert = services.acknowledge(
            alert_id, current_user, {"note": request.form.get("note", "").strip()}
        )
    except ValidationFailed as exc:
        return _render_inbox(errors=exc.fields, open_alert=alert_id), 422
    except Conflict as exc:
        flash(translate_message(exc.message), "error")
        return redirect(url_for("warnings.inbox"))
    flash(
        _(
            "Alert acknowledged: %(number)s %(rule)s.",
            number=alert.case.number,
            rule=RULE_LABELS.get(alert.rule, alert.rule),
        ),
        "success",
    )
    back = request.form.get("back")
    if back == "case":
        return redirect(url_for("cases.detail", case_id=alert.case_id))
    return redirect(url_for("warnings.inbox"))


def _require_admin() -> None:
    if current_user.role != Role.admin:
        raise PermissionDenied("administrators only")


@bp.route("/admin/rules", methods=["GET", "POST"])
@login_required
def rule_settings():
    _require_admin()
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        changes: dict[str, dict] = {}
        for key, value in request.form.items():
            if "." in key:
                section, name = key.split(".", 1)
                changes.setdefault(section, {})[name] = value.strip()
                values[key] = value
        try:
            services.update_rule_settings(current_user, changes)
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Rule thresholds updated; they apply at once."), "success")
            return redirect(url_for("warnings.rule_settings"))
    settings = current_settings()
    return render_template(
        "warnings/rules.html",
        settings=settings,
        defaults=load_defaults(),
        values=values,
        errors=errors,
        rule_labels=RULE_LABELS,
        setting_labels=SETTING_LABELS,
        history=services.settings_history(),
    ), (422 if errors else 200)


@bp.route("/admin/outbox")
@login_required
def outbox():
    _require_admin()
    status = request.args.get("status") or None
    stmt = select(Notification).order_by(Notification.id.desc())
    if status in {s.value for s in NotificationStatus}:
        stmt = stmt.where(Notification.status == status)
    page = paginate(stmt, request.args.get("page", 1, type=int) or 1, 50)
    counts = dict(
        db.session.execute(
            select(Notification.status, db.func.count()).group_by(Notification.status)
        ).all()
    )
    return render_template(
        "warnings/outbox.html",
        page=page,
        status=status,
        counts=counts,
        statuses=list(NotificationStatus),
        status_labels=NOTIFICATION_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
    )
