"""Admin pages: an index, users and organizations, the warning rules, the outbox, the import
of hotline logs and the working-day calendar. Administrators only; every other role 403.

Thin: check the role, parse the form, call a service in `accounts.services` / `orgs.services`,
render; a refused form comes back with the typed values and the messages beside the fields (422).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from mediation.accounts import services as accounts
from mediation.accounts.models import Role
from mediation.cases import imports
from mediation.cases.enums import WarningLevel
from mediation.core import calendar_schedules
from mediation.core.calendar import Source
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, PermissionDenied, ValidationFailed
from mediation.core.i18n import _, lazy_gettext, translate_message
from mediation.core.web import label
from mediation.extensions import db
from mediation.orgs import services as orgs
from mediation.orgs.models import Tier, default_arbitration_commission, default_committee_name
from mediation.warnings import services as warning_services
from mediation.warnings.models import Notification, NotificationStatus
from mediation.warnings.rules import RULE_LABELS
from mediation.warnings.settings import current_settings, load_defaults

bp = Blueprint("admin", __name__, url_prefix="/admin")

# the names of the rule settings, for people (the settings page also shows the code)
SETTING_LABELS = {
    "level": lazy_gettext("Alert level"),
    "target": lazy_gettext("Addressed to (tier)"),
    "working_days": lazy_gettext("Working days"),
    "days": lazy_gettext("Days after the report"),
    "grace_days": lazy_gettext("Days of grace"),
    "workers": lazy_gettext("Workers involved, at least"),
    "claim_yuan": lazy_gettext("Amount claimed (yuan), at least"),
    "orange_above_months": lazy_gettext("Orange above months in arrears"),
    "red_above_months": lazy_gettext("Red above months in arrears"),
    "max_agreed_delay_days": lazy_gettext("Longest wage delay the union may agree to (days)"),
    "single_worker_yuan": lazy_gettext("Owed to one worker (yuan), at least"),
    "single_worker_months": lazy_gettext("Owed to one worker for months, at least"),
    "group_workers": lazy_gettext("Workers owed, at least"),
    "group_yuan": lazy_gettext("Owed to them in total (yuan), at least"),
    "cases": lazy_gettext("Cases, at least"),
    "window_days": lazy_gettext("Within days"),
    "days_before": lazy_gettext("Days before it ends"),
    "max_extension_days": lazy_gettext("Longest extension the parties may agree (days)"),
    "hours": lazy_gettext("Hours to acknowledge"),
    "red_hours": lazy_gettext("Hours to acknowledge a red alert"),
    "major_participants": lazy_gettext("Participants for a major incident, at least"),
    "verbal_minutes": lazy_gettext("Minutes to the verbal report"),
    "written_minutes": lazy_gettext("Minutes to the written report"),
    "follow_up_hours": lazy_gettext("Hours between follow-up reports"),
    "final_hours": lazy_gettext("Hours to the final report after it ends"),
    "festival_weeks_before": lazy_gettext("Weeks before the Spring Festival"),
    "near_completion_days": lazy_gettext("Near completion: days before the planned completion"),
    "months_late": lazy_gettext("Payroll months late, more than"),
    "quiet_start": lazy_gettext("Quiet hours start"),
    "quiet_end": lazy_gettext("Quiet hours end"),
}
# what each number counts from, shown under its field
SETTING_HELP = {
    "working_days": lazy_gettext("Working days counted from the report (holidays skipped)."),
    "days": lazy_gettext("Calendar days counted from the report."),
    "grace_days": lazy_gettext("Calendar days after the agreed due date."),
    "days_before": lazy_gettext("Calendar days before the legal last day of the period."),
    "window_days": lazy_gettext("Calendar days counted back from today."),
    "max_extension_days": lazy_gettext("Calendar days after the 15 days of the mediation period."),
    "max_agreed_delay_days": lazy_gettext("Calendar days from the day the delay is recorded."),
    "hours": lazy_gettext("Hours from when the alert reaches the tier; then it climbs."),
    "red_hours": lazy_gettext("Hours from when a red alert reaches the tier; then it climbs."),
    "quiet_start": lazy_gettext("China time, 24-hour clock; red alerts are sent at once."),
    "quiet_end": lazy_gettext("China time, 24-hour clock."),
    "orange_above_months": lazy_gettext("Months since the first unpaid pay day."),
    "red_above_months": lazy_gettext("Months since the first unpaid pay day."),
}
# the addressee of a rule: a tier, or the case's handling organization itself
TARGET_CHOICES = (
    ("handling", lazy_gettext("The handling organization itself")),
    ("grassroots", lazy_gettext("Grassroots union")),
    ("town", lazy_gettext("Town or street union")),
    ("city", lazy_gettext("City federation")),
)
# the law's periods, shown read-only beside the settings (cases/clocks.py holds the numbers)
STATUTORY_PERIODS = (
    (lazy_gettext("Mediation period (LDMAL art. 14)"), lazy_gettext("15 days from the receipt of the application")),
    (lazy_gettext("Arbitration limitation (LDMAL art. 27)"), lazy_gettext("1 year; none for remuneration while the employment lasts")),
    (lazy_gettext("Decision on acceptance (LDMAL art. 29)"), lazy_gettext("5 days from the application to the commission")),
    (lazy_gettext("Arbitration award (LDMAL art. 43)"), lazy_gettext("45 days from acceptance, extendable once by at most 15 days")),
    (lazy_gettext("Suing against an award (LDMAL arts. 48-50)"), lazy_gettext("15 days from receipt; 30 days to apply to set a final award aside")),
)  # fmt: skip
NOTIFICATION_STATUS_LABELS = {
    NotificationStatus.pending: lazy_gettext("Pending"),
    NotificationStatus.sent: lazy_gettext("Sent"),
    NotificationStatus.failed: lazy_gettext("Failed"),
}
CHANNEL_LABELS = {"email": lazy_gettext("E-mail"), "sms": lazy_gettext("SMS")}
CALENDAR_SOURCE_LABELS = {
    Source.table: lazy_gettext("Official, entered here"),
    Source.package: lazy_gettext("Official, built in"),
    Source.fallback: lazy_gettext("Provisional, computed"),
}

USERS_PER_PAGE = 50
OUTBOX_PER_PAGE = 50


@bp.before_request
@login_required
def _admins_only():
    # `login_required` lets OPTIONS through unsigned (Flask answers it with the allowed
    # methods, running no view), so the visitor may be anonymous here: no role to ask for
    if not current_user.is_authenticated:
        return
    if current_user.role != Role.admin:
        raise PermissionDenied("Administrators only.")


@bp.route("/")
def index():
    return render_template("admin/index.html")


# --- users ----------------------------------------------------------------------------------------


def _user_filters() -> dict:
    role = request.args.get("role") or None
    if role not in {r.value for r in Role}:
        role = None
    org_id = request.args.get("org", type=int)
    if org_id is not None and not 1 <= org_id < 2**31:
        org_id = None
    active = {"1": True, "0": False}.get(request.args.get("active", ""))
    return {"role": role, "org_id": org_id, "active": active}


@bp.route("/users")
def users():
    filters = _user_filters()
    page = db.paginate(
        accounts.list_users(**filters),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=USERS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/users.html",
        page=page,
        filters=filters,
        roles=list(Role),
        organizations=orgs.all_organizations(),
    )


USER_FIELDS = ("username", "display_name", "role", "org", "email", "phone")


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> ResponseReturnValue:
    values: dict = {}
    errors: dict = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in USER_FIELDS}
        try:
            user = accounts.create_user(
                values["username"],
                role=values["role"],
                org_id=values["org"],
                password=request.form.get("password", ""),
                display_name=values["display_name"],
                email=values["email"],
                phone=values["phone"],
            )
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_new.html",
        values=values,
        errors=errors,
        roles=list(Role),
        organizations=orgs.all_organizations(),
        min_password=accounts.MIN_PASSWORD_LENGTH,
    ), (422 if errors else 200)


@bp.route("/users/<id:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int):
    """Deactivate only with the form's confirmation ticked (`confirm`): a form, not a script's
    dialog, so it works under the strict CSP and without JavaScript (docs/security.md
    "Confirmations")."""
    if request.form.get("confirm") != "yes":
        user = accounts.get_user(user_id)
        flash(_("Tick the confirmation to deactivate %(name)s.", name=user.username), "error")
        return redirect(url_for("admin.users"), 303)
    return _set_active(user_id, False)


@bp.route("/users/<id:user_id>/reactivate", methods=["POST"])
def reactivate_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    try:
        user = accounts.set_active(current_user, user_id, active)
    except Conflict as exc:
        flash(translate_message(exc.message), "error")
        return redirect(url_for("admin.users"))
    if active:
        flash(_("User %(name)s reactivated.", name=user.username), "success")
    else:
        flash(_("User %(name)s deactivated.", name=user.username), "success")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("admin.users"))


def _same_site(url: str | None) -> bool:
    from urllib.parse import urlsplit

    if not url:
        return False
    parts = urlsplit(url)
    return parts.netloc == request.host and parts.path.startswith("/admin/users")


@bp.route("/users/<id:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    user = accounts.get_user(user_id)
    errors: dict = {}
    if request.method == "POST":
        try:
            accounts.reset_password(current_user, user_id, request.form.get("password", ""))
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("The password of %(name)s was reset.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_password.html",
        user=user,
        errors=errors,
        min_password=accounts.MIN_PASSWORD_LENGTH,
    ), (422 if errors else 200)


# --- organizations --------------------------------------------------------------------------------

ORG_FIELDS = ("code", "name", "tier", "parent_id")


@bp.route("/organizations")
def organizations():
    return render_template("admin/organizations.html", organizations=orgs.all_organizations())


@bp.route("/organizations/new", methods=["GET", "POST"])
def new_organization() -> ResponseReturnValue:
    values: dict = {}
    errors: dict = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in ORG_FIELDS}
        try:
            org = orgs.create_organization(**values)
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Organization %(name)s created.", name=org.name), "success")
            return redirect(url_for("admin.organizations"))
    else:
        values = {"parent_id": request.args.get("parent", "")}
        if values["parent_id"].isdigit():
            parent = orgs.org_by_id(values["parent_id"])
            if parent is not None and parent.tier in orgs.CHILD_TIER:
                values["tier"] = orgs.CHILD_TIER[parent.tier].value
    return render_template(
        "admin/organization_new.html",
        values=values,
        errors=errors,
        tiers=[Tier.town, Tier.grassroots],
        parents=[o for o in orgs.all_organizations() if o.tier in (Tier.city, Tier.town)],
    ), (422 if errors else 200)


@bp.route("/organizations/<id:org_id>/rename", methods=["GET", "POST"])
def rename_organization(org_id: int):
    org = orgs.get_organization(org_id)
    errors: dict = {}
    name = org.name
    values = {"committee_name": org.committee_name or "",
              "arbitration_commission": org.arbitration_commission or ""}  # fmt: skip
    if request.method == "POST":
        name = request.form.get("name", "")
        # (a field the form did not send is left as it is; a blank one goes back to the default)
        sent = {k: request.form.get(k) for k in values}
        values = {k: v if v is not None else values[k] for k, v in sent.items()}
        try:
            orgs.rename_organization(
                org_id, name, committee_name=sent["committee_name"],
                arbitration_commission=sent["arbitration_commission"] if org.tier == Tier.city
                else None,
            )  # fmt: skip
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Organization renamed."), "success")
            return redirect(url_for("admin.organizations"))
    return render_template(
        "admin/organization_rename.html", org=org, name=name, values=values, errors=errors,
        default_committee=default_committee_name(name or org.name),
        default_commission=default_arbitration_commission(name or org.name),
    ), (422 if errors else 200)  # fmt: skip


# --- warning rules, outbox, import ---------------------------------------------------------


@bp.route("/rules", methods=["GET", "POST"])
def rule_settings() -> ResponseReturnValue:
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
            warning_services.update_rule_settings(current_user, changes)
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Rule thresholds updated; they apply at once."), "success")
            return redirect(url_for("admin.rule_settings"))
    settings = current_settings()
    return render_template(
        "admin/rules.html",
        settings=settings,
        defaults=load_defaults(),
        values=values,
        errors=errors,
        rule_labels=RULE_LABELS,
        setting_labels=SETTING_LABELS,
        setting_help=SETTING_HELP,
        level_choices=[(lv.value, label(lv)) for lv in WarningLevel],
        target_choices=TARGET_CHOICES,
        shown=_setting_shown,
        statutory=STATUTORY_PERIODS,
        history=warning_services.settings_history(),
    ), (422 if errors else 200)


def _setting_shown(name: str, value: object) -> str:
    """A setting's value as a person reads it: a level or an addressee by its word."""
    if name == "level" and value in {lv.value for lv in WarningLevel}:
        return label(WarningLevel(value))
    if name == "target":
        return str(dict(TARGET_CHOICES).get(str(value), value))
    return str(value)


@bp.route("/outbox")
def outbox():
    status = request.args.get("status") or None
    stmt = select(Notification).order_by(Notification.id.desc())
    if status in {s.value for s in NotificationStatus}:
        stmt = stmt.where(Notification.status == status)
    page = db.paginate(
        stmt,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=OUTBOX_PER_PAGE,
        error_out=False,
    )
    counts = dict(
        db.session.execute(
            select(Notification.status, db.func.count()).group_by(Notification.status)
        ).all()
    )
    return render_template(
        "admin/outbox.html",
        page=page,
        status=status,
        counts=counts,
        statuses=list(NotificationStatus),
        status_labels=NOTIFICATION_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
    )


IMPORT_REFRESH_SECONDS = 3


def _recent_imports() -> list[imports.ImportJob]:
    return list(
        db.session.scalars(
            select(imports.ImportJob).order_by(imports.ImportJob.id.desc()).limit(10)
        )
    )


@bp.route("/import", methods=["GET", "POST"])
def import_page():
    """Upload a CSV of hotline logs: the file becomes an import job that the scheduler runs
    (docs/import.md "How an import runs"); the job's page shows its progress and result."""
    if request.method == "GET":
        return render_template("admin/import.html", jobs=_recent_imports())
    upload = request.files.get("file")
    skip_invalid = request.form.get("skip_invalid") == "1"
    if upload is None or not upload.filename:
        return render_template(
            "admin/import.html",
            jobs=_recent_imports(),
            missing_file=True,
            skip_invalid=skip_invalid,
        ), 422
    job = imports.submit(current_user, upload.read(), upload.filename, skip_invalid=skip_invalid)
    return redirect(url_for("admin.import_job", job_id=job.id))


@bp.route("/import/<id:job_id>")
def import_job(job_id: int):
    """An import's progress (the page refreshes itself until the job ends) and its result."""
    job = imports.visible_job(current_user, job_id)
    page = render_template("admin/import_job.html", job=job)
    # a Refresh header, not a script: the page works without JavaScript and under the CSP
    return page, 200, ({} if job.finished else {"Refresh": str(IMPORT_REFRESH_SECONDS)})


# --- the working-day calendar ---------------------------------------------------------------------

CALENDAR_FIELDS = ("year", "holidays", "working_days")


def _calendar_form(
    year_text: str | None, statuses: list[calendar_schedules.YearStatus]
) -> dict[str, str]:
    """The form filled with a year's schedule as it applies now: the year asked for, else the
    first year from this one without an official schedule (its computed holidays to start
    from), else nothing."""
    year, _errors = calendar_schedules.parse_year(year_text or "")
    if year is None and year_text is None:
        this_year = local_date(utcnow()).year
        year = next(
            (s.year for s in reversed(statuses) if s.year >= this_year and not s.official), None
        )
    if year is None:
        return {}
    _source, entries = calendar_schedules.entries_of(year)
    holidays, working_days = calendar_schedules.schedule_text(entries)
    return {"year": str(year), "holidays": holidays, "working_days": working_days}


@bp.route("/calendar", methods=["GET", "POST"])
def calendar_page() -> ResponseReturnValue:
    """The years' working-day schedules and where each comes from; enter or replace a year's
    official schedule (docs/domain.md "Calendars and time")."""
    errors: dict = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in CALENDAR_FIELDS}
        try:
            year = calendar_schedules.save_schedule(
                values["year"],
                values["holidays"],
                values["working_days"],
                entered_by=current_user.username,
            )
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(
                _("The official schedule of %(year)s is saved and applies now.", year=year),
                "success",
            )
            return redirect(url_for("admin.calendar_page"))
    statuses = calendar_schedules.year_statuses(local_date(utcnow()))
    if request.method == "GET":
        values = _calendar_form(request.args.get("year"), statuses)
    return render_template(
        "admin/calendar.html",
        statuses=statuses,
        values=values,
        errors=errors,
        source_labels=CALENDAR_SOURCE_LABELS,
        first_year=calendar_schedules.FIRST_YEAR,
        last_year=calendar_schedules.LAST_YEAR,
    ), (422 if errors else 200)


@bp.route("/calendar/<id:year>/delete", methods=["POST"])
def delete_calendar_year(year: int) -> ResponseReturnValue:
    """Remove an entered year: the built-in schedule or the computed holidays apply again."""
    calendar_schedules.delete_schedule(year)
    flash(_("The schedule entered for %(year)s is removed.", year=year), "success")
    return redirect(url_for("admin.calendar_page"))
