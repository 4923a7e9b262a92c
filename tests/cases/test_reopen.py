"""Reopening a closed case records why (docs/domain.md "Case lifecycle"): the moment, the reason
and, for a new application, the new moment of application; a default after closure keeps the
agreement and marks it defaulted, a new application starts clear of the old default."""

from __future__ import annotations

import pytest

from mediation.cases import services
from mediation.cases.enums import ReopenReason, State
from mediation.core.errors import ValidationFailed
from tests.helpers import DAY, T0, reload

SIGNED, DEFAULTED, CLOSED, REOPENED = T0 + 3 * DAY, T0 + 30 * DAY, T0 + 60 * DAY, T0 + 90 * DAY


@pytest.fixture
def ruled(make_case, users):
    """A remuneration case whose agreement defaulted, went to arbitration and was ruled on:
    closed, with `defaulted_at` set."""
    officer = users["officer"]

    def fire(case, trigger, now, **payload):
        return services.fire_trigger(case.id, trigger, officer, payload, now=now)

    case = make_case(now=T0)
    fire(case, "accept", T0 + DAY, mediator_id=users["mediator"].id)
    fire(case, "begin_mediation", T0 + DAY)
    fire(case, "record_agreement", SIGNED, terms="一次付清", agreement_amount="90000",
         agreement_due_on="2026-03-20")  # fmt: skip
    fire(case, "report_default", DEFAULTED, reason="到期未付")
    fire(case, "refer", DEFAULTED, referral_target="arbitration", referral_reference="仲1号")
    return fire(case, "record_ruling", CLOSED, result="worker_won", amount="90000")


def reopen(case, user, reason: str):
    return services.fire_trigger(
        case.id, "reopen", user,
        {"reopen_reason": reason, "reason": "当事人再次来访", "mediator_id": case.mediator_id},
        now=REOPENED,
    )  # fmt: skip


@pytest.mark.parametrize("reason", [r.value for r in ReopenReason])
def test_reopen_records_its_reason_and_moment(ruled, users, reason):
    received = reload(ruled.id).application_received_at
    reopen(ruled, users["officer"], reason)
    case = reload(ruled.id)
    assert case.state == State.accepted
    assert case.reopened_at == REOPENED
    assert case.reopen_reason == ReopenReason(reason)
    event = next(e for e in reversed(case.events) if e.trigger == "reopen")
    assert event.data["reopen_reason"] == [None, reason]
    assert event.body == "当事人再次来访"
    if reason == "new_application":
        # a new application: its own moment; the old agreement's default is not this dispute's
        assert case.application_received_at == REOPENED
        assert case.defaulted_at is None
    elif reason == "default_after_closure":
        # the agreement stands and is in default again, as of the reopening
        assert case.application_received_at == received
        assert case.defaulted_at == REOPENED
        assert case.agreement_terms == "一次付清"
    else:  # enforcement only: nothing about the dispute changes
        assert case.application_received_at == received
        assert case.defaulted_at == DEFAULTED


def test_reopen_without_its_reason_is_refused(ruled, users):
    before = reload(ruled.id).version
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(
            ruled.id, "reopen", users["officer"],
            {"reason": "再次来访", "mediator_id": ruled.mediator_id},
        )  # fmt: skip
    assert list(info.value.fields) == ["reopen_reason"]
    case = reload(ruled.id)
    assert case.version == before and case.reopened_at is None


def test_a_second_reopening_replaces_the_first(ruled, users):
    reopen(ruled, users["officer"], "enforcement_only")
    services.fire_trigger(ruled.id, "withdraw", users["officer"], {"reason": "撤回"},
                          now=REOPENED + DAY)  # fmt: skip
    services.fire_trigger(
        ruled.id, "reopen", users["admin"],
        {"reopen_reason": "new_application", "reason": "新申请"}, now=REOPENED + 2 * DAY,
    )  # fmt: skip
    case = reload(ruled.id)
    assert case.reopened_at == REOPENED + 2 * DAY
    assert case.reopen_reason == ReopenReason.new_application
    assert case.application_received_at == REOPENED + 2 * DAY
