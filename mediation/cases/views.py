"""Case pages. Thin: parse the request, call a service, render."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from html import escape as html_escape
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from marshmallow import EXCLUDE, ValidationError
from sqlalchemy import select

from mediation import signals
from mediation.accounts.models import Role
from mediation.accounts.scope import scope_organizations
from mediation.cases import (
    arrears,
    attachments,
    clock_events,
    duplicates,
    merging,
    photos,
    queries,
    roster,
    saved_filters,
    services,
    workflow,
)
from mediation.cases.clocks import IN_MEDIATION, NOT_AGREED, ClockName, ClockState, clock_named
from mediation.cases.enums import (
    ArbitrationDecision,
    CaseKind,
    Category,
    Channel,
    EmploymentStatus,
    State,
    WarningLevel,
)
from mediation.cases.export import case_tables
from mediation.cases.forms import FIELD_LABELS, case_form_payload, trigger_form_fields
from mediation.cases.models import Case
from mediation.cases.scope import get_readable_case, get_visible_case, taken_over_ids
from mediation.cases.timeline import TIMELINE_FILTERS
from mediation.core.clock import local_date, utcnow
from mediation.core.db import read_only
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.fields import shared_schema
from mediation.core.i18n import _, ngettext, translate_message
from mediation.core.identifiers import normalize_credit_code
from mediation.core.messages import N_, NP_
from mediation.core.money import fen_to_yuan
from mediation.core.tables import download, export_format
from mediation.core.web import (
    badge_writer,
    by_day,
    labeller,
    local_datetime,
    select_options,
    url_prefix,
)
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.orgs.services import organization_choices, organizations_in_subtree
from mediation.projects.services import project_choices

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue
    from sqlalchemy import Row

bp = Blueprint("cases", __name__)


@bp.route("/cases")
@login_required
@read_only
def case_list() -> ResponseReturnValue:
    try:
        filters = shared_schema(queries.CaseFilterSchema, EXCLUDE).load(_given_args())
    except ValidationError:
        abort(400)  # only a hand-edited URL can carry a value the form does not offer
    page = request.args.get("page", 1, type=int) or 1
    result = queries.paginate_case_list(
        current_user,
        filters,
        page,
        current_app.config["CASES_PER_PAGE"],
        current_app.config["CASES_COUNT_LIMIT"],
        columns=_ROW_COLUMNS,
    )
    if current_user.role == Role.advocate:
        organizations = []
    elif current_user.role == Role.admin:
        organizations = organization_choices(None)
    else:  # the scope's organizations, known since authentication
        organizations = scope_organizations(current_user)
    mediators = queries.area_mediators(current_user)
    can_assign = current_user.role in services.CASE_WRITERS
    # the page's rows only: their mediators and next deadlines, two statements
    extras = queries.page_row_extras([row[0] for row in result.items])
    sort = filters.get("sort") or queries.DEFAULT_SORT
    return render_template(
        "cases/list.html",
        page=result,
        rows=case_rows(
            result.items, extras, can_assign=can_assign, taken_over=taken_over_ids(current_user)
        ),
        headers=_sort_headers(sort, can_assign),
        filters=filters,
        saved_query=_current_query(),
        options={
            "state": select_options(State, filters.get("state")),
            "kind": select_options(CaseKind, filters.get("kind")),
            "category": select_options(Category, filters.get("category")),
            "tier": select_options(Tier, filters.get("tier")),
            "level": select_options(WarningLevel, filters.get("level")),
            "org": select_options(organizations, filters.get("org")),
            "mediator": select_options(mediators, filters.get("mediator")),
            "assign_to": select_options(mediators, None),
            "sort": select_options(
                [(key, _(text)) for key, text in queries.SORT_LABELS.items()],
                sort,
                blank=False,
            ),
        },
        organizations=organizations,
        mediators=mediators,
        can_assign=can_assign and bool(mediators),
    )


def _given_args() -> dict[str, str]:
    """The query's filters that have a value: the filter form sends its "All" choices as
    empty values (`state=&org=`), which mean no filter."""
    return {k: v for k, v in request.args.items() if v != ""}


def _current_query() -> str:
    """The list's filters without the page (what a saved filter keeps)."""
    return urlencode([(k, v) for k, v in _given_args().items() if k != "page"])


# the sortable columns (docs/case-list.md, "Sorting"): the header's key, label and sort key;
# every sort has its index (mediation/cases/models.py, "Indexes for every sort")
_COLUMNS = (
    ("number", N_("Case number"), "number"),
    ("title", NP_("case", "Title"), None),
    ("enterprise", N_("Employer"), None),
    ("kind", N_("Type"), None),
    ("workers", N_("No. of workers"), "workers_involved"),
    ("claim", N_("Claim amount"), "claim_amount"),
    ("state", N_("State"), None),
    ("mediator", N_("Mediator"), None),
    ("deadline", N_("Next deadline"), None),
    ("org", N_("Handling organization"), None),
    ("received", N_("Received"), "received_at"),
    ("updated", N_("Updated"), "updated_at"),
)


def _sort_headers(sort: str, can_assign: bool) -> Markup:
    """The table's header cells: a sortable column's header is a link that sorts by it
    (descending first for amounts, counts and dates; again to reverse), with `aria-sort`."""
    args = {k: v for k, v in _given_args().items() if k not in ("page", "sort")}
    key, descending = sort.lstrip("-"), sort.startswith("-")
    hidden = escape(_("Select"))
    cells = [f'<th scope="col"><span class="visually-hidden">{hidden}</span></th>'] * can_assign
    for _name, label, sort_key in _COLUMNS:
        text = escape(_(label))
        if sort_key is None:
            cells.append(f'<th scope="col">{text}</th>')
            continue
        if sort_key == key:
            aria = "descending" if descending else "ascending"
            target = sort_key if descending else f"-{sort_key}"
            arrow = " ▼" if descending else " ▲"
        else:
            aria, arrow = "none", ""
            target = sort_key if sort_key == "number" else f"-{sort_key}"
        query: dict[str, Any] = {**args, "sort": target}
        href = escape(url_for("cases.case_list", **query))
        cells.append(
            f'<th scope="col" aria-sort="{aria}"><a href="{href}" data-sort="{target}">'
            f"{text}{arrow}</a></th>"
        )
    return Markup("".join(cells))


# what a row of the page shows, in the order `case_rows` writes it: only these are read
_ROW_COLUMNS = queries.list_columns(
    "id", "number", "warning_level", "title", "enterprise_name", "kind", "workers_involved",
    "claim_amount_fen", "state", "handling_org_name", "received_at", "updated_at", "version",
)  # fmt: skip
_ROW_CELLS = queries.list_row_cells(*(c.key for c in _ROW_COLUMNS), columns=_ROW_COLUMNS)


def case_rows(
    rows: Iterable[Row[Any]],
    extras: dict[int, queries.RowExtras] | None = None,
    *,
    can_assign: bool = False,
    taken_over: Collection[int] = (),
) -> Markup:
    """The case list's table rows (rows of `_ROW_COLUMNS`). Written in Python, not in
    Jinja: fifty rows of eight cells cost Jinja an attribute lookup, a filter call and an
    escape per cell, about half of the page's rendering (docs/performance.md, "The list page's
    rendering"). Each cell carries its column's name (`data-label`), which a phone's card
    shows before it (docs/case-list.md, "On a phone"). A case of `taken_over` (taken over from
    the user's union, read-only) is marked with its new union (docs/case-list.md "Taken-over
    cases")."""
    word, badge = labeller(), badge_writer()
    link = escape(url_prefix("cases.detail", "case_id"))
    # the cells are text: the standard library's escape (& < > " ', as markupsafe does, with
    # other entity names) costs half of markupsafe's, which makes a Markup of each of 250
    text = html_escape
    labels = {name: text(str(_(label))) for name, label, _key in _COLUMNS}
    select_label = text(str(_("Select")))
    none = text(str(_("none")))
    taken_over = frozenset(taken_over)
    now = utcnow()
    extras = extras or {}
    html = []
    for row in rows:
        (
            case_id, number, warning_level, title, enterprise_name, kind, workers_involved,
            claim_amount_fen, state, handling_org_name, received_at, updated_at, version,
        ) = _ROW_CELLS(row)  # fmt: skip
        extra = extras.get(case_id)
        mediator = text(extra.mediator_name) if extra and extra.mediator_name else none
        deadline = _deadline_cell(extra, now)
        check = (
            f'<td class="select"><input type="checkbox" name="case" form="bulk-assign"'
            f' value="{case_id}:{version}" aria-label="{select_label} {text(number)}"></td>'
            if can_assign
            else ""
        )
        claim = fen_to_yuan(claim_amount_fen) if claim_amount_fen is not None else ""
        org_cell = text(handling_org_name)
        if case_id in taken_over:
            check = '<td class="select"></td>' if can_assign else ""  # (read-only: no choice)
            # (the words outside the f-string: Babel's extraction does not read into one)
            taken = _("Taken over by %(org)s", org=handling_org_name)
            org_cell = f'<span class="badge taken-over">{text(str(taken))}</span>'
        html.append(
            f"<tr>{check}"
            f'<td data-label="{labels["number"]}"><a href="{link}{case_id}">{text(number)}</a>'
            f" {badge('level', warning_level)}</td>"
            f'<td data-label="{labels["title"]}">{text(title)}</td>'
            f'<td data-label="{labels["enterprise"]}">{text(enterprise_name)}</td>'
            f'<td data-label="{labels["kind"]}">{text(word(kind))}</td>'
            f'<td class="num" data-label="{labels["workers"]}">{workers_involved}</td>'
            f'<td class="num" data-label="{labels["claim"]}">{claim}</td>'
            f'<td class="state" data-label="{labels["state"]}">{badge("state", state)}</td>'
            f'<td data-label="{labels["mediator"]}">{mediator}</td>'
            f'<td data-label="{labels["deadline"]}">{deadline}</td>'
            f'<td data-label="{labels["org"]}">{org_cell}</td>'
            f'<td data-label="{labels["received"]}">{local_datetime(received_at)}</td>'
            f'<td data-label="{labels["updated"]}">{local_datetime(updated_at)}</td></tr>\n'
        )
    return Markup("".join(html))


def _deadline_cell(extra: queries.RowExtras | None, now: Any) -> str:
    """The nearest running clock's legal last day and the days left (or overdue)."""
    if extra is None or extra.deadline is None or extra.days_left is None:
        return "—"
    deadline = extra.deadline
    day = html_escape(by_day(deadline.last_day)) if deadline.last_day else ""
    label = html_escape(str(deadline.label))
    if extra.days_left < 0:
        left = html_escape(
            ngettext("overdue by %(num)d day", "overdue by %(num)d days", -extra.days_left)
        )
        return f'<span class="deadline overdue">{label}: {day} ({left})</span>'
    left = html_escape(ngettext("%(num)d day left", "%(num)d days left", extra.days_left))
    return f'<span class="deadline">{label}: {day} ({left})</span>'


def _new_case_context(values: dict, errors: dict) -> dict:
    return {
        "values": values,
        "errors": errors,
        "labels": FIELD_LABELS,
        "kinds": list(CaseKind),
        "categories": list(Category),
        "channels": list(Channel),
        "employment_statuses": list(EmploymentStatus),
        "enterprises": list(
            db.session.scalars(visible_enterprises(current_user).order_by(Enterprise.name))
        ),
        "projects": project_choices(current_user),
        "organizations": (
            organizations_in_subtree(current_user.organization_id)
            if current_user.role != Role.admin
            else organizations_in_subtree(_city_id())
        ),
    }


def _city_id() -> int:
    from mediation.orgs.models import Organization, Tier

    city_id = db.session.scalar(select(Organization.id).where(Organization.tier == Tier.city))
    return cast(int, city_id)  # (the network's root: always there)


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case() -> ResponseReturnValue:
    if current_user.role not in services.CASE_WRITERS:
        raise PermissionDenied("Your role may not register cases.")
    values, errors = {}, {}
    if request.method == "POST" and request.form.get("action") == "check_duplicates":
        values = request.form.to_dict()
        return render_template(
            "cases/new.html", **_new_case_context(values, {}), **_intake_duplicates(values)
        )
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            case = services.create_case(
                current_user, case_form_payload(request.form, include_unchecked=True)
            )
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Case %(number)s registered.", number=case.number), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    else:
        values = {"handling_org_id": str(current_user.organization_id), "workers_involved": "1"}
    status = 422 if errors else 200
    extra = _intake_duplicates(values) if errors else {}
    return render_template("cases/new.html", **_new_case_context(values, errors), **extra), status


def _intake_duplicates(values: dict) -> dict:
    """The possible-duplicates panel while registering (docs/collective.md): from the employer
    chosen (or the new one's credit code, when it is already registered), the category and
    the worker typed so far."""
    enterprise_id = None
    if str(values.get("enterprise_id") or "").isdigit():
        enterprise_id = int(values["enterprise_id"])
    elif values.get("enterprise.credit_code"):
        code = normalize_credit_code(values["enterprise.credit_code"])
        enterprise_id = db.session.scalar(
            visible_enterprises(current_user)
            .with_only_columns(Enterprise.id)
            .where(Enterprise.credit_code == code)
        )
    project_id = (
        int(values["project_id"]) if str(values.get("project_id") or "").isdigit() else None
    )
    probe = duplicates.probe_of_form(values, enterprise_id, project_id)
    return {
        "duplicates": duplicates.find_duplicates(current_user, probe),
        "duplicate_window": duplicates.window_days(),
        "checked_duplicates": True,
    }


def _supervision_context(case: Case) -> dict:
    """What the user may do above the case's daily handling: take it over, escalate it."""
    user = current_user
    supervisor = user.role in services.SUPERVISORS and case.is_open
    above = {o.id for o in services.ancestors_of(case.handling_org)}
    return {"can_take_over": supervisor and user.organization_id in above}


def _detail_context(case: Case, **extra: Any) -> dict:
    now = utcnow()
    triggers = workflow.allowed_triggers(case, current_user)
    writer = current_user.role in services.CASE_WRITERS
    can_assign_mediator = writer and case.is_open
    mediators = (
        services.eligible_mediators(case)
        if can_assign_mediator or any(t.name in ("accept", "reopen") for t in triggers)
        else []
    )
    return {
        "case": case,
        "events": services.timeline(case, request.args.get("timeline")),
        "timeline_filter": request.args.get("timeline")
        if request.args.get("timeline") in TIMELINE_FILTERS
        else None,
        "triggers": triggers,
        "moves_cases": workflow.role_moves_cases(current_user.role),
        "trigger_fields": {t.name: trigger_form_fields(t) for t in triggers},
        # the forms that take a payment show what was paid so far
        "payment_triggers": {t.name for t in triggers if "paid_amount" in t.payload().fields},
        "mediators": mediators,
        "can_assign_mediator": can_assign_mediator,
        "attachments": attachments.case_attachments(current_user, case.id),
        "can_upload": case.is_open,
        "max_photos": photos.MAX_PHOTOS,
        "max_request_mb": current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
        "max_upload_mb": current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        "allowed_types": sorted(attachments.ALLOWED_TYPES),
        **_supervision_context(case),
        "advocates": services.eligible_advocates(case) if writer and case.is_open else [],
        "can_assign": writer and case.is_open,
        "mask_ids": current_user.role == Role.advocate,
        "labels": FIELD_LABELS,
        "form_errors": {},
        "form_values": {},
        "open_form": None,
        "message": None,
        # the parts of the page other domains own (`signals.case_page`): the warning
        # engine's alerts, deadlines and escalation form
        **signals.values_from_signal(signals.case_page.send(case, user=current_user)),
        "now": now,
        **_clock_context(case),
        **_collective_context(case),
        # counted today: the months grow with each pay day (docs/domain.md "Wage arrears")
        "months_owed": (
            None
            if case.wages_unpaid_since is None
            else arrears.months_owed(case.wages_unpaid_since, local_date(now))
        ),
        **extra,
    }


def _collective_context(case: Case) -> dict:
    """The roster, the possible duplicates and the merged cases (docs/collective.md)."""
    writer = current_user.role in services.CASE_WRITERS and case.is_open
    return {
        "roster": case.workers,
        "can_edit_roster": writer,
        "representatives_missing": roster.representatives_missing(case),
        "duplicates": (
            duplicates.find_duplicates(current_user, duplicates.probe_of(case))
            if case.is_open
            else []
        ),
        "duplicate_window": duplicates.window_days(),
        "can_merge": writer,
        "merged_cases": merging.merged_cases(current_user, case),
        "merged_into": merging.visible_merged_into(current_user, case),
    }


def _clock_context(case: Case) -> dict:
    """The deadline panel: every clock with its legal last day, state and the events the law
    allows (docs/domain.md "Clocks in detail")."""
    clocks = clock_events.clocks_of(case)
    today = local_date(utcnow())
    mediation = clock_named(clocks, ClockName.mediation)
    writer = current_user.role in services.CASE_WRITERS and case.is_open
    return {
        "clocks": clocks,
        "today": today,
        "can_write_clocks": writer,
        # the 15 days (or the agreed extension) are over and mediation goes on: the page asks
        # to record the extension or end the mediation (LDMAL art. 14)
        "mediation_over": (
            mediation is not None
            and mediation.is_running
            and mediation.last_day is not None
            and mediation.last_day < today
            and case.state in IN_MEDIATION
        ),
        "can_record_application": writer
        and case.state in NOT_AGREED
        and mediation is not None
        and mediation.state == ClockState.not_started,
        "can_record_arbitration": writer and case.state in (State.failed, State.referred),
        "decisions": list(ArbitrationDecision),
    }


@bp.route("/cases/<id:case_id>")
@login_required
def detail(case_id: int) -> ResponseReturnValue:
    case, read_only = get_readable_case(current_user, case_id)
    if read_only:
        return render_template("cases/detail.html", **_read_only_context(case))
    return render_template("cases/detail.html", **_detail_context(case))


def _read_only_context(case: Case) -> dict:
    """The page of a case taken over from the user's union: its facts, clocks and timeline,
    no forms (docs/security.md "Read-only access after a take-over"). The other domains'
    panels (`signals.case_page`) are left out: they act on the case."""
    return {
        "case": case,
        "read_only": True,
        "events": services.timeline(case, request.args.get("timeline")),
        "timeline_filter": request.args.get("timeline")
        if request.args.get("timeline") in TIMELINE_FILTERS
        else None,
        "triggers": [], "trigger_fields": {}, "payment_triggers": set(), "mediators": [],
        "can_assign_mediator": False, "attachments": [], "can_upload": False,
        "max_upload_mb": 0, "allowed_types": [], "can_take_over": False, "advocates": [],
        "can_assign": False, "mask_ids": current_user.role == Role.advocate,
        "labels": FIELD_LABELS, "form_errors": {}, "form_values": {}, "open_form": None,
        "message": None, "alerts": [], "wage_delay_days": None, "escalation_tier": None,
        "now": utcnow(), **_clock_context(case), "can_write_clocks": False,
        "can_record_application": False, "can_record_arbitration": False,
        "roster": case.workers, "can_edit_roster": False, "representatives_missing": False,
        "duplicates": [], "duplicate_window": duplicates.window_days(), "can_merge": False,
        "merged_cases": [], "merged_into": None,
        "months_owed": (
            None
            if case.wages_unpaid_since is None
            else arrears.months_owed(case.wages_unpaid_since, local_date(utcnow()))
        ),
    }  # fmt: skip


def rerender_case_page(case_id: int, status: int, **extra: Any) -> tuple[str, int]:
    """The case's page again, with a form's errors (`form_errors`, `form_values`, `open_form`)
    or a `message`, answered with `status`."""
    db.session.expire_all()
    case = get_visible_case(current_user, case_id)
    return render_template("cases/detail.html", **_detail_context(case, **extra)), status


@bp.route("/cases/<id:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int) -> ResponseReturnValue:
    case = get_visible_case(current_user, case_id)
    if current_user.role not in services.CASE_WRITERS:
        raise PermissionDenied("Your role may not edit case facts.")
    errors: dict = {}
    message = None
    if request.method == "POST":
        payload = case_form_payload(request.form, include_unchecked=True)
        payload.pop("handling_org_id", None)
        payload.pop("kind", None)
        # a blank optional input clears the fact
        for name in CLEARABLE_FACTS:
            if name in request.form and not request.form[name].strip():
                payload[name] = None
        # the form shows received_at to the minute: unchanged means keep the stored value
        if payload.get("received_at") == local_datetime(case.received_at, "%Y-%m-%dT%H:%M"):
            del payload["received_at"]
        try:
            services.update_facts(case_id, current_user, payload)
        except ValidationFailed as exc:
            errors = exc.fields
        except Conflict as exc:
            message = exc.message
        else:
            flash(_("Case details updated."), "success")
            return redirect(url_for("cases.detail", case_id=case_id))
        values = request.form.to_dict()
    else:
        values = _case_values(case)
    status = 422 if errors else (409 if message else 200)
    ctx = _new_case_context(values, errors)
    return render_template("cases/edit.html", case=case, message=message, **ctx), status


CLEARABLE_FACTS = (
    "worker_name", "worker_phone", "worker_id_number", "claim_amount", "arrears_months",
    "infringement_known_at", "employment_ended_at", "wages_unpaid_since", "project_id",
)  # fmt: skip


def _case_values(case: Case) -> dict:
    values = {
        name: getattr(case, name)
        for name in (
            "category", "enterprise_id", "project_id", "worker_name", "worker_phone",
            "worker_id_number", "workers_involved", "title", "description", "arrears_months", "channel",
            "infringement_known_at", "employment_status", "employment_ended_at",
            "wages_unpaid_since",
        )
    }  # fmt: skip
    values = {k: ("" if v is None else str(getattr(v, "value", v))) for k, v in values.items()}
    values["claim_amount"] = fen_to_yuan(case.claim_amount_fen) or ""
    values["received_at"] = local_datetime(case.received_at, "%Y-%m-%dT%H:%M")
    values["version"] = str(case.version)
    for name in ("is_migrant", "is_construction", "owner_absconded", "incident_in_progress"):
        if getattr(case, name):
            values[name] = "y"
    return values


@bp.route("/cases/export")
@login_required
def cases_export() -> ResponseReturnValue:
    """The case list's current filters (the list page links here with its query string)."""
    if current_user.role == Role.advocate:
        raise PermissionDenied("Advocates do not use the reports.")
    fmt = export_format()
    args = {k: v for k, v in request.args.items() if k not in ("format", "page") and v != ""}
    try:
        filters = queries.CaseFilterSchema(unknown=EXCLUDE).load(args)
    except ValidationError:
        abort(400)
    return download(fmt, case_tables(current_user, filters), "cases")


# --- the list's tools: saved filters and bulk assignment (docs/case-list.md) -------------------


@bp.app_context_processor
def _saved_filters_menu() -> dict[str, Any]:
    """`my_saved_filters()` for the navigation's include: read only when the menu is written
    (one indexed statement, for a signed-in user)."""

    def my_saved_filters() -> list[saved_filters.SavedFilter]:
        if not current_user.is_authenticated:
            return []
        return saved_filters.saved_filters(current_user)

    return {"my_saved_filters": my_saved_filters}


@bp.route("/cases/saved-filters", methods=["POST"])
@login_required
def save_filter() -> ResponseReturnValue:
    try:
        saved = saved_filters.save_filter(
            current_user,
            {"name": request.form.get("name", ""), "query": request.form.get("query", "")},
        )
    except ValidationFailed as exc:
        for messages in exc.fields.values():
            for message in messages:
                flash(translate_message(message), "error")
        return redirect(url_for("cases.case_list") + _query_suffix(request.form.get("query")))
    flash(_("Filter “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("cases.use_saved_filter", filter_id=saved.id))


def _query_suffix(query: str | None) -> str:
    """`?query` back to the list when the query is valid, else nothing (never echo a
    refused one into a link)."""
    try:
        return "?" + saved_filters.checked_query(query or "") if query else ""
    except ValidationFailed:
        return ""


@bp.route("/cases/saved-filters/<int:filter_id>")
@login_required
def use_saved_filter(filter_id: int) -> ResponseReturnValue:
    """Open a saved filter: its query string is checked again before the list is shown."""
    try:
        saved = saved_filters.own_filter(current_user, filter_id)
    except NotFound:
        abort(404)
    try:
        query = saved_filters.checked_query(saved.query)
    except ValidationFailed:
        flash(_("This saved filter is no longer valid; delete it and save it again."), "error")
        return redirect(url_for("cases.case_list")), 303
    return redirect(url_for("cases.case_list") + (f"?{query}" if query else ""))


@bp.route("/cases/saved-filters/<int:filter_id>/delete", methods=["POST"])
@login_required
def delete_saved_filter(filter_id: int) -> ResponseReturnValue:
    try:
        saved_filters.delete_filter(current_user, filter_id)
    except NotFound:
        abort(404)
    flash(_("Saved filter deleted."), "success")
    return redirect(url_for("cases.case_list"))


@bp.route("/cases/assign-mediator", methods=["POST"])
@login_required
def assign_mediator_bulk() -> ResponseReturnValue:
    """Assign one mediator to the checked cases, all or nothing; each case's version is the one
    its row showed. A refusal lists each case's reason and nothing is changed."""
    if current_user.role not in services.CASE_WRITERS:
        raise PermissionDenied("Your role may not assign mediators.")
    back = url_for("cases.case_list") + _query_suffix(request.form.get("query"))
    versions: dict[int, int | None] = {}
    for value in request.form.getlist("case"):
        case_id, _sep, version = value.partition(":")
        if not (case_id.isdigit() and version.isdigit()):
            abort(400)  # only a hand-made request carries another value
        versions[int(case_id)] = int(version)
    mediator = request.form.get("mediator_id", "")
    if not mediator.isdigit():
        flash(_("Choose a mediator."), "error")
        return redirect(back)
    if not versions:
        flash(_("Choose at least one case."), "error")
        return redirect(back)
    try:
        cases = services.assign_mediator_bulk(current_user, int(mediator), versions)
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        numbers: dict[int, str] = {
            row.id: row.number
            for row in db.session.execute(
                select(Case.id, Case.number).where(Case.id.in_(list(versions)))
            )
        }
        flash(_("No case was assigned:"), "error")
        for key, messages in exc.fields.items():
            case_id = key.rpartition(".")[2]
            number = numbers.get(int(case_id), case_id) if case_id.isdigit() else ""
            for message in messages:
                text = translate_message(message)
                flash(f"{number}: {text}" if number else text, "error")
        return redirect(back)
    flash(ngettext("%(num)d case assigned.", "%(num)d cases assigned.", len(cases)), "success")
    return redirect(back)
