"""API: the organization tree."""

from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import select

from mediation.core.api import Blueprint, authenticated
from mediation.core.fields import EnumCode
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier


class OrganizationSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    tier = EnumCode(Tier, required=True)
    parent_id = fields.Integer(allow_none=True)


class OrganizationListSchema(Schema):
    items = fields.List(fields.Nested(OrganizationSchema), required=True)


bp = Blueprint("orgs_api", __name__)


@bp.route("/organizations", methods=["GET"])
@authenticated
@bp.response(200, OrganizationListSchema)
def list_organizations(user):
    """The organization tree

    Every organization of the network (city, towns, grassroots unions), parents first."""
    orgs = db.session.scalars(select(Organization).order_by(Organization.id))
    rank = {Tier.city: 0, Tier.town: 1, Tier.grassroots: 2}
    return {"items": sorted(orgs, key=lambda o: (rank[o.tier], o.code))}
