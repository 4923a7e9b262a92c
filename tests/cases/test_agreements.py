"""Mediation agreements after they are signed (docs/domain.md "The mediation agreement",
"Non-performance and the payment order"): instalments, payments, performance, default and the
payment order (LDMAL arts. 14-16).

The dates are China-time days around T0 (Monday 2 March 2026); every service call is given its
moment, so "today" is the day of that moment.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.cases.enums import EventKind, Outcome, ReferralTarget, State
from mediation.cases.models import Case, CaseEvent
from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from tests.helpers import DAY, T0, reload

SIGNED = T0 + 3 * DAY  # Thursday 5 March 2026: the agreement is recorded
DUE = date(2026, 3, 20)  # the agreement's due date (a Friday)
AFTER_DUE = T0 + 19 * DAY  # Saturday 21 March: the due date has passed
BEFORE_DUE = T0 + 10 * DAY  # Thursday 12 March


def fire(case: Case, trigger: str, user, now: datetime, **payload) -> Case:
    return services.fire_trigger(case.id, trigger, user, payload, now=now)


def events(case_id: int, kind: EventKind) -> list[CaseEvent]:
    return list(db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
        .order_by(CaseEvent.seq)
    ))  # fmt: skip


def last_event(case_id: int, kind: EventKind) -> CaseEvent:
    return events(case_id, kind)[-1]


def refused(case: Case, trigger: str, user, now: datetime, **payload) -> dict[str, list[str]]:
    """The field messages of a refused trigger; asserts the case is left as it was."""
    before = reload(case.id)
    state, version, seq = str(before.state), before.version, before.event_seq
    with pytest.raises(ValidationFailed) as info:
        fire(case, trigger, user, now, **payload)
    after = reload(case.id)
    assert (str(after.state), after.version, after.event_seq) == (state, version, seq)
    return info.value.fields


@pytest.fixture
def mediating(make_case, users):
    """A factory of cases in `mediating`, received at T0."""

    def factory(**overrides) -> Case:
        case = make_case(now=T0, **overrides)
        officer = users["officer"]
        fire(case, "accept", officer, T0 + DAY, mediator_id=users["mediator"].id)
        return fire(case, "begin_mediation", officer, T0 + DAY)

    return factory


@pytest.fixture
def agreed(mediating, users):
    """A factory of cases with an agreement of 90,000 yuan due on `DUE`, signed at `SIGNED`."""

    def factory(**overrides) -> Case:
        instalments = overrides.pop("instalments", None)
        case = mediating(**overrides)
        payload = {"terms": "单位于期限内支付", "agreement_amount": "90000.00"}
        if instalments is None:
            payload["agreement_due_on"] = DUE.isoformat()
        else:
            payload["instalments"] = instalments
        return fire(case, "record_agreement", users["mediator"], SIGNED, **payload)

    return factory


ARBITRATION = {"referral_target": "arbitration", "referral_reference": "江劳人仲〔2026〕1号"}
PAYMENT_ORDER = {"referral_target": "payment_order", "referral_reference": "（2026）苏0581民督1号"}


# --- the payment order (LDMAL art. 16) -------------------------------------------------------------


def test_payment_order_is_refused_without_a_mediation_agreement(mediating, users):
    """A remuneration case whose mediation failed has no agreement to enforce by a payment
    order; arbitration stays open to it."""
    case = fire(mediating(), "fail_mediation", users["mediator"], T0 + 2 * DAY, reason="分歧过大")
    fields = refused(case, "refer", users["mediator"], T0 + 3 * DAY, **PAYMENT_ORDER)
    assert list(fields) == ["referral_target"]
    assert reload(case.id).referral_target is None
    case = fire(case, "refer", users["mediator"], T0 + 3 * DAY, **ARBITRATION)
    assert case.state == State.referred


def test_payment_order_is_refused_before_the_due_date(agreed, users):
    """The employer refused to pay before the due date: the case may go to arbitration (art.
    15), but a payment order needs the agreed date to have passed unpaid (art. 16)."""
    case = agreed()
    case = fire(
        case, "report_default", users["mediator"], BEFORE_DUE,
        reason="单位书面表示不再支付", refused_on="2026-03-11",
    )  # fmt: skip
    fields = refused(case, "refer", users["mediator"], BEFORE_DUE + DAY, **PAYMENT_ORDER)
    assert list(fields) == ["referral_target"]
    # once the due date has passed unpaid, the same case may
    case = fire(case, "refer", users["mediator"], AFTER_DUE, **PAYMENT_ORDER)
    assert case.referral_target == ReferralTarget.payment_order


def test_payment_order_after_default_on_a_remuneration_agreement(agreed, users):
    case = agreed()
    case = fire(case, "report_default", users["mediator"], AFTER_DUE, reason="到期未付")
    assert reload(case.id).defaulted_at == AFTER_DUE
    case = fire(case, "refer", users["mediator"], AFTER_DUE + DAY, **PAYMENT_ORDER)
    assert case.state == State.referred
    assert case.referral_target == ReferralTarget.payment_order


def test_payment_order_is_refused_for_a_dismissal_agreement(agreed, users):
    case = agreed(kind="dispute", category="dismissal")
    case = fire(case, "report_default", users["mediator"], AFTER_DUE, reason="到期未付")
    fields = refused(case, "refer", users["mediator"], AFTER_DUE, **PAYMENT_ORDER)
    assert list(fields) == ["referral_target"]


def test_payment_order_is_refused_once_what_was_due_is_paid(agreed, users):
    """First instalment paid in full, second not yet due: nothing is unpaid by its date."""
    case = agreed(instalments=[
        {"due_on": "2026-03-20", "amount": "30000.00"},
        {"due_on": "2026-04-20", "amount": "60000.00"},
    ])  # fmt: skip
    case = fire(case, "record_payment", users["mediator"], T0 + 17 * DAY, paid_amount="30000")
    case = fire(
        case, "report_default", users["mediator"], AFTER_DUE,
        reason="单位书面表示第二期不再支付", refused_on="2026-03-21",
    )  # fmt: skip
    fields = refused(case, "refer", users["mediator"], AFTER_DUE, **PAYMENT_ORDER)
    assert list(fields) == ["referral_target"]
    # after the second date, 60,000 of the 90,000 due by then are unpaid
    case = fire(case, "refer", users["mediator"], T0 + 50 * DAY, **PAYMENT_ORDER)
    assert case.referral_target == ReferralTarget.payment_order


def test_payment_order_on_a_work_injury_agreement(agreed, users):
    case = agreed(kind="dispute", category="injury_compensation")
    case = fire(case, "report_default", users["mediator"], AFTER_DUE, reason="到期未付")
    case = fire(case, "refer", users["mediator"], AFTER_DUE, **PAYMENT_ORDER)
    assert case.referral_target == ReferralTarget.payment_order


# --- instalments ---------------------------------------------------------------------------------

THREE = [
    {"due_on": "2026-03-20", "amount": "30000.00"},
    {"due_on": "2026-04-20", "amount": "30000"},
    {"due_on": "2026-05-20", "amount": "30000.00"},
]


def test_instalments_are_recorded_and_the_last_date_is_the_due_date(agreed):
    case = reload(agreed(instalments=THREE).id)
    assert case.state == State.agreement
    assert case.instalments == [
        {"due_on": "2026-03-20", "amount_fen": 3_000_000},
        {"due_on": "2026-04-20", "amount_fen": 3_000_000},
        {"due_on": "2026-05-20", "amount_fen": 3_000_000},
    ]
    assert case.agreement_due_on == date(2026, 5, 20)
    assert case.agreement_amount_fen == 9_000_000
    event = last_event(case.id, EventKind.transition)
    assert event.data["instalments"] == [None, case.instalments]
    assert event.data["agreement_due_on"] == [None, "2026-05-20"]


def test_instalments_may_repeat_the_last_date_as_the_due_date(mediating, users):
    case = fire(
        mediating(), "record_agreement", users["mediator"], SIGNED, terms="分三期",
        agreement_amount="90000", agreement_due_on="2026-05-20", instalments=THREE,
    )  # fmt: skip
    assert reload(case.id).agreement_due_on == date(2026, 5, 20)


BAD_INSTALMENTS = {
    "do not add up to the agreed amount": (
        [{"due_on": "2026-03-20", "amount": "30000"}, {"due_on": "2026-04-20", "amount": "50000"}],
        {"instalments"},
    ),
    "dates not strictly increasing": (
        [{"due_on": "2026-04-20", "amount": "45000"}, {"due_on": "2026-04-20", "amount": "45000"}],
        {"instalments.1.due_on"},
    ),
    "a date in the past": (
        [{"due_on": "2026-03-04", "amount": "45000"}, {"due_on": "2026-04-20", "amount": "45000"}],
        {"instalments.0.due_on"},
    ),
    "a zero amount": (
        [{"due_on": "2026-03-20", "amount": "0"}, {"due_on": "2026-04-20", "amount": "90000"}],
        {"instalments.0.amount"},
    ),
    "not a date": (
        [{"due_on": "2026-02-30", "amount": "90000"}],
        {"instalments.0.due_on"},
    ),
    "no amount": ([{"due_on": "2026-03-20"}], {"instalments.0.amount"}),
    "an empty list": ([], {"instalments"}),
}


@pytest.mark.parametrize("problem", list(BAD_INSTALMENTS))
def test_bad_instalments_are_refused_and_nothing_is_written(mediating, users, problem):
    instalments, named = BAD_INSTALMENTS[problem]
    case = mediating()
    fields = refused(
        case, "record_agreement", users["mediator"], SIGNED,
        terms="分期支付", agreement_amount="90000.00", instalments=instalments,
    )  # fmt: skip
    assert set(fields) == named
    case = reload(case.id)
    assert case.agreement_terms is None and case.instalments is None
    assert case.agreement_amount_fen is None and case.agreed_at is None


def test_instalments_need_an_agreed_amount(mediating, users):
    case = mediating(kind="dispute", category="dismissal")
    fields = refused(
        case, "record_agreement", users["mediator"], SIGNED, terms="恢复劳动关系并补发",
        instalments=[{"due_on": "2026-03-20", "amount": "1000"}],
    )  # fmt: skip
    assert list(fields) == ["agreement_amount"]


def test_a_due_date_other_than_the_last_instalments_is_refused(mediating, users):
    fields = refused(
        mediating(), "record_agreement", users["mediator"], SIGNED, terms="分三期",
        agreement_amount="90000", agreement_due_on="2026-03-20", instalments=THREE,
    )  # fmt: skip
    assert list(fields) == ["agreement_due_on"]


def test_without_instalments_the_due_date_is_required(mediating, users):
    fields = refused(
        mediating(), "record_agreement", users["mediator"], SIGNED, terms="一次付清",
        agreement_amount="90000",
    )  # fmt: skip
    assert list(fields) == ["agreement_due_on"]


# --- payments and performance --------------------------------------------------------------------


def test_confirm_performance_with_1_yuan_of_90000_is_refused(agreed, users):
    case = agreed()
    fields = refused(case, "confirm_performance", users["mediator"], BEFORE_DUE, paid_amount="1")
    assert list(fields) == ["paid_amount"]
    message = fields["paid_amount"][0]
    assert "partial payment" in message and "partly performed" in message
    case = reload(case.id)
    assert case.state == State.agreement
    assert case.paid_amount_fen is None and case.outcome is None and case.closed_at is None


def test_two_partial_payments_then_confirm_performance(agreed, users):
    case = agreed(instalments=THREE)
    changed = reload(case.id).state_changed_at
    fire(case, "record_payment", users["mediator"], T0 + 17 * DAY, paid_amount="30000",
         paid_on="2026-03-18", note="银行转账")  # fmt: skip
    case = fire(case, "record_payment", users["mediator"], T0 + 48 * DAY, paid_amount="30000")
    case = reload(case.id)
    assert case.state == State.agreement and case.paid_amount_fen == 6_000_000
    assert case.state_changed_at == changed  # a payment is no change of state
    payments = events(case.id, EventKind.payment)
    assert [(e.trigger, e.from_state, e.to_state) for e in payments] == [
        ("record_payment", "agreement", "agreement")
    ] * 2
    assert payments[0].data == {
        "paid_amount_fen": [None, 3_000_000], "paid_on": "2026-03-18", "amount_fen": 3_000_000,
    }  # fmt: skip
    assert payments[0].body == "银行转账"
    assert payments[1].data["paid_on"] == "2026-04-19"  # the day it was recorded (China time)
    assert payments[1].data["paid_amount_fen"] == [3_000_000, 6_000_000]

    case = fire(case, "confirm_performance", users["mediator"], T0 + 79 * DAY,
                paid_amount="30000.00")  # fmt: skip
    case = reload(case.id)
    assert case.state == State.closed
    assert case.outcome == Outcome.agreement_performed
    assert case.paid_amount_fen == 9_000_000


def test_confirm_performance_after_payments_that_cover_everything(agreed, users):
    case = agreed()
    fire(case, "record_payment", users["mediator"], BEFORE_DUE, paid_amount="90000")
    case = fire(case, "confirm_performance", users["mediator"], BEFORE_DUE, paid_amount="0")
    assert case.outcome == Outcome.agreement_performed
    assert reload(case.id).paid_amount_fen == 9_000_000


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"paid_amount": "0"}, "paid_amount"),
        ({"paid_amount": "-5"}, "paid_amount"),
        ({"paid_amount": "100", "paid_on": "2026-03-13"}, "paid_on"),  # tomorrow
        ({"paid_amount": "100", "paid_on": "2026-03-04"}, "paid_on"),  # before the agreement
        ({}, "paid_amount"),
    ],
)
def test_a_bad_payment_is_refused(agreed, users, payload, field):
    case = agreed()
    fields = refused(case, "record_payment", users["mediator"], BEFORE_DUE, **payload)
    assert list(fields) == [field]
    assert reload(case.id).paid_amount_fen is None


def test_close_partly_performed(agreed, users):
    case = agreed()
    fire(case, "record_payment", users["mediator"], BEFORE_DUE, paid_amount="30000")
    case = fire(case, "close_partly_performed", users["officer"], AFTER_DUE,
                reason="单位停产，余款无力支付", paid_amount="1000")  # fmt: skip
    case = reload(case.id)
    assert case.state == State.closed
    assert case.outcome == Outcome.partly_performed
    assert case.closed_at == AFTER_DUE
    assert case.paid_amount_fen == 3_100_000
    event = last_event(case.id, EventKind.transition)
    assert event.trigger == "close_partly_performed" and event.body == "单位停产，余款无力支付"
    assert event.data["outcome"] == [None, "partly_performed"]


def test_close_partly_performed_is_refused_when_all_is_paid(agreed, users):
    case = agreed()
    fire(case, "record_payment", users["mediator"], BEFORE_DUE, paid_amount="90000")
    fields = refused(case, "close_partly_performed", users["mediator"], AFTER_DUE, reason="误操作")
    assert list(fields) == ["paid_amount"]


# --- non-performance -----------------------------------------------------------------------------


def test_report_default_before_the_due_date_needs_the_refusal(agreed, users):
    case = agreed()
    fields = refused(case, "report_default", users["mediator"], BEFORE_DUE, reason="单位拒付")
    assert list(fields) == ["refused_on"]
    assert reload(case.id).defaulted_at is None
    case = fire(case, "report_default", users["mediator"], BEFORE_DUE, reason="单位书面拒付",
                refused_on="2026-03-11")  # fmt: skip
    case = reload(case.id)
    assert case.state == State.failed and case.defaulted_at == BEFORE_DUE
    event = last_event(case.id, EventKind.transition)
    assert event.data["refused_on"] == "2026-03-11"
    assert event.data["defaulted_at"] == [None, BEFORE_DUE.isoformat()]


@pytest.mark.parametrize(
    ("refused_on", "why"), [("2026-03-13", "in the future"), ("2026-03-04", "before the agreement")]
)
def test_report_default_refuses_an_impossible_refusal_day(agreed, users, refused_on, why):
    fields = refused(agreed(), "report_default", users["mediator"], BEFORE_DUE, reason="拒付",
                     refused_on=refused_on)  # fmt: skip
    assert list(fields) == ["refused_on"], why


def test_report_default_after_the_due_date_needs_no_refusal(agreed, users):
    case = fire(agreed(), "report_default", users["mediator"], AFTER_DUE, reason="到期未付")
    assert case.state == State.failed and reload(case.id).defaulted_at == AFTER_DUE


def test_report_default_waits_for_an_unpaid_instalment(agreed, users):
    """The first instalment is paid and the second not yet due: no default without a refusal."""
    case = agreed(instalments=THREE)
    fire(case, "record_payment", users["mediator"], T0 + 17 * DAY, paid_amount="30000")
    fields = refused(case, "report_default", users["mediator"], AFTER_DUE, reason="担心不付")
    assert list(fields) == ["refused_on"]
    case = fire(case, "report_default", users["mediator"], T0 + 50 * DAY, reason="第二期未付")
    assert case.state == State.failed
