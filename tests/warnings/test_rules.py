"""The early-warning rules as pure functions (docs/domain.md "Default rules"): no database, facts built by hand.

Each rule is checked on both sides of its threshold, and each time-driven rule's `wakes_at` is the
exact moment it starts to fire.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mediation.cases.enums import CaseKind, ReferralTarget, State, WarningLevel
from mediation.orgs.models import Tier
from mediation.warnings import rules
from mediation.warnings.rules import AlertSpec, CaseFacts, RuleResult
from mediation.warnings.settings import load_defaults
from tests.helpers import local

S = load_defaults()
SECOND = timedelta(seconds=1)
# Monday 2 March 2026, 10:00 in China: an ordinary working week (no holiday, no 调休).
RECEIVED = local(2026, 3, 2, 10, 0)


def facts(**kw) -> CaseFacts:
    values = {
        "state": State.reported,
        "kind": CaseKind.dispute,
        "received_at": RECEIVED,
        "handling_tier": Tier.grassroots,
    }
    values.update(kw)
    return CaseFacts(**values)


def run(code: str, f: CaseFacts, now: datetime) -> RuleResult:
    return rules.RULES[code](f, now, S[code])


def fires(result: RuleResult, level: str, target: str) -> bool:
    return result.fires and result.level == WarningLevel(level) and result.target == target


def assert_threshold(code: str, f: CaseFacts, moment: datetime, level: str, target: str) -> None:
    """Not firing one second before `moment` (and saying it wakes at `moment`); firing at it."""
    before = run(code, f, moment - SECOND)
    assert not before.fires
    assert before.wakes_at == moment
    at = run(code, f, moment)
    assert fires(at, level, target), at
    assert fires(run(code, f, moment + timedelta(days=400)), level, target)


# --- acceptance overdue: working days ------------------------------------------------------------


def test_acceptance_overdue_after_three_working_days():
    # received Monday: Tue, Wed, Thu are the three working days; overdue from Friday 00:00
    assert_threshold("acceptance_overdue", facts(), local(2026, 3, 6), "yellow", "town")


def test_acceptance_overdue_skips_the_weekend():
    # received Thursday 5 March: Fri 6, Mon 9, Tue 10 → overdue from Wednesday 11 March 00:00
    # (three calendar days would have been Monday 9 March)
    f = facts(received_at=local(2026, 3, 5, 16, 30))
    assert_threshold("acceptance_overdue", f, local(2026, 3, 11), "yellow", "town")
    assert not run("acceptance_overdue", f, local(2026, 3, 9, 12)).fires


@pytest.mark.parametrize(
    "state", [s for s in State if s is not State.reported], ids=lambda s: s.value
)
def test_acceptance_overdue_only_while_reported(state):
    result = run("acceptance_overdue", facts(state=state), local(2026, 5, 1))
    assert not result.fires
    assert result.wakes_at is None


# --- mediation clocks: calendar days from receipt ------------------------------------------------

MEDIATION_CLOCKS = [
    # rule, days, level, target, states in which it runs
    ("mediation_due_soon", 12, "blue", "handling", {State.reported, State.accepted, State.mediating}),
    ("mediation_overdue", 15, "orange", "town", {State.accepted, State.mediating}),
    ("mediation_stalled", 30, "red", "city", {State.reported, State.accepted, State.mediating}),
]  # fmt: skip


@pytest.mark.parametrize(("code", "days", "level", "target", "states"), MEDIATION_CLOCKS)
def test_mediation_clocks_fire_in_calendar_days_from_receipt(code, days, level, target, states):
    for state in states:
        # the exact moment of receipt plus N calendar days (a weekend in between changes nothing)
        assert_threshold(code, facts(state=state), RECEIVED + timedelta(days=days), level, target)


@pytest.mark.parametrize(("code", "days", "level", "target", "states"), MEDIATION_CLOCKS)
def test_mediation_clocks_do_not_run_in_other_states(code, days, level, target, states):
    late = RECEIVED + timedelta(days=days * 3)
    for state in set(State) - states:
        result = run(code, facts(state=state), late)
        assert not result.fires, state
        assert result.wakes_at is None, state


def test_mediation_overdue_not_before_acceptance():
    """A reported case is the acceptance rule's business, not the 15-day clock's."""
    late = RECEIVED + timedelta(days=20)
    assert not run("mediation_overdue", facts(state=State.reported), late).fires
    assert run(
        "mediation_overdue", facts(state=State.accepted), RECEIVED + timedelta(days=20)
    ).fires


# --- agreement default ---------------------------------------------------------------------------


def test_agreement_default_fires_the_day_after_the_due_date():
    f = facts(state=State.agreement, agreement_due_on=date(2026, 3, 20))
    assert_threshold("agreement_default", f, local(2026, 3, 21), "orange", "town")


def test_agreement_default_needs_an_agreement_with_a_due_date():
    late = local(2026, 6, 1)
    for state in (State.mediating, State.failed, State.referred, State.closed):
        f = facts(state=state, agreement_due_on=date(2026, 3, 20))
        assert not run("agreement_default", f, late).fires
    assert not run("agreement_default", facts(state=State.agreement), late).fires


def test_agreement_default_grace_days_postpone_it():
    f = facts(state=State.agreement, agreement_due_on=date(2026, 3, 20))
    cfg = dict(S["agreement_default"], grace_days=2)
    assert not rules.agreement_default(f, local(2026, 3, 23) - SECOND, cfg).fires
    assert rules.agreement_default(f, local(2026, 3, 23), cfg).fires


# Three instalments of 30,000 yuan: 20 March, 20 April, 20 May 2026 (all weekdays).
INSTALMENTS = [
    {"due_on": "2026-03-20", "amount_fen": 3_000_000},
    {"due_on": "2026-04-20", "amount_fen": 3_000_000},
    {"due_on": "2026-05-20", "amount_fen": 3_000_000},
]


def in_instalments(paid_yuan: int | None) -> CaseFacts:
    return facts(
        state=State.agreement, agreement_due_on=date(2026, 5, 20), agreement_amount_fen=9_000_000,
        instalments=INSTALMENTS, paid_amount_fen=None if paid_yuan is None else paid_yuan * 100,
    )  # fmt: skip


def test_agreement_default_fires_the_day_after_the_first_unpaid_instalment():
    """Nothing paid: the first instalment's date decides, not the agreement's last date."""
    assert_threshold(
        "agreement_default", in_instalments(None), local(2026, 3, 21), "orange", "town"
    )


def test_agreement_default_waits_for_the_next_instalment_once_one_is_paid():
    """30,000 paid covers the first instalment: quiet on 21 March, waking after 20 April."""
    f = in_instalments(30_000)
    assert_threshold("agreement_default", f, local(2026, 4, 21), "orange", "town")


def test_agreement_default_counts_a_partly_paid_instalment_as_unpaid():
    """50,000 paid is short of the 60,000 due by 20 April: that instalment is in default."""
    assert run("agreement_default", in_instalments(50_000), local(2026, 4, 21)).fires
    assert not run("agreement_default", in_instalments(50_000), local(2026, 4, 21) - SECOND).fires


def test_agreement_default_is_quiet_once_everything_is_paid():
    result = run("agreement_default", in_instalments(90_000), local(2027, 1, 1))
    assert result == rules.NOT_FIRING


def test_agreement_default_of_a_single_payment_partly_paid():
    """Paid once, 1 yuan of 90,000: still a default after the due date; all of it: none."""
    single = dict(state=State.agreement, agreement_due_on=date(2026, 3, 20),
                  agreement_amount_fen=9_000_000)  # fmt: skip
    partly = facts(**single, paid_amount_fen=100)
    assert_threshold("agreement_default", partly, local(2026, 3, 21), "orange", "town")
    paid = facts(**single, paid_amount_fen=9_000_000)
    assert not run("agreement_default", paid, local(2026, 6, 1)).fires


# --- fact-driven rules ---------------------------------------------------------------------------


def test_collective_at_ten_workers():
    assert not run("collective", facts(workers_involved=9), RECEIVED).fires
    assert fires(run("collective", facts(workers_involved=10), RECEIVED), "yellow", "town")
    assert fires(run("collective", facts(workers_involved=60), RECEIVED), "yellow", "town")


def test_major_collective_at_fifty_workers():
    assert not run("major_collective", facts(workers_involved=49), RECEIVED).fires
    assert fires(run("major_collective", facts(workers_involved=50), RECEIVED), "red", "city")


def test_major_collective_at_one_million_yuan():
    below = facts(workers_involved=1, claim_amount_fen=99_999_999)  # 999,999.99 yuan
    at = facts(workers_involved=1, claim_amount_fen=100_000_000)  # 1,000,000.00 yuan
    assert not run("major_collective", below, RECEIVED).fires
    assert fires(run("major_collective", at, RECEIVED), "red", "city")
    assert not run("major_collective", facts(claim_amount_fen=None), RECEIVED).fires


def test_fact_driven_rules_never_wait_for_time():
    quiet = facts(workers_involved=1)
    for code in ("collective", "major_collective", "owner_absconded", "repeat_enterprise"):
        result = run(code, quiet, RECEIVED)
        assert not result.fires
        assert result.wakes_at is None


@pytest.mark.parametrize(
    ("months", "level", "target"),
    [(0, "yellow", "town"), (1, "yellow", "town"), (2, "orange", "town"), (3, "red", "city"),
     (12, "red", "city")],
)  # fmt: skip
def test_arrears_duration_levels(months, level, target):
    f = facts(kind=CaseKind.arrears, arrears_months=months)
    assert fires(run("arrears_duration", f, RECEIVED), level, target)


def test_arrears_duration_only_for_arrears_cases_with_months():
    dispute = facts(kind=CaseKind.dispute, arrears_months=3)
    assert not run("arrears_duration", dispute, RECEIVED).fires
    assert not run("arrears_duration", facts(kind=CaseKind.arrears), RECEIVED).fires


def test_owner_absconded_or_incident_is_red_for_the_city():
    assert fires(run("owner_absconded", facts(owner_absconded=True), RECEIVED), "red", "city")
    assert fires(run("owner_absconded", facts(incident_in_progress=True), RECEIVED), "red", "city")
    assert not run("owner_absconded", facts(), RECEIVED).fires


def test_repeat_enterprise_at_three_cases():
    assert not run("repeat_enterprise", facts(recent_enterprise_cases=2), RECEIVED).fires
    assert fires(
        run("repeat_enterprise", facts(recent_enterprise_cases=3), RECEIVED), "orange", "town"
    )


# --- limitation -----------------------------------------------------------------------------------


def test_limitation_near_for_a_dispute_from_when_the_infringement_was_known():
    # known 2025-04-01: the year runs out 2026-04-01; warned 30 days before, from 2026-03-02 00:00
    f = facts(infringement_known_at=date(2025, 4, 1))
    assert_threshold("limitation_near", f, local(2026, 3, 2), "yellow", "handling")


def test_limitation_does_not_run_for_arrears_during_employment():
    f = facts(kind=CaseKind.arrears, arrears_months=2, infringement_known_at=date(2025, 1, 1))
    result = run("limitation_near", f, local(2026, 6, 1))
    assert not result.fires
    assert result.wakes_at is None


def test_limitation_runs_for_arrears_from_the_end_of_employment():
    f = facts(
        kind=CaseKind.arrears,
        arrears_months=2,
        infringement_known_at=date(2024, 1, 1),  # not the base for arrears
        employment_ended_at=date(2025, 4, 1),
    )
    assert_threshold("limitation_near", f, local(2026, 3, 2), "yellow", "handling")


def test_limitation_near_stops_once_referred_or_closed():
    late = local(2026, 6, 1)
    for state in (State.referred, State.closed):
        f = facts(state=state, infringement_known_at=date(2025, 4, 1))
        assert not run("limitation_near", f, late).fires


# --- referral ------------------------------------------------------------------------------------


def test_referral_stalled_sixty_days_after_referral_to_arbitration():
    referred_at = local(2026, 4, 1, 9, 30)
    f = facts(
        state=State.referred,
        referral_target=ReferralTarget.arbitration,
        state_changed_at=referred_at,
    )
    assert_threshold("referral_stalled", f, referred_at + timedelta(days=60), "yellow", "town")


@pytest.mark.parametrize(
    "target", [t for t in ReferralTarget if t is not ReferralTarget.arbitration]
)
def test_referral_stalled_only_for_arbitration(target):
    f = facts(state=State.referred, referral_target=target, state_changed_at=RECEIVED)
    result = run("referral_stalled", f, RECEIVED + timedelta(days=300))
    assert not result.fires
    assert result.wakes_at is None


def test_referral_stalled_not_after_the_ruling():
    f = facts(
        state=State.closed, referral_target=ReferralTarget.arbitration, state_changed_at=RECEIVED
    )
    assert not run("referral_stalled", f, RECEIVED + timedelta(days=300)).fires


# --- evaluate -------------------------------------------------------------------------------------


def test_evaluate_a_quiet_new_case_raises_nothing_and_wakes_at_the_first_deadline():
    evaluation = rules.evaluate(facts(), RECEIVED, S)
    assert evaluation.alerts == []
    assert evaluation.next_check_at == local(2026, 3, 6)  # acceptance overdue, before day 12


def test_evaluate_next_check_is_the_earliest_rule_that_will_fire():
    accepted = facts(state=State.accepted)
    assert rules.evaluate(accepted, RECEIVED, S).next_check_at == RECEIVED + timedelta(days=12)
    # once due soon has fired, the next moment is the overdue one
    day13 = RECEIVED + timedelta(days=13)
    evaluation = rules.evaluate(accepted, day13, S)
    assert evaluation.alerts == [
        AlertSpec("mediation_due_soon", Tier.grassroots, WarningLevel.blue)
    ]
    assert evaluation.next_check_at == RECEIVED + timedelta(days=15)


def test_evaluate_with_nothing_left_to_wait_for():
    f = facts(state=State.failed)
    evaluation = rules.evaluate(f, RECEIVED + timedelta(days=1), S)
    assert evaluation.alerts == []
    assert evaluation.next_check_at is None


def test_evaluate_collects_every_firing_rule_with_its_effective_tier():
    f = facts(
        kind=CaseKind.arrears,
        state=State.mediating,
        workers_involved=60,
        arrears_months=3,
        owner_absconded=True,
        recent_enterprise_cases=3,
    )
    evaluation = rules.evaluate(f, RECEIVED + timedelta(days=16), S)
    assert set(evaluation.alerts) == {
        AlertSpec("mediation_due_soon", Tier.grassroots, WarningLevel.blue),
        AlertSpec("mediation_overdue", Tier.town, WarningLevel.orange),
        AlertSpec("collective", Tier.town, WarningLevel.yellow),
        AlertSpec("major_collective", Tier.city, WarningLevel.red),
        AlertSpec("arrears_duration", Tier.city, WarningLevel.red),
        AlertSpec("owner_absconded", Tier.city, WarningLevel.red),
        AlertSpec("repeat_enterprise", Tier.town, WarningLevel.orange),
    }
    assert evaluation.next_check_at == RECEIVED + timedelta(days=30)  # mediation stalled


def test_a_closed_case_produces_nothing():
    f = facts(
        state=State.closed,
        kind=CaseKind.arrears,
        workers_involved=500,
        claim_amount_fen=10**10,
        arrears_months=12,
        owner_absconded=True,
        incident_in_progress=True,
        recent_enterprise_cases=9,
        infringement_known_at=date(2025, 1, 1),
        employment_ended_at=date(2025, 1, 1),
    )
    evaluation = rules.evaluate(f, RECEIVED + timedelta(days=100), S)
    assert evaluation.alerts == []
    assert evaluation.next_check_at is None


# --- target tiers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "handling", "expected"),
    [
        ("handling", Tier.grassroots, Tier.grassroots),
        ("handling", Tier.town, Tier.town),
        ("handling", Tier.city, Tier.city),
        ("grassroots", Tier.grassroots, Tier.grassroots),
        ("grassroots", Tier.town, Tier.town),
        ("town", Tier.grassroots, Tier.town),
        ("town", Tier.town, Tier.town),
        ("town", Tier.city, Tier.city),
        ("city", Tier.grassroots, Tier.city),
        ("city", Tier.town, Tier.city),
    ],
)
def test_effective_tier(target, handling, expected):
    assert rules.effective_tier(target, handling) == expected


def test_evaluate_addresses_alerts_of_a_town_handled_case_to_the_town_at_least():
    f = facts(state=State.accepted, handling_tier=Tier.town, workers_involved=10)
    evaluation = rules.evaluate(f, RECEIVED + timedelta(days=12), S)
    assert set(evaluation.alerts) == {
        AlertSpec("mediation_due_soon", Tier.town, WarningLevel.blue),  # "handling" → town
        AlertSpec("collective", Tier.town, WarningLevel.yellow),
    }


def test_evaluate_addresses_alerts_of_a_city_handled_case_to_the_city():
    f = facts(state=State.accepted, handling_tier=Tier.city, workers_involved=10)
    evaluation = rules.evaluate(f, RECEIVED + timedelta(days=15), S)
    assert {(a.rule, a.target_tier) for a in evaluation.alerts} == {
        ("mediation_due_soon", Tier.city),
        ("mediation_overdue", Tier.city),  # "town" is below the city
        ("collective", Tier.city),
    }


# --- climbing ------------------------------------------------------------------------------------


def test_next_tier():
    assert rules.next_tier(Tier.grassroots) == Tier.town
    assert rules.next_tier(Tier.town) == Tier.city
    assert rules.next_tier(Tier.city) is None


def test_next_level():
    assert rules.next_level(WarningLevel.blue) == WarningLevel.yellow
    assert rules.next_level(WarningLevel.yellow) == WarningLevel.orange
    assert rules.next_level(WarningLevel.orange) == WarningLevel.red
    assert rules.next_level(WarningLevel.red) == WarningLevel.red


@pytest.mark.parametrize(
    ("level", "tier", "hours"),
    [
        (WarningLevel.blue, Tier.grassroots, 24),
        (WarningLevel.yellow, Tier.town, 24),
        (WarningLevel.orange, Tier.town, 24),
        (WarningLevel.red, Tier.town, 12),
        (WarningLevel.red, Tier.grassroots, 12),
    ],
)
def test_acknowledgement_deadline(level, tier, hours):
    raised = local(2026, 3, 2, 23, 15)
    assert rules.acknowledgement_deadline(level, tier, raised, S) == raised + timedelta(hours=hours)


@pytest.mark.parametrize("level", list(WarningLevel))
def test_nothing_climbs_above_the_city(level):
    assert rules.acknowledgement_deadline(level, Tier.city, RECEIVED, S) is None


def test_acknowledgement_deadline_follows_the_settings():
    settings = dict(S, unacknowledged={"hours": 8, "red_hours": 2})
    assert rules.acknowledgement_deadline(
        WarningLevel.yellow, Tier.town, RECEIVED, settings
    ) == RECEIVED + timedelta(hours=8)
    assert rules.acknowledgement_deadline(
        WarningLevel.red, Tier.town, RECEIVED, settings
    ) == RECEIVED + timedelta(hours=2)


def test_max_level():
    assert rules.max_level([]) is None
    assert rules.max_level(["blue", None, "orange", "yellow"]) == WarningLevel.orange
    assert rules.max_level([WarningLevel.red, WarningLevel.blue]) == WarningLevel.red
