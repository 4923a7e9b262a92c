"""API: the organization tree and the lifecycle machine as data."""

from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import select

from mediation.cases import workflow
from mediation.core.api import operation
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


class WorkflowStateSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    open = fields.Boolean(required=True)


class WorkflowTriggerSchema(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    from_ = fields.List(fields.String(), data_key="from", attribute="from", required=True)
    to = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    payload = fields.List(fields.String(), required=True)


class WorkflowSchema(Schema):
    states = fields.List(fields.Nested(WorkflowStateSchema), required=True)
    initial = fields.String(required=True)
    triggers = fields.List(fields.Nested(WorkflowTriggerSchema), required=True)


@operation(
    "GET", "/organizations", summary="The organization tree", tag="organizations",
    response=OrganizationListSchema, errors=(401,),
)  # fmt: skip
def list_organizations(user):
    """Every organization of the network (city, towns, grassroots unions), parents first."""
    orgs = db.session.scalars(select(Organization).order_by(Organization.id))
    rank = {Tier.city: 0, Tier.town: 1, Tier.grassroots: 2}
    return {"items": sorted(orgs, key=lambda o: (rank[o.tier], o.code))}


@operation(
    "GET", "/workflow", summary="The case lifecycle as data", tag="organizations",
    response=WorkflowSchema, errors=(401,),
)  # fmt: skip
def get_workflow(user):
    """States, the initial state, and each trigger's sources, destination, roles and payload,
    from the one machine definition."""
    data = workflow.as_data()
    for item in data["states"] + data["triggers"]:
        item["label"] = str(item["label"])
    return data
