"""The case lifecycle (docs/domain.md "Case lifecycle", docs/architecture.md "The workflow as one
table"), defined once, as data.

`TRIGGERS` is the table: for each trigger its source states, destination, the roles that may fire
it, its payload schema, its guard and its effect on the case's fields. One shared `transitions`
machine is built from that table (`model=None`, no auto transitions); it is never instantiated per
case: the service hands a case to the machine's event, which reads and writes `case.state`.
Everything else (services, pages, the API, the diagram) asks this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel.speaklater import LazyString
from transitions import Machine
from transitions.core import EventData

from mediation.accounts.models import Role
from mediation.cases import agreements, schemas
from mediation.cases.agreements import Instalment
from mediation.cases.enums import (
    INITIAL_STATE,
    OPEN_STATES,
    PAYMENT_ORDER_CATEGORIES,
    CaseKind,
    Category,
    EventKind,
    Outcome,
    ReferralTarget,
    ReopenReason,
    State,
)
from mediation.core.clock import local_date
from mediation.core.i18n import lazy_gettext
from mediation.core.messages import N_, Message
from mediation.core.money import format_yuan

if TYPE_CHECKING:
    from mediation.accounts.models import User
    from mediation.cases.models import Case


HANDLERS = frozenset({Role.mediator, Role.officer, Role.admin})
SUPERVISORS = frozenset({Role.officer, Role.admin})


@dataclass
class TransitionContext:
    """What a guard and an effect see: the case, who acts, the validated payload, the time."""

    case: Case
    user: User
    data: dict[str, Any]
    now: datetime
    # Resolves a user id to a user eligible to mediate this case, or None (given by the service,
    # so this module stays free of queries).
    find_mediator: Callable[[int], User | None] = lambda _id: None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # what the effect adds to the event's record besides the changed fields
    event_data: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local_date(self.now)


Guard = Callable[[TransitionContext], dict[str, str]]
Effect = Callable[[TransitionContext], None]


@dataclass(frozen=True)
class Trigger:
    name: str
    sources: tuple[State, ...]
    dest: State
    roles: frozenset[Role]
    payload: type[schemas.TriggerPayload]
    label: LazyString
    guard: Guard | None = None
    effect: Effect | None = None
    # the kind of the timeline event it appends (a payment is no change of state)
    event_kind: EventKind = EventKind.transition
    # False: fired only by its own operation, which moves two cases at once (merge, split;
    # docs/collective.md), never from the case's action forms or `POST .../transitions`
    direct: bool = True


# --- guards: return {field: message} for each problem, empty when the trigger may proceed --------


def _guard_accept(ctx: TransitionContext) -> dict[str, str]:
    mediator_id = ctx.data.get("mediator_id")
    if mediator_id is None:
        if ctx.case.mediator_id is None:
            return {"mediator_id": N_("A mediator must be assigned before the case is accepted.")}
        return {}
    if ctx.find_mediator(mediator_id) is None:
        return {"mediator_id": N_("Not an active mediator who may handle this case.")}
    return {}


def _needs_agreed_amount(case: Case) -> bool:
    return case.kind == CaseKind.arrears or case.category == Category.remuneration


def _guard_record_agreement(ctx: TransitionContext) -> dict[str, str]:
    errors = {}
    amount = ctx.data.get("agreement_amount_fen")
    if _needs_agreed_amount(ctx.case) and amount is None:
        errors["agreement_amount"] = N_("Required for a remuneration or arrears case.")
    due = ctx.data.get("agreement_due_on")
    instalments = ctx.data.get("instalments")
    if instalments:
        errors.update(_instalment_problems(instalments, amount, ctx.today))
        if amount is None:
            errors.setdefault(
                "agreement_amount", N_("Required when the agreement pays in instalments.")
            )
        if due is not None and due != instalments[-1]["due_on"]:
            errors["agreement_due_on"] = N_(
                "With instalments, the due date is the last instalment's date: leave it blank "
                "or give that date."
            )
    elif due is not None and due < ctx.today:
        errors["agreement_due_on"] = N_("The due date must not be in the past.")
    return errors


def _instalment_problems(
    instalments: list[dict[str, Any]], agreed: int | None, today: date
) -> dict[str, str]:
    """Dates strictly increasing and none past, amounts above zero, adding up to the agreed
    amount; each problem named by the instalment's position (`instalments.1.due_on`)."""
    problems: dict[str, str] = {}
    previous: date | None = None
    for n, item in enumerate(instalments):
        if item["amount_fen"] <= 0:
            problems[f"instalments.{n}.amount"] = N_("Must be more than zero.")
        if item["due_on"] < today:
            problems[f"instalments.{n}.due_on"] = N_("The due date must not be in the past.")
        elif previous is not None and item["due_on"] <= previous:
            problems[f"instalments.{n}.due_on"] = N_(
                "Must be later than the date of the instalment before."
            )
        previous = item["due_on"]
    total = sum(item["amount_fen"] for item in instalments)
    if agreed is not None and total != agreed:
        problems["instalments"] = Message(
            "The instalments add up to %(total)s, not the agreed %(agreed)s.",
            total=format_yuan(total),
            agreed=format_yuan(agreed),
        )
    return problems


def _guard_refer(ctx: TransitionContext) -> dict[str, str]:
    """A payment order (LDMAL art. 16) needs a pay claim, a mediation agreement on it, and an
    agreed date that passed with less paid than was due by it."""
    if ctx.data.get("referral_target") != ReferralTarget.payment_order:
        return {}
    if ctx.case.category not in PAYMENT_ORDER_CATEGORIES:
        message = N_(
            "A payment order is only available for remuneration or work-injury compensation claims."
        )
    elif not agreements.schedule(ctx.case):
        message = N_(
            "A payment order needs a mediation agreement the employer did not perform; "
            "without one, refer the case to arbitration."
        )
    elif not agreements.is_in_default(ctx.case, ctx.today):
        message = N_(
            "A payment order is only available once an agreed date has passed with the "
            "amount due by it unpaid."
        )
    else:
        return {}
    return {"referral_target": message}


def _paid_total(ctx: TransitionContext) -> int:
    """What the agreement will have been paid with this trigger's payment, if any."""
    return (ctx.case.paid_amount_fen or 0) + (ctx.data.get("paid_amount_fen") or 0)


def _guard_confirm_performance(ctx: TransitionContext) -> dict[str, str]:
    """Partial payment is partial performance, not performance (docs/domain.md "The mediation
    agreement")."""
    agreed = ctx.case.agreement_amount_fen
    if agreed is None or _paid_total(ctx) >= agreed:
        return {}
    return {
        "paid_amount": Message(
            "Only %(paid)s of the agreed %(agreed)s would be paid: record this as a partial "
            "payment, or close the case as partly performed.",
            paid=format_yuan(_paid_total(ctx)),
            agreed=format_yuan(agreed),
        )
    }


def _signed_on(case: Case) -> date | None:
    return local_date(case.agreed_at) if case.agreed_at is not None else None


def _guard_record_payment(ctx: TransitionContext) -> dict[str, str]:
    errors = {}
    if ctx.data["paid_amount_fen"] <= 0:
        errors["paid_amount"] = N_("Must be more than zero.")
    paid_on = ctx.data.get("paid_on")
    signed = _signed_on(ctx.case)
    if paid_on is not None and paid_on > ctx.today:
        errors["paid_on"] = N_("Must not be in the future.")
    elif paid_on is not None and signed is not None and paid_on < signed:
        errors["paid_on"] = N_("Must not be before the agreement was made.")
    return errors


def _guard_close_partly_performed(ctx: TransitionContext) -> dict[str, str]:
    agreed = ctx.case.agreement_amount_fen
    if agreed is not None and _paid_total(ctx) >= agreed:
        return {"paid_amount": N_("The agreed amount is paid in full: confirm performance.")}
    return {}


def _guard_report_default(ctx: TransitionContext) -> dict[str, str]:
    """Non-performance exists once a due date has passed with less paid than was due by it, or
    earlier when the employer refused to pay (the day and the reason given)."""
    refused_on = ctx.data.get("refused_on")
    if refused_on is None:
        if agreements.is_in_default(ctx.case, ctx.today):
            return {}
        return {
            "refused_on": N_(
                "Nothing is overdue yet: give the day the employer refused to pay, and the "
                "reason, to report non-performance now."
            )
        }
    signed = _signed_on(ctx.case)
    if refused_on > ctx.today:
        return {"refused_on": N_("Must not be in the future.")}
    if signed is not None and refused_on < signed:
        return {"refused_on": N_("Must not be before the agreement was made.")}
    return {}


# --- effects: the fields a trigger changes besides the state ---------------------------------


def _close(ctx: TransitionContext, outcome: Outcome) -> None:
    ctx.case.outcome = outcome
    ctx.case.closed_at = ctx.now


def _effect_accept(ctx: TransitionContext) -> None:
    if ctx.data.get("mediator_id") is not None:
        ctx.case.mediator_id = ctx.data["mediator_id"]


def _effect_record_agreement(ctx: TransitionContext) -> None:
    """A new agreement starts unpaid and not in default (a reopened case may have had one)."""
    case, instalments = ctx.case, ctx.data.get("instalments")
    case.agreement_terms = ctx.data["terms"]
    case.agreement_amount_fen = ctx.data.get("agreement_amount_fen")
    if instalments:
        case.instalments = agreements.instalments_to_json(
            [Instalment(i["due_on"], i["amount_fen"]) for i in instalments]
        )
        case.agreement_due_on = instalments[-1]["due_on"]
    else:
        case.instalments = None
        case.agreement_due_on = ctx.data["agreement_due_on"]
    case.paid_amount_fen = None
    case.defaulted_at = None


def _add_payment(ctx: TransitionContext) -> None:
    amount = ctx.data.get("paid_amount_fen")
    if amount is not None:
        ctx.case.paid_amount_fen = (ctx.case.paid_amount_fen or 0) + amount


def _effect_confirm_performance(ctx: TransitionContext) -> None:
    _add_payment(ctx)
    _close(ctx, Outcome.agreement_performed)


def _effect_record_payment(ctx: TransitionContext) -> None:
    _add_payment(ctx)
    paid_on = ctx.data.get("paid_on") or ctx.today
    ctx.event_data.update(paid_on=paid_on.isoformat(), amount_fen=ctx.data["paid_amount_fen"])


def _effect_close_partly_performed(ctx: TransitionContext) -> None:
    _add_payment(ctx)
    _close(ctx, Outcome.partly_performed)


def _effect_report_default(ctx: TransitionContext) -> None:
    ctx.case.defaulted_at = ctx.now
    if ctx.data.get("refused_on") is not None:
        ctx.event_data["refused_on"] = ctx.data["refused_on"].isoformat()


def _effect_refer(ctx: TransitionContext) -> None:
    ctx.case.referral_target = ctx.data["referral_target"]
    ctx.case.referral_reference = ctx.data["referral_reference"]


def _effect_record_ruling(ctx: TransitionContext) -> None:
    ctx.case.ruling_result = ctx.data["result"]
    ctx.case.ruling_amount_fen = ctx.data["ruling_amount_fen"]
    _close(ctx, Outcome(ctx.data["result"].value))


def _effect_reopen(ctx: TransitionContext) -> None:
    """Back to `accepted`, which needs a mediator like `accept` does. The reason is recorded
    for the clocks, which restart from `reopened_at`: a new application is a new moment of
    application and a new dispute, whose mediation owes nothing to an old default; a default
    after closure, or enforcement alone, keeps the agreement and its default (docs/domain.md
    "Case lifecycle")."""
    case, reason = ctx.case, ctx.data["reopen_reason"]
    _effect_accept(ctx)
    case.outcome = None
    case.closed_at = None
    case.reopened_at = ctx.now
    case.reopen_reason = reason
    if reason == ReopenReason.new_application:
        case.application_received_at = ctx.now
        case.defaulted_at = None
    elif reason == ReopenReason.default_after_closure:
        case.defaulted_at = ctx.now


def _effect_merge(ctx: TransitionContext) -> None:
    ctx.case.merged_into_id = ctx.data["into_case_id"]
    _close(ctx, Outcome.merged)


def _effect_split(ctx: TransitionContext) -> None:
    """Undo a merge: the report comes back as it came in, to be accepted afresh (its mediator,
    if it had one, stays)."""
    ctx.case.merged_into_id = None
    ctx.case.outcome = None
    ctx.case.closed_at = None


def _guard_split(ctx: TransitionContext) -> dict[str, str]:
    if ctx.case.outcome != Outcome.merged:
        return {"case_id": N_("Only a merged case can be split off.")}
    return {}


S = State
TRIGGERS: tuple[Trigger, ...] = (
    Trigger("accept", (S.reported,), S.accepted, HANDLERS, schemas.AcceptPayload, lazy_gettext("Accept"),
            _guard_accept, _effect_accept),
    Trigger("reject", (S.reported,), S.closed, HANDLERS, schemas.ReasonPayload, lazy_gettext("Reject"),
            effect=lambda ctx: _close(ctx, Outcome.not_accepted)),
    Trigger("begin_mediation", (S.accepted,), S.mediating, HANDLERS, schemas.EmptyPayload,
            lazy_gettext("Begin mediation")),
    Trigger("record_agreement", (S.mediating,), S.agreement, HANDLERS,
            schemas.RecordAgreementPayload, lazy_gettext("Record the mediation agreement"), _guard_record_agreement,
            _effect_record_agreement),
    Trigger("confirm_performance", (S.agreement,), S.closed, HANDLERS,
            schemas.ConfirmPerformancePayload, lazy_gettext("Confirm performance"),
            _guard_confirm_performance, _effect_confirm_performance),
    Trigger("record_payment", (S.agreement,), S.agreement, HANDLERS, schemas.RecordPaymentPayload,
            lazy_gettext("Record a partial payment"), _guard_record_payment,
            _effect_record_payment, event_kind=EventKind.payment),
    Trigger("close_partly_performed", (S.agreement,), S.closed, HANDLERS,
            schemas.ClosePartlyPerformedPayload, lazy_gettext("Close as partly performed"),
            _guard_close_partly_performed, _effect_close_partly_performed),
    Trigger("report_default", (S.agreement,), S.failed, HANDLERS, schemas.ReportDefaultPayload,
            lazy_gettext("Report non-performance"), _guard_report_default, _effect_report_default),
    Trigger("fail_mediation", (S.accepted, S.mediating), S.failed, HANDLERS,
            schemas.ReasonPayload, lazy_gettext("Mediation failed")),
    Trigger("refer", (S.failed,), S.referred, HANDLERS, schemas.ReferPayload, lazy_gettext("Refer"),
            _guard_refer, _effect_refer),
    Trigger("record_ruling", (S.referred,), S.closed, HANDLERS, schemas.RecordRulingPayload,
            lazy_gettext("Record the ruling"), effect=_effect_record_ruling),
    Trigger("withdraw", OPEN_STATES, S.closed, HANDLERS, schemas.ReasonPayload, lazy_gettext("Withdraw"),
            effect=lambda ctx: _close(ctx, Outcome.withdrawn)),
    Trigger("reopen", (S.closed,), S.accepted, SUPERVISORS, schemas.ReopenPayload, lazy_gettext("Reopen"),
            _guard_accept, _effect_reopen),
    Trigger("merge", OPEN_STATES, S.closed, HANDLERS, schemas.MergePayload,
            lazy_gettext("Merge"), effect=_effect_merge, direct=False),
    Trigger("split", (S.closed,), S.reported, HANDLERS, schemas.SplitPayload,
            lazy_gettext("Split"), _guard_split, _effect_split,
            direct=False),
)  # fmt: skip
TRIGGERS_BY_NAME: dict[str, Trigger] = {t.name: t for t in TRIGGERS}


def _check_guard(event: EventData) -> bool:
    ctx: TransitionContext = event.kwargs["ctx"]
    trigger = TRIGGERS_BY_NAME[event.event.name]
    problems = trigger.guard(ctx) if trigger.guard else {}
    for name, message in problems.items():
        ctx.errors.setdefault(name, []).append(message)
    return not problems


def _apply_effect(event: EventData) -> None:
    ctx: TransitionContext = event.kwargs["ctx"]
    trigger = TRIGGERS_BY_NAME[event.event.name]
    if trigger.effect:
        trigger.effect(ctx)


MACHINE = Machine(
    model=None,
    states=[s.value for s in State],
    initial=INITIAL_STATE.value,
    transitions=[
        {
            "trigger": t.name,
            "source": [s.value for s in t.sources],
            "dest": t.dest.value,
            "conditions": [_check_guard],
            "after": [_apply_effect],
        }
        for t in TRIGGERS
    ],
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
    ignore_invalid_triggers=False,
)


class UnknownTrigger(KeyError):
    pass


def get_trigger(name: str) -> Trigger:
    try:
        return TRIGGERS_BY_NAME[name]
    except (KeyError, TypeError):
        raise UnknownTrigger(name) from None


def triggers_from(state: State | str) -> list[Trigger]:
    """Triggers the machine accepts from `state`, in table order."""
    names = set(MACHINE.get_triggers(str(state)))
    return [t for t in TRIGGERS if t.name in names]


def is_allowed_from(trigger: Trigger, state: State | str) -> bool:
    return str(state) in {s.value for s in trigger.sources}


def allowed_triggers(case: Case, user: User) -> list[Trigger]:
    """The triggers `user` may fire on `case` now from its forms (merge and split have their
    own). The caller has already checked scope."""
    return [t for t in triggers_from(case.state) if t.direct and user.role in t.roles]


def role_moves_cases(role: Role) -> bool:
    """Whether the role fires any trigger from the case page at all (an advocate does not:
    the page shows such a role no actions section rather than an empty one)."""
    return any(t.direct and role in t.roles for t in TRIGGERS)


def fire(trigger: Trigger, ctx: TransitionContext) -> bool:
    """Run the machine's event on the case; False when a guard refused (see `ctx.errors`)."""
    return MACHINE.events[trigger.name].trigger(ctx.case, ctx=ctx)


def as_data() -> dict[str, Any]:
    """The machine as plain data, for the API and the diagram (labels in the request's language)."""
    return {
        "states": [{"code": s.value, "label": str(s.label), "open": s.is_open} for s in State],
        "initial": INITIAL_STATE.value,
        "triggers": [
            {
                "name": t.name,
                "label": str(t.label),
                "from": [s.value for s in t.sources],
                "to": t.dest.value,
                "roles": sorted(r.value for r in t.roles),
                "payload": sorted(t.payload().fields),
                "direct": t.direct,
            }
            for t in TRIGGERS
        ],
    }
