"""API: returns on rights work (docs/returns.md). The workflow's steps are routes made from
`workflow.TRIGGERS`: `POST /returns/{id}/{step}`."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from mediation.accounts.models import User
from mediation.core.api import Blueprint, authenticated
from mediation.core.fields import AwareDateTime, EnumCode
from mediation.returns import services
from mediation.returns.models import Return
from mediation.returns.periods import PeriodKind
from mediation.returns.schemas import CreateReturnSchema, DecisionSchema, SectionsSchema
from mediation.returns.workflow import EDITABLE, TRIGGER_NAMES, TRIGGERS, ReturnState

DOCUMENT = {
    "description": "the return's document: organization, period, tables (title, headers, rows "
    "with label, kinds and values: this period, year to date, same period last year, change), "
    "sections and typical cases. A version's is frozen; a draft's is computed on each request."
}


class VersionSummarySchema(Schema):
    number = fields.Integer(required=True)
    submitted_by = fields.String(attribute="submitted_by.display_name", required=True)
    submitted_at = AwareDateTime(required=True)
    decision = fields.String(allow_none=True, metadata={"enum": ["approved", "sent_back", "filed"]})
    decided_by = fields.String(attribute="decided_by.display_name", allow_none=True)
    decided_at = AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)


class VersionSchema(VersionSummarySchema):
    snapshot = fields.Dict(required=True, metadata=DOCUMENT)


class ReturnSchema(Schema):
    id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    organization = fields.String(attribute="organization.name", required=True)
    kind = EnumCode(PeriodKind, attribute="period_kind", required=True)
    year = fields.Integer(required=True)
    number = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    state = EnumCode(ReturnState, required=True)
    version = fields.Integer(required=True, metadata={"description": "send it back to change"})
    typical_case_ids = fields.List(fields.Integer(), required=True)
    typical_cases = fields.String(required=True)
    main_problems = fields.String(required=True)
    next_steps = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionSummarySchema), required=True)


class ReturnDetailSchema(ReturnSchema):
    document = fields.Dict(required=True, metadata=DOCUMENT)


class ReturnListSchema(Schema):
    items = fields.List(fields.Nested(ReturnSchema), required=True)


class ReturnQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf([s.value for s in ReturnState]))


bp = Blueprint("returns_api", __name__)


class _WithDocument:
    """A return as the answer dumps it: its own attributes and its document."""

    def __init__(self, ret: Return, document: dict) -> None:
        self._ret = ret
        self.document = document

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ret, name)


def _detail(user: User, ret: Return) -> _WithDocument:
    latest = ret.latest_version
    if ReturnState(ret.state) in EDITABLE or latest is None:
        return _WithDocument(ret, services.live_document(user, ret))
    return _WithDocument(ret, latest.snapshot)


@bp.route("/returns", methods=["GET"])
@authenticated
@bp.arguments(ReturnQuerySchema, location="query")
@bp.response(200, ReturnListSchema)
def list_returns(query: dict, user):
    """Returns of the unions in the caller's scope

    Advocates see none. Newest period first; at most 500."""
    return {"items": services.list_returns(user, state=query.get("state"))}


@bp.route("/returns", methods=["POST"])
@authenticated
@bp.arguments(CreateReturnSchema)
@bp.response(201, ReturnDetailSchema)
@bp.alt_response(403, response="FORBIDDEN")
def create_return(body: dict, user):
    """Draft a return for a period

    For the caller's own union (or `organization_id`, a town or city union whose officer the
    caller is). A period not yet begun, or one that already has a return, is 422."""
    ret = services.create_draft(user, body)
    return _detail(user, ret)


@bp.route("/returns/<id:return_id>", methods=["GET"])
@authenticated
@bp.response(200, ReturnDetailSchema)
def get_return(user, return_id: int):
    """A return with its document

    A draft's tables are computed now; a submitted return's come from its latest frozen
    version."""
    return _detail(user, services.get_visible_return(user, return_id))


@bp.route("/returns/<id:return_id>", methods=["PATCH"])
@authenticated
@bp.arguments(SectionsSchema)
@bp.response(200, ReturnDetailSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def update_return(body: dict, user, return_id: int):
    """Write a draft's sections and cited cases

    Only while it is a draft or sent back (else 409); a stale `version` is 409."""
    ret = services.update_sections(user, return_id, body)
    return _detail(user, ret)


@bp.route("/returns/<id:return_id>/versions/<id:number>", methods=["GET"])
@authenticated
@bp.response(200, VersionSchema)
def get_version(user, return_id: int, number: int):
    """A submitted version, as it was frozen"""
    return services.get_version(user, return_id, number)


def _step_view(name: str):
    rows = [t for t in TRIGGERS if t.name == name]

    def step(body: dict, user, return_id: int):
        ret = services.fire(user, return_id, name, body)
        return _detail(user, ret)

    step.__name__ = f"return_{name}"
    described = "; ".join(
        f"{t.tier.value} return: {'/'.join(s.value for s in t.sources)} → {t.dest.value}"
        f" (officers of the {'union above' if t.actor == 'above' else 'union itself'}"
        f"{', note required' if t.note == 'required' else ''})"
        for t in rows
    )
    step.__doc__ = f"{name.replace('_', ' ').capitalize()} a return\n\n{described}."
    return step


for _name in TRIGGER_NAMES:
    bp.route(f"/returns/<id:return_id>/{_name.replace('_', '-')}", methods=["POST"])(
        authenticated(
            bp.arguments(DecisionSchema)(
                bp.response(200, ReturnDetailSchema)(
                    bp.alt_response(403, response="FORBIDDEN")(
                        bp.alt_response(409, response="CONFLICT")(_step_view(_name))
                    )
                )
            )
        )
    )
