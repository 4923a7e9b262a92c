"""API: labour-law supervision notices, the enterprise's reply, the verification of the
rectification (docs/enterprise-file.md "Supervision notices")."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from mediation.accounts.models import User
from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.clock import local_date, utcnow
from mediation.core.fields import EnumCode
from mediation.core.pagination import paginate
from mediation.core.schemas import id_field
from mediation.labour_supervision import services
from mediation.labour_supervision.enums import NoticeKind, NoticeStatus
from mediation.labour_supervision.models import SupervisionNotice
from mediation.labour_supervision.schemas import (
    NoticeReplySchema,
    NoticeVerifySchema,
    SupervisionNoticeCreateSchema,
    SupervisionNoticeSchema,
)


class SupervisionNoticeListQuery(PagingQuery):
    status = EnumCode(NoticeStatus)
    kind = EnumCode(NoticeKind)
    enterprise_id = id_field()
    overdue = fields.Boolean(
        metadata={"description": "only those whose rectification is overdue (or only not)"}
    )


bp = Blueprint("labour_supervision_api", __name__)


def described(notice: SupervisionNotice, user: User) -> SupervisionNotice:
    """The notice with what the schema reads besides its columns: overdue, the open steps."""
    notice._overdue = notice.is_overdue(local_date(utcnow()))  # type: ignore[attr-defined]
    notice._actions = services.actions_for(notice, user)  # type: ignore[attr-defined]
    return notice


@bp.route("/supervision-notices", methods=["GET"])
@authenticated
@bp.arguments(SupervisionNoticeListQuery, location="query")
@bp.response(200, page_of(SupervisionNoticeSchema))
def list_notices(query: dict[str, Any], user: User) -> Any:
    """Supervision notices of the caller's area

    Newest first; filters `status`, `kind`, `enterprise_id`, `overdue`. Advocates: 404."""
    stmt = services.visible_notices(user)
    for name in ("status", "kind", "enterprise_id"):
        if query.get(name) is not None:
            stmt = stmt.where(getattr(SupervisionNotice, name) == query[name])
    if query.get("overdue") is not None:
        stmt = stmt.where(services.overdue_condition(local_date(utcnow()), query["overdue"]))
    page = paginate(services.newest_first(stmt), query["page"], per_page(query))
    for notice in page.items:
        described(notice, user)
    return page


@bp.route("/supervision-notices", methods=["POST"])
@authenticated
@bp.arguments(SupervisionNoticeCreateSchema)
@bp.response(201, SupervisionNoticeSchema)
def create_notice(body: dict[str, Any], user: User) -> Any:
    """Issue a supervision notice

    `kind` (`opinion` 意见书, `recommendation` 建议书), `enterprise_id`, `issued_on`,
    `findings`, `rectification`, `deadline` (not before `issued_on`), optional
    `organization_id` (the issuing union: the caller's, or one below it) and `case_ids` (cases
    of that enterprise in the caller's scope). Bad input: 422 with messages per field."""
    return described(services.create_notice(user, body), user)


@bp.route("/supervision-notices/<id:notice_id>", methods=["GET"])
@authenticated
@bp.response(200, SupervisionNoticeSchema)
def get_notice(user: User, notice_id: int) -> Any:
    """One supervision notice"""
    return described(services.get_visible_notice(user, notice_id), user)


@bp.route("/supervision-notices/<id:notice_id>/reply", methods=["POST"])
@authenticated
@bp.arguments(NoticeReplySchema)
@bp.response(200, SupervisionNoticeSchema)
@bp.alt_response(409, response="CONFLICT")
def record_reply(body: dict[str, Any], user: User, notice_id: int) -> Any:
    """Record the enterprise's reply

    `{reply_on, reply_text}`, as the union received it; only on an `issued` notice (else 409).
    `reply_on` is neither before the notice's date nor in the future (422)."""
    return described(services.record_reply(notice_id, user, body), user)


@bp.route("/supervision-notices/<id:notice_id>/verify", methods=["POST"])
@authenticated
@bp.arguments(NoticeVerifySchema)
@bp.response(200, SupervisionNoticeSchema)
@bp.alt_response(409, response="CONFLICT")
def verify(body: dict[str, Any], user: User, notice_id: int) -> Any:
    """Verify the rectification

    `{rectified: true|false, note}`: `true` makes the notice `verified` and resolves its
    overdue alert; `false` makes it `not_rectified` (the alert stays while overdue). Not on a
    verified notice (409)."""
    return described(services.verify(notice_id, user, body), user)
