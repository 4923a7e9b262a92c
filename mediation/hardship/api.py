"""API: hardship files and their aid (docs/worker-services.md "Hardship files")."""

from __future__ import annotations

from marshmallow import Schema, fields

from mediation.core.api import Blueprint, PagingQuery, authenticated, page_of, per_page
from mediation.core.fields import EnumCode, Money
from mediation.core.identifiers import mask_id_number
from mediation.core.pagination import paginate
from mediation.hardship import services
from mediation.hardship.models import AidKind, HardshipFile, HardshipLevel, HardshipType
from mediation.hardship.schemas import AidInputSchema, HardshipFileInputSchema


class AidSchema(Schema):
    id = fields.Integer(required=True)
    file_id = fields.Integer(required=True)
    given_on = fields.Date(required=True)
    kind = EnumCode(AidKind, required=True)
    amount = Money(attribute="amount_fen", required=True)
    source = fields.String(required=True)
    campaign = fields.String(allow_none=True)
    approved_by = fields.String(required=True)


class HardshipFileSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    id_number = fields.Function(
        lambda f: mask_id_number(f.id_number), required=True,
        metadata={"type": "string", "description": "masked: region and last four digits"},
    )  # fmt: skip
    phone = fields.String(allow_none=True)
    household_size = fields.Integer(required=True)
    household = fields.String(allow_none=True)
    hardship_type = EnumCode(HardshipType, required=True)
    level = EnumCode(HardshipLevel, required=True)
    income_per_head = Money(attribute="income_per_head_fen", required=True)
    certificate_number = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)
    organization_id = fields.Integer(required=True)
    review_due_on = fields.Date(required=True)
    case_id = fields.Integer(allow_none=True)


class AidListSchema(Schema):
    items = fields.List(fields.Nested(AidSchema), required=True)


bp = Blueprint("hardship_api", __name__)


@bp.route("/hardship-files", methods=["GET"])
@authenticated
@bp.arguments(PagingQuery, location="query")
@bp.response(200, page_of(HardshipFileSchema))
def list_files(query: dict, user):
    """Hardship files of the caller's area

    Officers and mediators of the area; advocates get 404."""
    stmt = services.visible_files(user).order_by(HardshipFile.review_due_on, HardshipFile.id)
    return paginate(stmt, query["page"], per_page(query))


@bp.route("/hardship-files", methods=["POST"])
@authenticated
@bp.arguments(HardshipFileInputSchema)
@bp.response(201, HardshipFileSchema)
def open_file(body: dict, user):
    """Open a hardship file

    One file per person: an ID number that has a file already is refused (422)."""
    return services.open_file(user, body)


@bp.route("/hardship-files/<id:file_id>", methods=["GET"])
@authenticated
@bp.response(200, HardshipFileSchema)
def get_file(user, file_id: int):
    """One hardship file"""
    return services.get_visible_file(user, file_id)


@bp.route("/hardship-files/<id:file_id>/aid", methods=["GET"])
@authenticated
@bp.response(200, AidListSchema)
def list_aid(user, file_id: int):
    """The aid given on a file, newest first"""
    return {"items": services.get_visible_file(user, file_id).aid}


@bp.route("/hardship-files/<id:file_id>/aid", methods=["POST"])
@authenticated
@bp.arguments(AidInputSchema)
@bp.response(201, AidSchema)
def record_aid(body: dict, user, file_id: int):
    """Record aid given on a file"""
    return services.record_aid(user, file_id, body)
