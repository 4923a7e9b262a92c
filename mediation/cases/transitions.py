"""Moving a case through its lifecycle: one trigger of `workflow.TRIGGERS` at a time, with its
checks in a fixed order and its effect on the case's fields."""

from __future__ import annotations

from datetime import datetime

from mediation.accounts.models import User
from mediation.cases import workflow
from mediation.cases.access import (
    announce_change,
    check_version,
    load_payload,
    lock_case,
    require_role,
)
from mediation.cases.facts import EDITABLE_FIELDS
from mediation.cases.models import (
    Case,
)
from mediation.cases.supervision import eligible_mediators
from mediation.cases.timeline import append_event, diff, snapshot
from mediation.cases.workflow import TransitionContext
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, ValidationFailed
from mediation.core.messages import Message

# Fields whose changes a transition records, old -> new.
TRACKED_FIELDS = EDITABLE_FIELDS + (
    "mediator_id", "agreement_terms", "agreement_amount_fen", "agreement_due_on", "instalments",
    "paid_amount_fen", "defaulted_at", "referral_target", "referral_reference", "ruling_result",
    "ruling_amount_fen", "outcome", "closed_at", "handling_org_id", "reopened_at",
    "reopen_reason", "application_received_at", "merged_into_id",
)  # fmt: skip


def ends_mediation(trigger: str, from_state: str) -> bool:
    """Whether firing `trigger` from `from_state` concludes a mediation without an agreement:
    it failed, or the application was withdrawn while accepted or being mediated (the
    success rate's denominator with the agreements reached, docs/statistics.md)."""
    return trigger == "fail_mediation" or (
        trigger == "withdraw" and from_state in ("accepted", "mediating")
    )


def fire_trigger(
    case_id: int,
    trigger_name: str,
    user: User,
    payload: dict | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Perform a lifecycle trigger for a user, in one transaction.

    Order of checks (docs/architecture.md "The API"): scope (404) → role (403) → stale version or not allowed
    from the current state (409) → payload and guard (422) → change, event, hooks, commit.
    """
    now = ensure_utc(now or utcnow())
    with transaction():
        case = lock_case(user, case_id)
        try:
            trigger = workflow.get_trigger(trigger_name)
        except workflow.UnknownTrigger:
            raise ValidationFailed(
                {"trigger": [Message("Unknown trigger %(name)s.", name=repr(trigger_name))]}
            ) from None
        if not trigger.direct:  # merge and split move two cases: their own operations
            raise ValidationFailed(
                {"trigger": [Message("%(name)s has its own operation.", name=trigger.name)]}
            )
        require_role(user, trigger.roles, f"perform {trigger.name}")
        check_version(case, expected_version)
        if not workflow.is_allowed_from(trigger, case.state):
            raise Conflict(
                Message(
                    "%(trigger)s is not allowed while the case is %(state)s.",
                    trigger=trigger.name,
                    state=str(case.state),
                ),
                current_state=str(case.state),
                current_version=case.version,
            )
        data = load_payload(trigger.payload, payload)
        mediators = (
            {m.id: m for m in eligible_mediators(case)}
            if "mediator_id" in trigger.payload().fields
            else {}
        )
        ctx = TransitionContext(
            case=case, user=user, data=data, now=now, find_mediator=mediators.get
        )
        from_state = str(case.state)
        before = snapshot(case, TRACKED_FIELDS)
        if not workflow.fire(trigger, ctx):
            raise ValidationFailed(ctx.errors or {"trigger": ["The trigger's guard refused."]})
        case.updated_at = now
        if str(case.state) != from_state:  # (a payment leaves the agreement where it was)
            case.state_changed_at = now
        if trigger.name == "accept" and case.accepted_at is None:
            case.accepted_at = now
        if trigger.name == "record_agreement" and case.agreed_at is None:
            case.agreed_at = now
        if case.mediation_ended_at is None and ends_mediation(trigger.name, from_state):
            case.mediation_ended_at = now
        body = data.get("reason") or data.get("note") or data.get("terms")
        event_data = diff(before, snapshot(case, TRACKED_FIELDS)) | ctx.event_data
        if data.get("reason") and data.get("note"):
            event_data["note"] = data["note"]
        append_event(
            case, trigger.event_kind, user, now,
            from_state=from_state, to_state=str(case.state), trigger=trigger.name,
            body=body, data=event_data,
        )  # fmt: skip
        announce_change(case, trigger.event_kind, now)
    return case
