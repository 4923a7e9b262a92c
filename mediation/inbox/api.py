"""API: my in-app notices (docs/notifications.md "API")."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.pagination import paginate
from mediation.inbox import services
from mediation.inbox.models import KINDS
from mediation.inbox.schemas import MarkReadSchema
from mediation.inbox.texts import notice_text, notice_url


class NoticeSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    text = fields.Function(
        notice_text, required=True,
        metadata={"type": "string", "description": "in the caller's language"},
    )  # fmt: skip
    url = fields.Function(
        notice_url, required=True,
        metadata={"type": "string", "description": "the page of its subject"},
    )  # fmt: skip
    case_id = fields.Integer(allow_none=True)
    incident_id = fields.Integer(allow_none=True)
    alert_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class MarkedSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "how many were unread"})


bp = Blueprint("inbox_api", __name__)


@bp.route("/notices", methods=["GET"])
@authenticated
@bp.arguments(PagingQuery, location="query")
@bp.response(200, page_of(NoticeSchema))
def list_notices(query: dict, user: Any) -> Any:
    """My notices, newest first

    Every role; only the caller's own notices. Reading the list does not mark them read."""
    return paginate(services.my_notices(user), query["page"], per_page(query))


@bp.route("/notices/read", methods=["POST"])
@authenticated
@bp.arguments(MarkReadSchema)
@bp.response(200, MarkedSchema)
def mark_read(body: dict, user: Any) -> Any:
    """Mark my notices read

    `ids`: those of mine to mark (others' ids are ignored); without it, all of mine."""
    return {"marked": services.mark_read_payload(user, body)}
