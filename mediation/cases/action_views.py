"""The forms a case's page posts: a transition, a note, an assignment, evidence, a take-over.
Each calls one service and goes back to the page, or shows it again with the form's errors
(`views.rerender_case_page`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from mediation.cases import (
    attachments,
    clock_events,
    merging,
    photos,
    roster,
    roster_files,
    services,
    workflow,
)
from mediation.cases.enums import EventKind, State
from mediation.cases.forms import fold_line_errors, form_payload, trigger_form_payload
from mediation.core.errors import Conflict, DomainError, ValidationFailed
from mediation.core.i18n import _, ngettext
from mediation.core.messages import N_, Message
from mediation.core.money import fen_to_yuan
from mediation.core.web import (
    _error_page,
)

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue
    from werkzeug.datastructures import MultiDict

from mediation.cases.scope import get_visible_case
from mediation.cases.views import rerender_case_page

bp = Blueprint("case_actions", __name__)


@bp.route("/cases/<id:case_id>/transitions/<trigger>", methods=["POST"])
@login_required
def transition(case_id: int, trigger: str) -> ResponseReturnValue:
    payload, typed = trigger_form_payload(trigger, request.form)
    version = request.form.get("version", type=int)
    if version is None:  # the form always carries it: without it a stale form could win
        return rerender_case_page(
            case_id, 422, form_errors={"version": [N_("Reload the page and try again.")]},
            form_values=typed, open_form=trigger,
        )  # fmt: skip
    try:
        case = services.fire_trigger(
            case_id, trigger, current_user, payload, expected_version=version
        )
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=fold_line_errors(exc.fields), form_values=typed,
            open_form=trigger,
        )  # fmt: skip
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(
        _(
            "Done: %(action)s. The case is now: %(state)s.",
            action=workflow.get_trigger(trigger).label,
            state=State(case.state).label,
        ),
        "success",
    )
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<id:case_id>/notes", methods=["POST"])
@login_required
def add_note(case_id: int) -> ResponseReturnValue:
    payload = form_payload(request.form)
    photos = [(f.stream, f.filename) for f in request.files.getlist("photos") if f.filename]
    try:
        event = services.add_note(case_id, current_user, payload, photos=photos)
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=payload, open_form="note"
        )
    except Conflict as exc:
        return rerender_case_page(
            case_id, 409, message=exc.message, form_values=payload, open_form="note"
        )
    if photos:
        flash(ngettext("Visit record saved with %(num)d photo.",
                       "Visit record saved with %(num)d photos.", len(photos)), "success")  # fmt: skip
    elif event.kind == EventKind.visit:
        flash(_("Visit record saved."), "success")
    else:
        flash(_("Progress note saved."), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#timeline")


@bp.route("/cases/<id:case_id>/advocates", methods=["POST"])
@login_required
def assign_advocate(case_id: int) -> ResponseReturnValue:
    advocate_id = request.form.get("user_id", type=int)
    try:
        if advocate_id is None:
            raise ValidationFailed({"user_id": [N_("Choose an advocate.")]})
        services.assign_advocate(case_id, current_user, advocate_id)
    except ValidationFailed as exc:
        return rerender_case_page(case_id, 422, form_errors=exc.fields, open_form="assign")
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(_("Rights advocate assigned."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<id:case_id>/advocates/<id:user_id>/remove", methods=["POST"])
@login_required
def unassign_advocate(case_id: int, user_id: int) -> ResponseReturnValue:
    """Only with the form's confirmation ticked (`confirm`): no script's dialog, the strict CSP
    (docs/security.md "Confirmations")."""
    if request.form.get("confirm") != "yes":
        get_visible_case(current_user, case_id)  # out of scope stays 404
        if current_user.role not in services.CASE_WRITERS:
            abort(403)
        flash(_("Tick the confirmation to remove the advocate."), "error")
        return redirect(url_for("cases.detail", case_id=case_id) + "#case-head", 303)
    services.unassign_advocate(case_id, current_user, user_id)
    flash(_("Assignment removed."), "info")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<id:case_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(case_id: int) -> ResponseReturnValue:
    """Evidence: every role that sees the case, while it is open. A refused file (too large,
    wrong type, empty) re-renders the page with the reason beside the upload field."""
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)
    try:
        attachment = attachments.add_attachment(
            case_id,
            current_user,
            upload.stream if upload is not None and has_file else None,
            upload.filename if upload is not None and has_file else None,
        )
    except (ValidationFailed, attachments.PayloadTooLarge, attachments.UnsupportedType) as exc:
        fields = exc.fields or {"file": [exc.message]}
        return rerender_case_page(
            case_id, exc.status_code, form_errors=fields, open_form="evidence"
        )
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(_("Evidence %(name)s uploaded.", name=attachment.filename), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#evidence")


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body over MAX_CONTENT_LENGTH is refused before any view runs (even before the CSRF
    check reads the form): on the evidence form, answer with the case page and the limit."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
    field = {"file": [Message("At most %(n)s MB.", n=limit)]}
    case_id = (request.view_args or {}).get("case_id")
    # (the form posted to the action's address, or to the case page's with `?do=`)
    action = request.endpoint
    if action == "case_actions.page_action" and request.args.get("do") in PAGE_ACTIONS:
        action = PAGE_ACTIONS[request.args["do"]][0]
    if action == "case_actions.add_note" and current_user.is_authenticated:
        # (a visit's photos together over the limit; the typed text cannot be read back)
        total = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        photos = {"photos": [Message("At most %(n)s MB for all photos together.", n=total)]}
        try:
            return rerender_case_page(cast(int, case_id), 413, form_errors=photos, open_form="note")
        except DomainError as err:
            return _error_page(err.status_code, err.message)
    if action == "case_actions.upload_attachment" and current_user.is_authenticated:
        try:
            # (the upload's URL has it)
            return rerender_case_page(
                cast(int, case_id), 413, form_errors=field, open_form="evidence"
            )
        except DomainError as err:
            return _error_page(err.status_code, err.message)
    return _error_page(413, field["file"][0])


@bp.route("/cases/<id:case_id>/attachments/<id:attachment_id>/thumbnail")
@login_required
def attachment_thumbnail(case_id: int, attachment_id: int) -> ResponseReturnValue:
    """A photo's thumbnail for the timeline; 404 for an attachment that is not an image."""
    attachment, content = attachments.get_attachment(current_user, case_id, attachment_id)
    with content:
        image = photos.thumbnail(attachment, content)
    # (like every signed-in page, answered with no-store: a photo of a worker's home is not
    # left in a shared computer's cache)
    return current_app.response_class(image, mimetype="image/jpeg")


@bp.route("/cases/<id:case_id>/attachments/<id:attachment_id>")
@login_required
def download_attachment(case_id: int, attachment_id: int) -> ResponseReturnValue:
    attachment, content = attachments.get_attachment(current_user, case_id, attachment_id)
    return send_file(
        content,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )


def _version_of(form: MultiDict[str, str]) -> int | None:
    return form.get("version", type=int)


@bp.route("/cases/<id:case_id>/mediator", methods=["POST"])
@login_required
def assign_mediator(case_id: int) -> ResponseReturnValue:
    payload = {"mediator_id": request.form.get("mediator_id", type=int)}
    payload["version"] = _version_of(request.form)
    payload = {k: v for k, v in payload.items() if v is not None}
    try:
        case = services.assign_mediator(case_id, current_user, payload)
    except ValidationFailed as exc:
        return rerender_case_page(case_id, 422, form_errors=exc.fields, open_form="mediator")
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    assert case.mediator is not None  # (just assigned)
    flash(_("Mediator assigned: %(name)s.", name=case.mediator.display_name), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<id:case_id>/takeover", methods=["POST"])
@login_required
def take_over(case_id: int) -> ResponseReturnValue:
    payload = {"reason": request.form.get("reason", ""), "version": _version_of(request.form)}
    payload = {k: v for k, v in payload.items() if v is not None}
    try:
        case = services.take_over(case_id, current_user, payload)
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=payload, open_form="takeover"
        )
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(_("Case taken over by %(org)s.", org=case.handling_org.name), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


# --- clocks (cases/clock_events.py) ------------------------------------------------------------


def _clock_form_call(
    case_id: int, open_form: str, call: Callable[[dict], object]
) -> ResponseReturnValue:
    """Post a clock form: the service with the form's payload, then the page (or the page
    again with the form's errors, keeping what was typed)."""
    payload = form_payload(request.form, drop=("csrf_token",))
    if "consent_worker" in payload or "consent_employer" in payload or "extend" in open_form:
        payload["consent"] = {
            "worker": bool(payload.pop("consent_worker", None)),
            "employer": bool(payload.pop("consent_employer", None)),
        }
    try:
        call(payload)
    except ValidationFailed as exc:
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=values, open_form=open_form
        )
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(_("Recorded."), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#clocks")


@bp.route("/cases/<id:case_id>/application", methods=["POST"])
@login_required
def record_application(case_id: int) -> ResponseReturnValue:
    return _clock_form_call(
        case_id,
        "application",
        lambda p: clock_events.record_application(case_id, current_user, p),
    )


@bp.route("/cases/<id:case_id>/clocks/<clock>/events", methods=["POST"])
@login_required
def record_clock_event(case_id: int, clock: str) -> ResponseReturnValue:
    kind = request.form.get("kind", "")
    return _clock_form_call(
        case_id,
        f"clock-{clock}-{kind}",
        lambda p: clock_events.record_clock_event(case_id, clock, current_user, p),
    )


@bp.route("/cases/<id:case_id>/arbitration", methods=["POST"])
@login_required
def record_arbitration(case_id: int) -> ResponseReturnValue:
    return _clock_form_call(
        case_id,
        "arbitration",
        lambda p: clock_events.record_arbitration(case_id, current_user, p),
    )


# --- the roster, merge and split (docs/collective.md) ------------------------------------------


def _worker_form(form: MultiDict) -> dict:
    """A roster row's form as a payload (the checkbox absent: not a representative)."""
    payload = form_payload(form)
    payload["representative"] = form.get("representative") in ("1", "on", "true")
    return payload


def _roster_call(
    case_id: int, open_form: str, call: Callable[[], object], done: str
) -> ResponseReturnValue:
    try:
        call()
    except ValidationFailed as exc:
        return rerender_case_page(
            case_id, 422, form_errors=exc.fields, form_values=request.form.to_dict(),
            open_form=open_form,
        )  # fmt: skip
    except Conflict as exc:
        return rerender_case_page(case_id, 409, message=exc.message)
    flash(done, "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#roster")


@bp.route("/cases/<id:case_id>/workers", methods=["POST"])
@login_required
def add_worker(case_id: int) -> ResponseReturnValue:
    return _roster_call(
        case_id, "worker-new",
        lambda: roster.change_worker(case_id, current_user, _worker_form(request.form)),
        _("Worker added to the roster."),
    )  # fmt: skip


@bp.route("/cases/<id:case_id>/workers/<int:index>", methods=["POST"])
@login_required
def edit_worker(case_id: int, index: int) -> ResponseReturnValue:
    return _roster_call(
        case_id, f"worker-{index}",
        lambda: roster.change_worker(
            case_id, current_user, _worker_form(request.form), index=index
        ),
        _("Roster updated."),
    )  # fmt: skip


@bp.route("/cases/<id:case_id>/workers/<int:index>/remove", methods=["POST"])
@login_required
def remove_worker(case_id: int, index: int) -> ResponseReturnValue:
    return _roster_call(
        case_id, f"worker-{index}",
        lambda: roster.change_worker(
            case_id, current_user, {"version": request.form.get("version")}, index=index,
            remove=True,
        ),
        _("Worker removed from the roster."),
    )  # fmt: skip


@bp.route("/cases/<id:case_id>/workers/upload", methods=["POST"])
@login_required
def upload_roster(case_id: int) -> ResponseReturnValue:
    """A whole roster from a CSV or XLSX file or pasted text: every row checked, then all
    written or none, the bad rows named by their line."""

    def call() -> object:
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            workers = roster_files.read_roster_file(upload.filename, upload.read())
        elif (request.form.get("text") or "").strip():
            workers = roster_files.rows_to_workers(roster_files.table_of_text(request.form["text"]))
        else:
            raise ValidationFailed({"file": [N_("Choose a file or paste the roster.")]})
        return roster.replace_roster(
            case_id, current_user,
            {"workers": [_as_input(w) for w in workers], "version": _version()},
        )  # fmt: skip

    return _roster_call(case_id, "roster-upload", call, _("Roster replaced."))


def _version() -> int | None:
    return request.form.get("version", type=int)


def _as_input(worker: dict) -> dict:
    """A checked worker back in the input's shape (amounts in yuan, dates as text)."""
    out = {k: v for k, v in worker.items() if v is not None and not k.endswith("_fen")}
    for name in ("amount_owed", "amount_paid"):
        if worker.get(f"{name}_fen") is not None:
            out[name] = fen_to_yuan(worker[f"{name}_fen"])
    if worker.get("first_unpaid_on") is not None:
        out["first_unpaid_on"] = worker["first_unpaid_on"].isoformat()
    return out


@bp.route("/cases/<id:case_id>/merge", methods=["POST"])
@login_required
def merge(case_id: int) -> ResponseReturnValue:
    case_ids = [int(v) for v in request.form.getlist("case_ids") if v.isdigit()]
    return _roster_call(
        case_id, "merge",
        lambda: merging.merge_cases(
            case_id, current_user, {"case_ids": case_ids, "version": _version()}
        ),
        _("Cases merged into this one."),
    )  # fmt: skip


@bp.route("/cases/<id:case_id>/split", methods=["POST"])
@login_required
def split(case_id: int) -> ResponseReturnValue:
    other = request.form.get("case_id", type=int)
    return _roster_call(
        case_id, "merge",
        lambda: merging.split_case(
            case_id, current_user, {"case_id": other, "version": _version()}
        ),
        _("Case split off; it is open again."),
    )  # fmt: skip


# The case page's forms post to the page's own address, the action named in the query string
# (`/cases/42?do=note`): a refused form is shown again with its errors and what was typed, and
# the address bar then holds an address of the case page, which a reload or a bookmark opens,
# instead of an action's address, which answers GET with 405 (docs/security.md "Forms after a
# refusal"). The actions' own addresses stay for scripts and the tests.
PAGE_ACTIONS: dict[str, tuple[str, tuple[tuple[str, type], ...]]] = {
    "transition": ("case_actions.transition", (("trigger", str),)),
    "note": ("case_actions.add_note", ()),
    "assign_advocate": ("case_actions.assign_advocate", ()),
    "remove_advocate": ("case_actions.unassign_advocate", (("user_id", int),)),
    "attachment": ("case_actions.upload_attachment", ()),
    "mediator": ("case_actions.assign_mediator", ()),
    "takeover": ("case_actions.take_over", ()),
    "application": ("case_actions.record_application", ()),
    "clock": ("case_actions.record_clock_event", (("clock", str),)),
    "arbitration": ("case_actions.record_arbitration", ()),
    "add_worker": ("case_actions.add_worker", ()),
    "edit_worker": ("case_actions.edit_worker", (("index", int),)),
    "remove_worker": ("case_actions.remove_worker", (("index", int),)),
    "roster": ("case_actions.upload_roster", ()),
    "merge": ("case_actions.merge", ()),
    "split": ("case_actions.split", ()),
    "escalate": ("warnings.escalate", ()),
    "wage_delay": ("warnings.wage_delay", ()),
}


@bp.route("/cases/<id:case_id>", methods=["POST"])
@login_required
def page_action(case_id: int) -> ResponseReturnValue:
    """A form of the case page, posted to the page's address: the action of `?do=`."""
    action = PAGE_ACTIONS.get(request.args.get("do", ""))
    if action is None:
        abort(404)
    endpoint, parameters = action
    kwargs: dict = {}
    for name, kind in parameters:
        value = request.args.get(name, "")
        try:
            kwargs[name] = kind(value)
        except ValueError:
            abort(404)
    view = cast("Callable[..., ResponseReturnValue]", current_app.view_functions[endpoint])
    return view(case_id=case_id, **kwargs)
