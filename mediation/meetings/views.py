"""The joint meetings' pages: the list with the city's yearly checklist, a meeting with its
action items, the forms officers use, and the printable minutes. Thin: role, scope, service,
template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from mediation.accounts.scope import scope_organizations
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from mediation.core.i18n import _
from mediation.core.messages import Message
from mediation.core.uploads import ALLOWED_TYPES, UPLOAD_REFUSALS
from mediation.core.web import _error_page
from mediation.extensions import db
from mediation.meetings import attachments, services
from mediation.meetings.enums import Body, MeetingKind
from mediation.meetings.models import Meeting

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

bp = Blueprint("meetings", __name__)

CHECKLIST_YEARS = 3


def _payload(*, lists: tuple[str, ...] = ()) -> dict:
    payload: dict = {
        k: v.strip()
        for k, v in request.form.items()
        if k != "csrf_token" and k not in lists and v.strip() != ""
    }
    for name in lists:
        payload[name] = request.form.getlist(name)
    return payload


@bp.route("/meetings")
@login_required
def meeting_list() -> ResponseReturnValue:
    stmt = services.visible_meetings(current_user).order_by(
        Meeting.held_on.desc(), Meeting.id.desc()
    )
    meetings = db.session.scalars(stmt.limit(200)).all()
    today = local_date(utcnow())
    checklist = (
        services.yearly_checklist(list(range(today.year, today.year - CHECKLIST_YEARS, -1)))
        if services.sees_checklist(current_user)
        else None
    )
    return render_template(
        "meetings/list.html", meetings=meetings, checklist=checklist, today=today,
        can_write=services.can_write(current_user),
    )  # fmt: skip


def _new_form(values: dict, errors: dict, status: int) -> ResponseReturnValue:
    organizations = [
        (i, n) for i, n in scope_organizations(current_user)
    ]  # the service refuses a grassroots union
    return (
        render_template(
            "meetings/new.html", values=values, errors=errors, organizations=organizations,
            kinds=list(MeetingKind), bodies=list(Body),
        ),
        status,
    )  # fmt: skip


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    services.require_reader(current_user)
    if not services.can_write(current_user):
        raise PermissionDenied("Your role may not record joint meetings.")
    if request.method == "GET":
        return _new_form({"organization_id": str(current_user.organization_id)}, {}, 200)
    values = _payload(lists=("bodies",))
    try:
        meeting = services.create_meeting(current_user, values)
    except ValidationFailed as exc:
        return _new_form(values, exc.fields, 422)
    flash(_("Meeting recorded."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


def _detail(meeting_id: int, status: int = 200, **extra) -> ResponseReturnValue:
    meeting = services.get_visible_meeting(current_user, meeting_id)
    return (
        render_template(
            "meetings/detail.html", meeting=meeting, today=local_date(utcnow()),
            can_write=services.can_write(current_user), bodies=list(Body),
            values=extra.get("values", {}), errors=extra.get("errors", {}),
            open_form=extra.get("open_form"), message=extra.get("message"),
            attachments=meeting.attachments, may_delete=attachments.can_delete,
            allowed_types=sorted(ALLOWED_TYPES),
            max_upload_mb=current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        ),
        status,
    )  # fmt: skip


@bp.route("/meetings/<id:meeting_id>")
@login_required
def detail(meeting_id: int) -> ResponseReturnValue:
    return _detail(meeting_id)


@bp.route("/meetings/<id:meeting_id>/minutes", methods=["POST"])
@login_required
def minutes(meeting_id: int) -> ResponseReturnValue:
    values = _payload()
    try:
        services.update_minutes(current_user, meeting_id, values)
    except ValidationFailed as exc:
        return _detail(meeting_id, 422, values=values, errors=exc.fields, open_form="minutes")
    flash(_("Minutes saved."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.route("/meetings/<id:meeting_id>/action-items", methods=["POST"])
@login_required
def add_item(meeting_id: int) -> ResponseReturnValue:
    values = _payload()
    payload = {k: v for k, v in values.items() if k not in ("case_numbers", "credit_codes")}
    try:
        services.get_visible_meeting(current_user, meeting_id)  # 404 before the links
        if not services.can_write(current_user):
            raise PermissionDenied("Your role may not change joint meetings.")
        case_ids, enterprise_ids = services.resolve_links(
            current_user, values.get("case_numbers", ""), values.get("credit_codes", "")
        )
        payload |= {"case_ids": case_ids, "enterprise_ids": enterprise_ids}
        services.add_action_item(current_user, meeting_id, payload)
    except ValidationFailed as exc:
        fields = dict(exc.fields)
        for old, new in (("case_ids", "case_numbers"), ("enterprise_ids", "credit_codes")):
            if old in fields:
                fields[new] = fields.pop(old)
        return _detail(meeting_id, 422, values=values, errors=fields, open_form="item")
    flash(_("Action item added."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#items")


@bp.route("/meetings/<id:meeting_id>/action-items/<id:item_id>/status", methods=["POST"])
@login_required
def item_status(meeting_id: int, item_id: int) -> ResponseReturnValue:
    try:
        services.set_item_status(current_user, meeting_id, item_id, _payload())
    except ValidationFailed as exc:
        return _detail(meeting_id, 422, errors=exc.fields)
    except Conflict as exc:
        return _detail(meeting_id, 409, message=exc.message)
    flash(_("Action item updated."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#items")


@bp.route("/meetings/<id:meeting_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(meeting_id: int) -> ResponseReturnValue:
    """A file for the meeting (officers who may change it). A refused file re-renders the
    page with the reason beside the upload field; nothing is stored."""
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)
    try:
        attachment = attachments.add_attachment(
            current_user,
            meeting_id,
            upload.stream if upload is not None and has_file else None,
            upload.filename if upload is not None and has_file else None,
        )
    except UPLOAD_REFUSALS as exc:
        fields = exc.fields or {"file": [exc.message]}
        return _detail(meeting_id, exc.status_code, errors=fields, open_form="attachment")
    flash(_("File %(name)s uploaded.", name=attachment.filename), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#attachments")


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body over MAX_CONTENT_LENGTH is refused before the view runs: on the upload form,
    answer with the meeting page and the limit."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
    field = {"file": [Message("At most %(n)s MB.", n=limit)]}
    meeting_id = (request.view_args or {}).get("meeting_id")
    if request.endpoint == "meetings.upload_attachment" and current_user.is_authenticated:
        try:
            return _detail(int(meeting_id or 0), 413, errors=field, open_form="attachment")
        except DomainError as err:
            return _error_page(err.status_code, err.message)
    return _error_page(413, field["file"][0])


@bp.route("/meetings/<id:meeting_id>/attachments/<id:attachment_id>")
@login_required
def download_attachment(meeting_id: int, attachment_id: int) -> ResponseReturnValue:
    attachment, content = attachments.get_attachment(current_user, meeting_id, attachment_id)
    return send_file(
        content,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )


@bp.route("/meetings/<id:meeting_id>/attachments/<id:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(meeting_id: int, attachment_id: int) -> ResponseReturnValue:
    attachments.delete_attachment(current_user, meeting_id, attachment_id)
    flash(_("File removed."), "info")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#attachments")


@bp.route("/meetings/<id:meeting_id>/print")
@login_required
def print_minutes(meeting_id: int) -> ResponseReturnValue:
    """The minutes as an A4 sheet, with the action items."""
    meeting = services.get_visible_meeting(current_user, meeting_id)
    return render_template("meetings/print.html", meeting=meeting, today=local_date(utcnow()))
