"""Printable documents drawn from a case: the mediation agreement (调解协议书, LDMAL art. 14 and
docs/domain.md "The mediation agreement") and the referral letter (移送函) that hands a failed case to another body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.cases.agreements import instalments_from_json
from mediation.cases.enums import PAYMENT_ORDER_CATEGORIES, State
from mediation.cases.models import Case, CaseEvent
from mediation.core.clock import local_date
from mediation.core.errors import Conflict, PermissionDenied
from mediation.core.i18n import _
from mediation.core.money import amount_in_capitals
from mediation.extensions import db

DOCUMENT_ROLES = frozenset({Role.mediator, Role.officer, Role.admin})
# states in which a case that once had an agreement still has it on file (a defaulted agreement
# goes with the referral, so it stays printable there too)
AGREEMENT_STATES = frozenset({State.agreement, State.failed, State.referred, State.closed})
REFERRAL_STATES = frozenset({State.referred, State.closed})


@dataclass(frozen=True)
class Amount:
    fen: int | None

    @property
    def capitals(self) -> str | None:
        return None if self.fen is None else amount_in_capitals(self.fen)


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


def has_referral(case: Case) -> bool:
    return State(case.state) in REFERRAL_STATES and case.referral_target is not None


def agreement_document(case: Case) -> dict:
    """What the agreement shows; Conflict when the case has no agreement."""
    if not has_agreement(case):
        raise Conflict(_("This case has no mediation agreement to print."))
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
    }


def referral_document(case: Case) -> dict:
    """What the referral letter shows; Conflict when the case has not been referred."""
    if not has_referral(case):
        raise Conflict(_("This case has not been referred."))
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
    }
