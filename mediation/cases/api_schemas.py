"""What the API answers about a case: its summary in a list (written by hand from rows, equal to
the documented schema), the whole case, its events and evidence, with ID numbers masked for
advocates; and the query of the case list and the body of each transition."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Row

from mediation.accounts.models import Role
from mediation.cases import arrears, queries, workflow
from mediation.cases.clocks import Clock, ClockName, ClockState
from mediation.cases.enums import (
    ArbitrationDecision,
    CaseKind,
    Category,
    Channel,
    EmploymentStatus,
    EventKind,
    Outcome,
    ReferralTarget,
    ReopenReason,
    RulingResult,
    State,
    WarningLevel,
)
from mediation.cases.models import CaseEvent
from mediation.core.api import (
    PagingQuery,
    request_user,
)
from mediation.core.clock import local_date, utcnow
from mediation.core.fields import EnumCode, Money, code_of
from mediation.core.identifiers import mask_id_number
from mediation.core.money import fen_to_yuan
from mediation.core.schemas import MAX_ID
from mediation.orgs.models import Tier

MASKED_FOR_ADVOCATES = ("worker_id_number",)

# the summary's columns, read by position from the list's rows
_SUMMARY_CELLS = queries.list_row_cells(
    "id", "number", "kind", "category", "state", "version", "title", "enterprise_id",
    "enterprise_name", "workers_involved", "claim_amount_fen", "received_at", "handling_org_id",
    "handling_org_name", "mediator_id", "tier", "warning_level", "updated_at",
)  # fmt: skip


def _masks_ids() -> bool:
    user = request_user.get()
    return user is not None and user.role == Role.advocate


@functools.cache
def _triggers_for(state: str, role: str) -> tuple[str, ...]:
    """What the machine allows a role from a state (cached: the machine is fixed)."""
    return tuple(t.name for t in workflow.triggers_from(state) if t.direct and role in t.roles)


class CaseSummarySchema(Schema):
    """An item of the case list: what a list shows, read from plain rows (no ORM objects);
    `GET /cases/{id}` answers the whole case."""

    id = fields.Integer(required=True)
    number = fields.String(required=True)
    kind = EnumCode(CaseKind, required=True)
    category = EnumCode(Category, required=True)
    state = EnumCode(State, required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    enterprise_id = fields.Integer(required=True)
    enterprise_name: fields.Field = fields.String(required=True)  # (a function in CaseSchema)
    workers_involved = fields.Integer(required=True)
    claim_amount = Money(attribute="claim_amount_fen", allow_none=True)
    received_at = fields.AwareDateTime(required=True)
    handling_org_id = fields.Integer(required=True)
    handling_org_name: fields.Field = fields.String(required=True)  # (likewise)
    mediator_id = fields.Integer(allow_none=True)
    tier = EnumCode(Tier, required=True)
    warning_level = EnumCode(WarningLevel, allow_none=True)
    updated_at = fields.AwareDateTime(required=True)
    allowed_triggers = fields.Function(
        lambda row: (  # the triggers the caller's role may fire from the case's state
            list(_triggers_for(str(row.state), str(request_user.get().role)))
            if request_user.get() is not None and not getattr(row, "read_only_for_caller", False)
            else []
        ),
        required=True,
        metadata={"type": "array", "items": {"type": "string"}},
    )


class CaseSchema(CaseSummarySchema):
    """The whole case: the summary's fields (read here from the ORM object) and every fact,
    party and outcome."""

    enterprise_name = fields.Function(
        lambda c: c.enterprise.name, required=True, metadata={"type": "string"}
    )
    handling_org_name = fields.Function(
        lambda c: c.handling_org.name, required=True, metadata={"type": "string"}
    )
    project_id = fields.Integer(
        allow_none=True,
        metadata={"description": "the construction project (docs/enterprise-file.md)"},
    )
    read_only = fields.Function(
        lambda c: bool(getattr(c, "read_only_for_caller", False)),
        required=True,
        metadata={
            "type": "boolean",
            "description": "the case was taken over from the caller's union by a higher one: "
            "the caller may read it, every change answers 403 (docs/security.md)",
        },
    )
    worker_name = fields.String(allow_none=True)
    worker_phone = fields.String(allow_none=True)
    worker_id_number = fields.Function(
        lambda c: mask_id_number(c.worker_id_number) if _masks_ids() else c.worker_id_number,
        allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "masked for advocates"},
    )
    is_migrant = fields.Boolean(required=True)
    is_construction = fields.Boolean(required=True)
    description = fields.String(allow_none=True)
    arrears_months = fields.Integer(allow_none=True)
    wages_unpaid_since = fields.Date(allow_none=True)
    months_owed = fields.Function(
        lambda c: (
            None
            if c.wages_unpaid_since is None
            else arrears.months_owed(c.wages_unpaid_since, local_date(utcnow()))
        ),
        allow_none=True,
        metadata={
            "type": "integer",
            "nullable": True,
            "description": "months of wages owed today, counted from `wages_unpaid_since`",
        },
    )
    wage_delay_until = fields.Date(
        allow_none=True,
        metadata={"description": "the last day of a delay of wages agreed with the union"},
    )
    channel = EnumCode(Channel, required=True)
    reported_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "the report (线索); received_at is its older name"},
    )
    application_received_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "the mediation body received an application (LDMAL art. 12)"},
    )
    infringement_known_at = fields.Date(allow_none=True)
    employment_status = EnumCode(EmploymentStatus, required=True)
    employment_ended_at = fields.Date(allow_none=True)
    owner_absconded = fields.Boolean(required=True)
    incident_in_progress = fields.Boolean(required=True)
    advocate_ids = fields.Function(
        lambda c: [a.id for a in c.advocates],
        required=True,
        metadata={"type": "array", "items": {"type": "integer"}},
    )
    agreement_terms = fields.String(allow_none=True)
    agreement_amount = Money(attribute="agreement_amount_fen", allow_none=True)
    agreement_due_on = fields.Date(allow_none=True)
    instalments = fields.Function(
        lambda c: (
            None
            if c.instalments is None
            else [
                {"due_on": i["due_on"], "amount": fen_to_yuan(i["amount_fen"])}
                for i in c.instalments
            ]
        ),
        allow_none=True,
        metadata={
            "type": "array",
            "nullable": True,
            "items": {
                "type": "object",
                "properties": {
                    "due_on": {"type": "string", "format": "date"},
                    "amount": {"type": "string"},
                },
            },
            "description": "the agreement's payment schedule (null: one payment by the due date)",
        },
    )
    paid_amount = Money(attribute="paid_amount_fen", allow_none=True)
    defaulted_at = fields.AwareDateTime(allow_none=True)
    arbitration_applied_on = fields.Date(allow_none=True)
    arbitration_decision = EnumCode(ArbitrationDecision, allow_none=True)
    arbitration_decided_on = fields.Date(allow_none=True)
    award_on = fields.Date(allow_none=True)
    award_final = fields.Boolean(allow_none=True)
    referral_target = EnumCode(ReferralTarget, allow_none=True)
    referral_reference = fields.String(allow_none=True)
    ruling_result = EnumCode(RulingResult, allow_none=True)
    ruling_amount = Money(attribute="ruling_amount_fen", allow_none=True)
    outcome = EnumCode(Outcome, allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    reopened_at = fields.AwareDateTime(allow_none=True)
    reopen_reason = EnumCode(ReopenReason, allow_none=True)
    merged_into_id = fields.Integer(
        allow_none=True, metadata={"description": "the case this one was merged into"}
    )
    created_at = fields.AwareDateTime(required=True)


def case_summary(row: Row[Any], role: str | None) -> dict:
    """`CaseSummarySchema().dump(row)` for a row of `queries.LIST_COLUMNS`, written out by
    hand: the list endpoint's hot path (50 rows a request) at a tenth of marshmallow's cost. A
    test holds the two equal."""
    (
        case_id, number, kind, category, state, version, title, enterprise_id, enterprise_name,
        workers_involved, claim_amount_fen, received_at, handling_org_id, handling_org_name,
        mediator_id, tier, warning_level, updated_at,
    ) = _SUMMARY_CELLS(row)  # fmt: skip
    return {
        "id": case_id,
        "number": number,
        "kind": code_of(kind),
        "category": code_of(category),
        "state": code_of(state),
        "version": version,
        "title": title,
        "enterprise_id": enterprise_id,
        "enterprise_name": enterprise_name,
        "workers_involved": workers_involved,
        "claim_amount": fen_to_yuan(claim_amount_fen),
        "received_at": None if received_at is None else received_at.isoformat(),
        "handling_org_id": handling_org_id,
        "handling_org_name": handling_org_name,
        "mediator_id": mediator_id,
        "tier": code_of(tier),
        "warning_level": code_of(warning_level),
        "updated_at": None if updated_at is None else updated_at.isoformat(),
        "allowed_triggers": list(_triggers_for(state, role)) if role else [],
    }


class EventSchema(Schema):
    id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    kind = EnumCode(EventKind, required=True)
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.Function(
        lambda e: e.actor.display_name if e.actor else None,
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    trigger = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    data = fields.Function(
        lambda e: _masked_event_data(e.data),
        allow_none=True,
        metadata={"type": "object", "nullable": True, "additionalProperties": True},
    )
    hash = fields.String(required=True)


def _masked_event_data(data: dict | None) -> dict | None:
    if not data or not _masks_ids():
        return data
    masked = dict(data)
    for key in MASKED_FOR_ADVOCATES:
        if key in masked and isinstance(masked[key], list):
            masked[key] = [mask_id_number(v) if isinstance(v, str) else v for v in masked[key]]
    return masked


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by_id = fields.Integer(allow_none=True)
    uploaded_at = fields.AwareDateTime(required=True)


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema), required=True)


class EventListSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)


class CaseListQuery(PagingQuery, queries.CaseFilterSchema):
    pass


def _transition_schema(trigger: workflow.Trigger) -> type[Schema]:
    """`{trigger, version, …payload}` for one trigger: one schema per trigger in the document."""
    name = "".join(part.title() for part in trigger.name.split("_")) + "TransitionSchema"
    return type(
        name,
        (trigger.payload,),
        {
            "trigger": fields.String(required=True, validate=validate.OneOf([trigger.name])),
            "version": fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_ID)),
        },
    )


TRANSITION_SCHEMAS = [_transition_schema(t) for t in workflow.TRIGGERS if t.direct]


# --- clocks (cases/clocks.py) ------------------------------------------------------------------


class ClockEventOutSchema(Schema):
    seq = fields.Integer(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    at = fields.Date(allow_none=True)
    reason = fields.String(allow_none=True)
    new_last_day = fields.Date(allow_none=True)
    resume_on = fields.Date(allow_none=True)
    consent = fields.Dict(allow_none=True)
    evidence = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True)


class ClockSchema(Schema):
    """One clock of a case (design.md §8a): its state and its legal last day."""

    clock = fields.String(required=True, metadata={"enum": [c.value for c in ClockName]})
    label = fields.String(required=True)
    statutory = fields.Boolean(required=True)
    basis = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": [s.value for s in ClockState]})
    started_at = fields.Date(allow_none=True, metadata={"description": "the day it starts from"})
    last_day = fields.Date(
        allow_none=True,
        metadata={"description": "the legal last day (Civil Code counting, rest days moved)"},
    )
    provisional = fields.Boolean(
        required=True,
        metadata={"description": "counted with a year that has no official holiday schedule"},
    )
    original_last_day = fields.Date(allow_none=True)
    extended_to = fields.Date(allow_none=True)
    paused_since = fields.Date(allow_none=True)
    resume_on = fields.Date(allow_none=True)
    other_last_day = fields.Date(
        allow_none=True, metadata={"description": "a final award: the employer's 30 days"}
    )
    # (`unknown` is a marshmallow schema's own setting: the field is named apart, shown so)
    is_unknown = fields.Boolean(
        required=True,
        data_key="unknown",
        metadata={"description": "the start is not known yet: the note says what to record"},
    )
    note = fields.String(allow_none=True)
    allowed_events = fields.List(fields.String(), required=True)
    events = fields.List(fields.Nested(ClockEventOutSchema), required=True)


class ClockListSchema(Schema):
    items = fields.List(fields.Nested(ClockSchema), required=True)


def _iso_day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def clock_item(clock: Clock, events: list[CaseEvent]) -> dict[str, Any]:
    """A clock as the API shows it, with the clock events recorded on it."""
    return {
        "clock": clock.name.value,
        "label": str(clock.name.label),
        "statutory": clock.rule.statutory,
        "basis": str(clock.rule.basis),
        "state": clock.state.value,
        "started_at": clock.started_on,
        "last_day": clock.last_day,
        "provisional": clock.provisional,
        "original_last_day": clock.original_last_day,
        "extended_to": clock.extended_to,
        "paused_since": clock.paused_since,
        "resume_on": clock.resume_on,
        "other_last_day": clock.other_last_day,
        "is_unknown": clock.unknown,
        "note": None if clock.note is None else str(clock.note),
        "allowed_events": [k.value for k in clock.allowed_events()],
        "events": [
            {
                "seq": e.seq,
                "recorded_at": e.at,
                "kind": (e.data or {}).get("kind"),
                "at": _iso_day((e.data or {}).get("at")),
                "reason": e.body,
                "new_last_day": _iso_day((e.data or {}).get("new_last_day")),
                "resume_on": _iso_day((e.data or {}).get("resume_on")),
                "consent": (e.data or {}).get("consent"),
                "evidence": (e.data or {}).get("evidence"),
                "actor_name": e.actor.display_name if e.actor else None,
            }
            for e in events
            if e.kind == EventKind.clock and (e.data or {}).get("clock") == clock.name.value
        ],
    }


# --- roster, duplicates, merge (docs/collective.md) --------------------------------------------


class WorkerSchema(Schema):
    """One worker of a case's roster; the ID number masked for advocates."""

    name = fields.String(required=True)
    id_number = fields.Function(
        lambda w: mask_id_number(w.id_number) if _masks_ids() else w.id_number,
        allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "masked for advocates"},
    )
    phone = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    first_unpaid_on = fields.Date(allow_none=True)
    months_owed = fields.Integer(allow_none=True)
    amount_owed = Money(attribute="amount_owed_fen", allow_none=True)
    amount_paid = Money(attribute="amount_paid_fen", allow_none=True)
    representative = fields.Boolean(required=True)
    merged_from_case_id = fields.Integer(
        allow_none=True, metadata={"description": "the case a merge brought the worker from"}
    )


class RosterResponseSchema(Schema):
    items = fields.List(fields.Nested(WorkerSchema), required=True)
    version = fields.Integer(required=True)
    workers_involved = fields.Integer(required=True)
    claim_amount = Money(allow_none=True)
    representatives_missing = fields.Boolean(
        required=True,
        metadata={"description": "a collective roster without its 3-5 elected representatives"},
    )


class DuplicateSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    score = fields.Integer(required=True, metadata={"description": "0-100, higher more likely"})
    reasons = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "same_id_number, same_employer, overlapping_category, same_phone"},
    )
    title = fields.Function(lambda d: d.case.title, metadata={"type": "string"})
    state = fields.Function(lambda d: code_of(d.case.state), metadata={"type": "string"})
    workers_involved = fields.Function(
        lambda d: d.case.workers_involved, metadata={"type": "integer"}
    )
    received_at = fields.Function(
        lambda d: d.case.received_at.isoformat(), metadata={"type": "string"}
    )


class DuplicateListSchema(Schema):
    items = fields.List(fields.Nested(DuplicateSchema), required=True)
