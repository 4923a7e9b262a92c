"""The notices page, one notice (which leads to its subject) and "mark all read"
(docs/notifications.md "Pages"). Every role has notices; each user sees only their own."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from mediation.core.errors import NotFound
from mediation.extensions import db
from mediation.inbox import services
from mediation.inbox.models import InAppNotice
from mediation.inbox.texts import notice_url

bp = Blueprint("inbox", __name__)
PER_PAGE = 25


@bp.route("/notices")
@login_required
def notice_list() -> ResponseReturnValue:
    """My notices, newest first. Showing a page marks its notices read; they stay marked as
    new on this showing (the bell goes down at once)."""
    page = db.paginate(
        services.my_notices(current_user),
        page=request.args.get("page", 1, type=int) or 1, per_page=PER_PAGE, error_out=False,
    )  # fmt: skip
    new_ids = [n.id for n in page.items if n.read_at is None]
    if new_ids:
        services.mark_read(current_user, new_ids)
        g.bell_read = len(new_ids)
    return render_template("inbox/list.html", page=page, new_ids=set(new_ids))


@bp.route("/notices/<id:notice_id>")
@login_required
def open_notice(notice_id: int) -> ResponseReturnValue:
    """One notice: marked read, and on to its subject. Another user's is 404."""
    subject = db.session.scalar(
        db.select(InAppNotice).where(
            InAppNotice.id == notice_id, InAppNotice.user_id == current_user.id
        )
    )
    if subject is None:
        raise NotFound("Notice not found.")
    url = notice_url(subject)
    if subject.read_at is None:
        services.mark_read(current_user, [notice_id])
    return redirect(url)


@bp.route("/notices/read", methods=["POST"])
@login_required
def mark_all_read() -> ResponseReturnValue:
    services.mark_read(current_user)
    return redirect(url_for("inbox.notice_list"))
