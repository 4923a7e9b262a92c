"""API: the enterprise registry."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import or_

from mediation.accounts.models import Role
from mediation.cases.schemas import EnterpriseInputSchema
from mediation.core.api import PagingQuery, operation, page_of, per_page
from mediation.core.errors import PermissionDenied
from mediation.core.fields import EnumCode
from mediation.core.identifiers import normalize_credit_code
from mediation.core.pagination import paginate
from mediation.enterprises import services
from mediation.enterprises.models import Enterprise, Ownership


class EnterpriseSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(required=True)
    organization_id = fields.Integer(required=True)
    address = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)
    ownership = EnumCode(Ownership, allow_none=True)
    legal_representative = fields.String(allow_none=True)
    headcount = fields.Integer(allow_none=True)
    has_union = fields.Boolean(required=True)


class EnterpriseListQuery(PagingQuery):
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "in the name or the credit code"},
    )
    sort = fields.String(load_default="name", validate=validate.OneOf(["name", "-name", "id"]))


def _require_registry(user) -> None:
    if user.role == Role.advocate:
        raise PermissionDenied("advocates do not use the enterprise registry")


@operation(
    "GET", "/enterprises", summary="The registry (the caller's area)", tag="enterprises",
    query=EnterpriseListQuery, response=page_of(EnterpriseSchema), errors=(401, 403, 422),
)  # fmt: skip
def list_enterprises(user, query: dict):
    _require_registry(user)
    stmt = services.visible_enterprises(user)
    if query.get("q"):
        text = query["q"].replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        stmt = stmt.where(
            or_(
                Enterprise.name.ilike(f"%{text}%", escape="\\"),
                Enterprise.credit_code == normalize_credit_code(query["q"]),
            )
        )
    order = {
        "name": (Enterprise.name, Enterprise.id),
        "-name": (Enterprise.name.desc(), Enterprise.id.desc()),
        "id": (Enterprise.id,),
    }[query["sort"]]
    return paginate(stmt.order_by(*order), query["page"], per_page(query))


@operation(
    "POST", "/enterprises", summary="Register an enterprise", tag="enterprises",
    body=EnterpriseInputSchema, response=EnterpriseSchema, status=201,
    errors=(400, 401, 403, 413, 415, 422),
)  # fmt: skip
def create_enterprise(user, body: dict):
    """The unified social credit code must be valid (GB 32100) and not yet registered."""
    return services.create_enterprise(user, body)


@operation(
    "GET", "/enterprises/<id:enterprise_id>", summary="One enterprise", tag="enterprises",
    response=EnterpriseSchema, errors=(401, 403, 404),
)  # fmt: skip
def get_enterprise(user, enterprise_id: int):
    _require_registry(user)
    return services.get_visible_enterprise(user, enterprise_id)
