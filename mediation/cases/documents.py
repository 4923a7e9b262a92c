"""Printable documents drawn from a case: the mediation agreement (调解协议书, LDMAL art. 14 and
docs/domain.md "The mediation agreement"); the notice to the parties that mediation failed or
ended, or that the agreement was not performed, and that they may apply for arbitration
themselves (调解不成/终止调解告知书, arts. 14-16, 27-28; docs/domain.md "The end of mediation");
and the referral letter (移送函) that hands a case to another body: to the arbitration
commission only as a transfer under a local mediation-arbitration linkage
(`MEDIATION_ARBITRATION_LINKAGE`), with the party's own application enclosed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.cases.agreements import instalments_from_json
from mediation.cases.enums import (
    PAYMENT_ORDER_CATEGORIES,
    CaseKind,
    Category,
    ReferralTarget,
    State,
)
from mediation.cases.models import Case, CaseEvent
from mediation.core.clock import local_date
from mediation.core.errors import NotFound, PermissionDenied
from mediation.core.i18n import _
from mediation.core.money import amount_in_capitals
from mediation.extensions import db

DOCUMENT_ROLES = frozenset({Role.mediator, Role.officer, Role.admin})
# states in which a case that once had an agreement still has it on file (a defaulted agreement
# goes with the referral, so it stays printable there too)
AGREEMENT_STATES = frozenset({State.agreement, State.failed, State.referred, State.closed})
REFERRAL_STATES = frozenset({State.referred, State.closed})
# states in which the mediation may have come to an end that the parties must be told of
ENDED_STATES = frozenset({State.failed, State.referred, State.closed})
# a withdrawal ends a mediation only from these (before them there was none; after them it had
# already failed or succeeded)
IN_MEDIATION = frozenset({State.accepted.value, State.mediating.value})

# how a mediation ended, by the trigger that recorded it
FAILED, ENDED, DEFAULTED = "failed", "ended", "defaulted"
ENDINGS = {"fail_mediation": FAILED, "withdraw": ENDED, "report_default": DEFAULTED}


@dataclass(frozen=True)
class Amount:
    fen: int | None

    @property
    def capitals(self) -> str | None:
        return None if self.fen is None else amount_in_capitals(self.fen)


@dataclass(frozen=True)
class WorkerAmount:
    """One worker of a collective agreement: what they were owed, their share of the agreed
    amount, what they were paid, and what is still due to them (a payment order is filed per
    creditor: docs/collective.md "Documents")."""

    name: str
    id_number: str | None
    position: str | None
    representative: bool
    owed: Amount
    agreed: Amount
    paid: Amount
    outstanding: Amount


def allocate(total: int, weights: list[int]) -> list[int]:
    """`total` fen shared in proportion to `weights` (equal shares when all are zero), the
    remainder going a fen at a time to the largest fractions, so that the shares add up."""
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def worker_amounts(case: Case) -> list[WorkerAmount]:
    """The roster's per-worker amounts under the agreement (empty without a roster). The
    agreed amount is shared in proportion to what each was owed and not yet paid."""
    workers = list(case.workers)
    if not workers:
        return []
    owed = [max((w.amount_owed_fen or 0) - (w.amount_paid_fen or 0), 0) for w in workers]
    agreed = (
        allocate(case.agreement_amount_fen, owed)
        if case.agreement_amount_fen is not None
        else [None] * len(workers)
    )
    paid_total = case.paid_amount_fen or 0
    paid = allocate(paid_total, [a or 0 for a in agreed]) if paid_total else [0] * len(workers)
    return [
        WorkerAmount(
            name=w.name,
            id_number=w.id_number,
            position=w.position,
            representative=w.representative,
            owed=Amount(w.amount_owed_fen),
            agreed=Amount(share),
            paid=Amount(p),
            outstanding=Amount(None if share is None else max(share - p, 0)),
        )
        for w, share, p in zip(workers, agreed, paid, strict=True)
    ]


def check_role(user: User) -> None:
    if user.role not in DOCUMENT_ROLES:
        raise PermissionDenied(_("Your role may not print case documents."))


def _last_event(case: Case, trigger: str) -> CaseEvent | None:
    return db.session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.trigger == trigger)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    )


def _event_date(event: CaseEvent | None) -> date | None:
    return None if event is None else local_date(event.at)


def has_agreement(case: Case) -> bool:
    return State(case.state) in AGREEMENT_STATES and bool(case.agreement_terms)


def has_referral(case: Case, linkage: bool) -> bool:
    """A referral letter exists for a referred case, except to the arbitration commission
    without a linkage: arbitration starts only with the party's own written application
    (LDMAL art. 28), so the union has nothing to transfer; the parties have the notice."""
    if State(case.state) not in REFERRAL_STATES or case.referral_target is None:
        return False
    return case.referral_target != ReferralTarget.arbitration or linkage


def mediation_ending(case: Case) -> CaseEvent | None:
    """The event by which the case's last mediation ended without an agreement performed
    (`fail_mediation`, `report_default`, or a `withdraw` while accepted or mediating), or None
    (not ended so, or reopened since)."""
    if State(case.state) not in ENDED_STATES:
        return None
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.trigger.in_([*ENDINGS, "reopen"]))
        .order_by(CaseEvent.seq.desc())
    )
    for event in events:
        if event.trigger == "reopen":
            return None
        if event.trigger != "withdraw" or event.from_state in IN_MEDIATION:
            return event
    return None


def notice_kind(case: Case) -> str | None:
    """`failed`, `ended` or `defaulted`: the notice the parties are owed, or None."""
    event = mediation_ending(case)
    return None if event is None or event.trigger is None else ENDINGS[event.trigger]


def agreement_document(case: Case) -> dict:
    """What the agreement shows; NotFound (nothing to print) when the case has no agreement."""
    if not has_agreement(case):
        raise NotFound(_("This case has no mediation agreement to print."))
    event = _last_event(case, "record_agreement")
    return {
        "case": case,
        "enterprise": case.enterprise,
        "claim": Amount(case.claim_amount_fen),
        "agreed": Amount(case.agreement_amount_fen),
        "instalments": [
            (i.due_on, Amount(i.amount_fen)) for i in instalments_from_json(case.instalments)
        ],
        "signed_on": _event_date(event),
        "mediator": case.mediator,
        "payment_order": case.category in PAYMENT_ORDER_CATEGORIES,
        # a collective dispute: its elected representatives sign, each worker's share is listed
        "workers": worker_amounts(case),
        "representatives": [w for w in case.workers if w.representative],
    }


def notice_document(case: Case) -> dict:
    """What the notice to the parties shows; NotFound (nothing to print) when mediation has not ended so."""
    event = mediation_ending(case)
    if event is None or event.trigger is None:
        raise NotFound(_("Mediation of this case has not failed or ended."))
    kind = ENDINGS[event.trigger]
    remuneration = case.kind == CaseKind.arrears or case.category == Category.remuneration
    return {
        "case": case,
        "enterprise": case.enterprise,
        "kind": kind,
        "reason": event.body,
        "ended_on": _event_date(event),
        "received_on": local_date(case.application_received_at or case.received_at),
        "signed_on": _event_date(_last_event(case, "record_agreement"))
        if kind == DEFAULTED
        else None,
        "agreed": Amount(case.agreement_amount_fen),
        "paid": Amount(case.paid_amount_fen or 0),
        # remuneration runs no limitation while employment lasts (LDMAL art. 27(4))
        "remuneration": remuneration,
        "payment_order": kind == DEFAULTED and case.category in PAYMENT_ORDER_CATEGORIES,
        "mediator": case.mediator,
    }


def referral_document(case: Case, linkage: bool) -> dict:
    """What the referral letter shows; NotFound (nothing to print) when the case has no referral letter."""
    if not has_referral(case, linkage):
        if case.referral_target == ReferralTarget.arbitration:
            raise NotFound(
                _(
                    "Arbitration starts with the party's own written application: print the "
                    "notice for the parties instead (a transfer letter needs a "
                    "mediation-arbitration linkage)."
                )
            )
        raise NotFound(_("This case has not been referred."))
    referral = _last_event(case, "refer")
    failure = None
    for trigger in ("report_default", "fail_mediation"):
        event = _last_event(case, trigger)
        if event is not None and (failure is None or event.seq > failure.seq):
            failure = event
    return {
        "case": case,
        "enterprise": case.enterprise,
        "claim": Amount(case.claim_amount_fen),
        "agreed": Amount(case.agreement_amount_fen),
        "paid": Amount(case.paid_amount_fen),
        "referred_on": _event_date(referral),
        "defaulted": failure is not None and failure.trigger == "report_default",
        "failure_reason": failure.body if failure is not None else None,
        "mediator": case.mediator,
        # a transfer to the arbitration commission under a mediation-arbitration linkage
        "linkage_transfer": case.referral_target == ReferralTarget.arbitration,
        # a payment order is applied for per creditor: each worker's outstanding amount
        "workers": worker_amounts(case),
        "representatives": [w for w in case.workers if w.representative],
        "per_creditor": case.referral_target == ReferralTarget.payment_order,
    }
