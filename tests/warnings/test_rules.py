"""The early-warning rules as pure functions (docs/domain.md "Default rules"): no database, facts built by hand.

Each rule is checked on both sides of its threshold, and each time-driven rule's `wakes_at` is the
exact moment it starts to fire.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mediation.cases import clocks
from mediation.cases.enums import (
    ArbitrationDecision,
    CaseKind,
    Category,
    EmploymentStatus,
    ReferralTarget,
    State,
    WarningLevel,
)
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
    """A walk-in application: reported and applied for at the same moment."""
    values = {
        "state": State.reported,
        "kind": CaseKind.dispute,
        "received_at": RECEIVED,
        "application_received_at": RECEIVED,
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


# --- mediation clocks: the legal last day of the 15 days (cases/clocks.py) ----------------------

# received Monday 2 March 2026: the 15 days' last day is Tuesday 17 March (a working day)
MEDIATION_CLOCKS = [
    # rule, first moment it fires, level, target, states in which it runs
    # 3 days before the last day: from the start of Sunday 15 March (15, 16, 17 are left)
    ("mediation_due_soon", local(2026, 3, 15), "blue", "handling",
     {State.reported, State.accepted, State.mediating}),
    # the day after the last day
    ("mediation_overdue", local(2026, 3, 18), "orange", "town", {State.accepted, State.mediating}),
    # the local supervision rule: 30 days after the report's day
    ("mediation_stalled", local(2026, 4, 2), "red", "city",
     {State.reported, State.accepted, State.mediating}),
]  # fmt: skip


@pytest.mark.parametrize(("code", "moment", "level", "target", "states"), MEDIATION_CLOCKS)
def test_mediation_clocks_fire_after_the_legal_last_day(code, moment, level, target, states):
    for state in states:
        assert_threshold(code, facts(state=state), moment, level, target)


@pytest.mark.parametrize(("code", "moment", "level", "target", "states"), MEDIATION_CLOCKS)
def test_mediation_clocks_do_not_run_in_other_states(code, moment, level, target, states):
    late = moment + timedelta(days=60)
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


def test_a_report_without_an_application_runs_no_mediation_period():
    """A hotline call is a report: the 15 days wait for the application (LDMAL art. 14)."""
    report = facts(state=State.accepted, application_received_at=None)
    late = RECEIVED + timedelta(days=40)
    for code in ("mediation_due_soon", "mediation_overdue"):
        result = run(code, report, late)
        assert not result.fires and result.wakes_at is None
    # the application two weeks later starts the 15 days then: last day 1 April (a Wednesday)
    applied = facts(state=State.accepted, application_received_at=local(2026, 3, 17, 15))
    assert_threshold("mediation_overdue", applied, local(2026, 4, 2), "orange", "town")


def test_the_mediation_period_ending_on_a_holiday_moves_to_the_next_working_day():
    # received 16 September 2026: the 15th day is 1 October, National Day; the holiday runs to
    # 7 October, so the last day is Thursday 8 October (docs/domain.md "Clocks in detail")
    f = facts(state=State.mediating, application_received_at=local(2026, 9, 16, 9))
    assert_threshold("mediation_overdue", f, local(2026, 10, 9), "orange", "town")


def test_an_agreed_extension_moves_the_overdue_alert():
    f = facts(
        state=State.mediating,
        clock_adjustments={"mediation": {"extended_to": "2026-03-31"}},
    )
    assert_threshold("mediation_overdue", f, local(2026, 4, 1), "orange", "town")


def test_a_paused_supervision_clock_fires_nothing_and_wakes_when_it_runs_again():
    paused = {"supervision": {"paused_since": "2026-03-20", "resume_on": "2026-04-10"}}
    f = facts(state=State.mediating, clock_adjustments=paused)
    waiting = run("mediation_stalled", f, local(2026, 4, 5))
    assert not waiting.fires
    assert waiting.wakes_at == local(2026, 4, 10)
    # 21 days paused: 1 April + 21 = 22 April is the last day; fires from 23 April
    assert_threshold("mediation_stalled", f, local(2026, 4, 23), "red", "city")


def test_a_pause_without_a_resume_day_waits_for_a_person():
    f = facts(
        state=State.reported, clock_adjustments={"acceptance": {"paused_since": "2026-03-03"}}
    )
    result = run("acceptance_overdue", f, local(2026, 6, 1))
    assert not result.fires and result.wakes_at is None


def test_waiting_on_a_party_never_pauses_the_statutory_period():
    """Only the local clocks pause: an adjustment on the mediation period is ignored."""
    f = facts(
        state=State.mediating, clock_adjustments={"mediation": {"paused_since": "2026-03-03"}}
    )
    assert_threshold("mediation_overdue", f, local(2026, 3, 18), "orange", "town")


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
    for code in ("collective", "major_collective", "provincial_key", "owner_absconded",
                 "repeat_enterprise"):  # fmt: skip
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


def arrears(**kw) -> CaseFacts:
    return facts(**{"kind": CaseKind.arrears, "state": State.mediating, **kw})


def test_arrears_duration_counts_the_months_owed_from_the_first_unpaid_pay_day():
    # unpaid since 31 January: 1 month on 31 January, 2 from 28 February, 3 from 31 March
    f = arrears(wages_unpaid_since=date(2026, 1, 31), arrears_months=1)
    january = run("arrears_duration", f, local(2026, 1, 31, 9))
    assert fires(january, "yellow", "town")
    assert january.wakes_at == local(2026, 2, 28)  # the next pay day, a firing rule's wake
    february = run("arrears_duration", f, local(2026, 2, 28))
    assert fires(february, "orange", "town")
    assert february.wakes_at == local(2026, 3, 31)
    assert fires(run("arrears_duration", f, local(2026, 3, 31) - SECOND), "orange", "town")
    march = run("arrears_duration", f, local(2026, 3, 31))
    assert fires(march, "red", "city")
    assert march.wakes_at is None  # red is the top: nothing more to wait for
    # the months typed at registration do not count once the first unpaid pay day is known
    assert fires(run("arrears_duration", f, local(2026, 6, 29)), "red", "city")


def test_arrears_duration_waits_for_the_first_unpaid_pay_day():
    f = arrears(wages_unpaid_since=date(2026, 3, 10))
    before = run("arrears_duration", f, local(2026, 3, 9, 23))
    assert not before.fires
    assert before.wakes_at == local(2026, 3, 10)


def test_arrears_duration_without_the_pay_day_keeps_the_months_reported():
    result = run("arrears_duration", arrears(arrears_months=2), local(2027, 1, 1))
    assert fires(result, "orange", "town")
    assert result.wakes_at is None  # a number typed once does not grow


def test_an_agreed_delay_silences_arrears_duration_through_its_last_day():
    f = arrears(wages_unpaid_since=date(2026, 3, 1), wage_delay_until=date(2026, 3, 20))
    during = run("arrears_duration", f, local(2026, 3, 20, 23, 59))
    assert not during.fires
    assert during.wakes_at == local(2026, 3, 21)
    assert fires(run("arrears_duration", f, local(2026, 3, 21)), "yellow", "town")
    # an older delay is over: the months owed since the first pay day count in full
    assert fires(run("arrears_duration", f, local(2026, 6, 1)), "red", "city")
    typed = arrears(arrears_months=3, wage_delay_until=date(2026, 3, 20))
    assert not run("arrears_duration", typed, local(2026, 3, 20)).fires


def test_evaluate_wakes_at_the_next_pay_day_of_a_firing_arrears_rule():
    # mediation failed: no clock of the mediation runs, the months owed still grow
    f = arrears(wages_unpaid_since=date(2026, 1, 31), workers_involved=1, state=State.failed)
    evaluation = rules.evaluate(f, local(2026, 3, 10), S)
    assert evaluation.alerts == [AlertSpec("arrears_duration", Tier.town, WarningLevel.orange)]
    assert evaluation.next_check_at == local(2026, 3, 31)
    red = rules.evaluate(f, local(2026, 3, 31), S)
    assert red.alerts == [AlertSpec("arrears_duration", Tier.city, WarningLevel.red)]
    assert red.next_check_at is None


# --- the crime of refusing to pay labour remuneration (Criminal Law art. 276-1) -------------------


def test_criminal_threshold_one_worker_owed_ten_thousand_yuan_for_three_months():
    since = date(2026, 1, 15)
    f = arrears(workers_involved=1, claim_amount_fen=1_000_000, wages_unpaid_since=since)
    # 15 Jan, 15 Feb: two months; the third is owed from 15 March
    two = run("criminal_threshold", f, local(2026, 3, 14, 12))
    assert not two.fires
    assert two.wakes_at == local(2026, 3, 15)
    assert fires(run("criminal_threshold", f, local(2026, 3, 15)), "red", "city")
    # one fen less is below the amount, whatever the months
    less = arrears(workers_involved=1, claim_amount_fen=999_999, wages_unpaid_since=since)
    result = run("criminal_threshold", less, local(2026, 12, 1))
    assert not result.fires and result.wakes_at is None


def test_criminal_threshold_one_worker_with_the_months_reported():
    f = arrears(workers_involved=1, claim_amount_fen=1_200_000, arrears_months=3)
    assert fires(run("criminal_threshold", f, RECEIVED), "red", "city")
    two = arrears(workers_involved=1, claim_amount_fen=1_200_000, arrears_months=2)
    assert not run("criminal_threshold", two, RECEIVED).fires
    unknown = arrears(workers_involved=1, claim_amount_fen=1_200_000)
    assert not run("criminal_threshold", unknown, RECEIVED).fires


def test_criminal_threshold_a_few_workers_whose_average_reaches_the_single_amount():
    # three workers owed 30,000 yuan for three months: one of them is owed 10,000 at least
    f = arrears(workers_involved=3, claim_amount_fen=3_000_000, arrears_months=3)
    assert fires(run("criminal_threshold", f, RECEIVED), "red", "city")
    below = arrears(workers_involved=3, claim_amount_fen=2_999_999, arrears_months=3)
    assert not run("criminal_threshold", below, RECEIVED).fires


def test_criminal_threshold_ten_workers_owed_sixty_thousand_yuan_in_total():
    group = arrears(workers_involved=10, claim_amount_fen=6_000_000, arrears_months=1)
    assert fires(run("criminal_threshold", group, RECEIVED), "red", "city")
    # the group amount needs no months
    assert fires(run("criminal_threshold", arrears(workers_involved=12, claim_amount_fen=
                 6_000_000), RECEIVED), "red", "city")  # fmt: skip
    nine = arrears(workers_involved=9, claim_amount_fen=6_000_000, arrears_months=1)
    assert not run("criminal_threshold", nine, RECEIVED).fires
    less = arrears(workers_involved=10, claim_amount_fen=5_999_999, arrears_months=1)
    assert not run("criminal_threshold", less, RECEIVED).fires


def test_criminal_threshold_for_remuneration_disputes_only():
    remuneration = facts(category=Category.remuneration, workers_involved=10,
                         claim_amount_fen=6_000_000)  # fmt: skip
    assert fires(run("criminal_threshold", remuneration, RECEIVED), "red", "city")
    dismissal = facts(category=Category.dismissal, workers_involved=10,
                      claim_amount_fen=6_000_000)  # fmt: skip
    assert not run("criminal_threshold", dismissal, RECEIVED).fires
    assert not run("criminal_threshold", arrears(workers_involved=50), RECEIVED).fires


def test_criminal_threshold_follows_the_provinces_figures():
    cfg = dict(S["criminal_threshold"], group_workers=10, group_yuan=30_000)
    f = arrears(workers_involved=10, claim_amount_fen=3_000_000)
    assert not run("criminal_threshold", f, RECEIVED).fires
    assert rules.criminal_threshold(f, RECEIVED, cfg).fires


# --- provincial key monitoring --------------------------------------------------------------------


def test_provincial_key_at_a_hundred_workers():
    assert not run("provincial_key", facts(workers_involved=99), RECEIVED).fires
    assert fires(run("provincial_key", facts(workers_involved=100), RECEIVED), "red", "city")


def test_provincial_key_at_five_million_yuan():
    below = facts(workers_involved=1, claim_amount_fen=499_999_999)  # 4,999,999.99 yuan
    at = facts(workers_involved=1, claim_amount_fen=500_000_000)  # 5,000,000.00 yuan
    assert not run("provincial_key", below, RECEIVED).fires
    assert fires(run("provincial_key", at, RECEIVED), "red", "city")
    assert run("provincial_key", at, RECEIVED).wakes_at is None


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
    # known 2025-04-01: the year's last day is 2026-04-01 (a Wednesday); warned from 30 days
    # before it is over, that is from the end of 2 March
    f = facts(infringement_known_at=date(2025, 4, 1), application_received_at=None)
    assert_threshold("limitation_near", f, local(2026, 3, 3), "yellow", "handling")


def test_the_application_interrupts_the_limitation():
    """An application for mediation is a claim: the year runs again from it (art. 27(2))."""
    f = facts(infringement_known_at=date(2025, 4, 1))  # applied 2 March 2026
    result = run("limitation_near", f, local(2026, 3, 10))
    assert not result.fires
    # 2 March 2027 is the new last day; warned from the end of 31 January 2027
    assert result.wakes_at == local(2027, 2, 1)


def test_a_recorded_interruption_restarts_the_year():
    f = facts(
        infringement_known_at=date(2025, 4, 1),
        application_received_at=None,
        clock_adjustments={"limitation": {"restarted_on": "2025-10-15"}},
    )
    assert_threshold("limitation_near", f, local(2026, 9, 16), "yellow", "handling")


def test_a_suspension_pushes_the_limitation_by_the_days_suspended():
    f = facts(
        infringement_known_at=date(2025, 4, 1),
        application_received_at=None,
        clock_adjustments={"limitation": {"pauses": [["2025-06-01", "2025-06-11"]]}},
    )
    # last day 2026-04-11 (a Saturday) moves to Monday 13 April... but the warning counts back
    # from the legal last day: 30 days before 13 April is 14 March, so from 15 March
    assert_threshold("limitation_near", f, local(2026, 3, 15), "yellow", "handling")


def test_limitation_does_not_run_for_remuneration_during_employment():
    for status in (EmploymentStatus.ongoing, EmploymentStatus.unknown):
        f = facts(
            kind=CaseKind.arrears,
            category=Category.remuneration,
            employment_status=status,
            arrears_months=2,
            infringement_known_at=date(2025, 1, 1),
            application_received_at=None,
        )
        result = run("limitation_near", f, local(2026, 6, 1))
        assert not result.fires
        assert result.wakes_at is None


def test_limitation_runs_for_remuneration_from_the_end_of_employment():
    f = facts(
        kind=CaseKind.arrears,
        category=Category.remuneration,
        arrears_months=2,
        infringement_known_at=date(2024, 1, 1),  # not the base for remuneration
        employment_status=EmploymentStatus.ended,
        employment_ended_at=date(2025, 4, 1),
        application_received_at=None,
    )
    assert_threshold("limitation_near", f, local(2026, 3, 3), "yellow", "handling")


def test_the_wage_exception_follows_the_category_not_the_case_type():
    """An arrears case about, say, social insurance has the ordinary year."""
    f = facts(
        kind=CaseKind.arrears,
        category=Category.social_insurance,
        employment_status=EmploymentStatus.ongoing,
        infringement_known_at=date(2025, 4, 1),
        application_received_at=None,
    )
    assert_threshold("limitation_near", f, local(2026, 3, 3), "yellow", "handling")


def test_limitation_near_stops_once_closed():
    late = local(2026, 6, 1)
    for state in (State.closed,):
        f = facts(state=state, infringement_known_at=date(2025, 4, 1))
        assert not run("limitation_near", f, late).fires


# --- arbitration: when the worker may go to court ------------------------------------------------


def test_referral_stalled_when_the_commission_does_not_decide_within_five_days():
    # applied Friday 3 April 2026: five working days (4-6 April is the Qingming holiday) are
    # 7, 8, 9, 10 and 13 April; from 14 April, silence means the worker may sue
    f = facts(state=State.referred, arbitration_applied_on=date(2026, 4, 3))
    assert_threshold("referral_stalled", f, local(2026, 4, 14), "orange", "handling")


def test_appeal_due_soon_before_the_fifteen_days_to_sue_end():
    f = facts(
        state=State.referred,
        arbitration_applied_on=date(2026, 4, 3),
        arbitration_decision=ArbitrationDecision.accepted,
        arbitration_decided_on=date(2026, 4, 7),
        award_on=date(2026, 5, 20),
        award_final=False,
    )
    # received 20 May: 15 days end on 4 June; 5 days before, from the start of 31 May
    before = run("appeal_due_soon", f, local(2026, 5, 31) - SECOND)
    assert not before.fires and before.wakes_at == local(2026, 5, 31)
    assert fires(run("appeal_due_soon", f, local(2026, 5, 31)), "yellow", "handling")
    # once the time to sue is over the award has taken effect: nothing left to advise
    assert not run("appeal_due_soon", f, local(2026, 6, 6)).fires


def test_a_suspension_before_an_interruption_no_longer_counts():
    """The year starts again at the application: an earlier suspension does not push it."""
    f = facts(
        infringement_known_at=date(2025, 1, 10),
        application_received_at=local(2025, 6, 1, 10),
        clock_adjustments={"limitation": {"pauses": [["2025-02-01", "2025-04-02"]]}},
    )
    clock = clocks.limitation_clock(f, date(2025, 6, 2))
    assert clock.last_day == date(2026, 6, 1)


def test_the_limitation_runs_on_after_a_referral_until_the_workers_own_application():
    f = facts(state=State.referred, infringement_known_at=date(2025, 4, 1),
              application_received_at=None)  # fmt: skip
    assert_threshold("limitation_near", f, local(2026, 3, 3), "yellow", "handling")
    applied = facts(state=State.referred, infringement_known_at=date(2025, 4, 1),
                    application_received_at=None, arbitration_applied_on=date(2026, 2, 1))  # fmt: skip
    assert not run("limitation_near", applied, local(2026, 3, 10)).fires


def test_referral_stalled_at_once_when_the_commission_refuses():
    f = facts(
        state=State.referred,
        arbitration_applied_on=date(2026, 4, 3),
        arbitration_decision=ArbitrationDecision.refused,
        arbitration_decided_on=date(2026, 4, 7),
    )
    assert fires(run("referral_stalled", f, local(2026, 4, 7, 12)), "orange", "handling")


def test_referral_stalled_when_no_award_within_forty_five_days_of_acceptance():
    accepted = facts(
        state=State.referred,
        arbitration_applied_on=date(2026, 4, 3),
        arbitration_decision=ArbitrationDecision.accepted,
        arbitration_decided_on=date(2026, 4, 7),
    )
    # 7 April + 45 = 22 May (a Friday): from 23 May the worker may sue
    assert_threshold("referral_stalled", accepted, local(2026, 5, 23), "orange", "handling")
    extended = facts(
        **{**accepted.__dict__, "clock_adjustments": {"award": {"extended_to": "2026-06-05"}}}
    )
    assert_threshold("referral_stalled", extended, local(2026, 6, 6), "orange", "handling")
    awarded = facts(**{**accepted.__dict__, "award_on": date(2026, 5, 20), "award_final": False})
    assert not run("referral_stalled", awarded, local(2026, 6, 30)).fires


def test_referral_stalled_needs_an_application_to_the_commission():
    f = facts(state=State.referred, referral_target=ReferralTarget.arbitration)
    result = run("referral_stalled", f, local(2026, 12, 1))
    assert not result.fires and result.wakes_at is None


# --- evaluate -------------------------------------------------------------------------------------


def test_evaluate_a_quiet_new_case_raises_nothing_and_wakes_at_the_first_deadline():
    evaluation = rules.evaluate(facts(), RECEIVED, S)
    assert evaluation.alerts == []
    assert evaluation.next_check_at == local(2026, 3, 6)  # acceptance overdue, before the 15


def test_evaluate_next_check_is_the_earliest_rule_that_will_fire():
    accepted = facts(state=State.accepted)
    assert rules.evaluate(accepted, RECEIVED, S).next_check_at == local(2026, 3, 15)
    # once due soon has fired, the next moment is the overdue one
    day13 = RECEIVED + timedelta(days=13)
    evaluation = rules.evaluate(accepted, day13, S)
    assert evaluation.alerts == [
        AlertSpec("mediation_due_soon", Tier.grassroots, WarningLevel.blue)
    ]
    assert evaluation.next_check_at == local(2026, 3, 18)


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
    assert evaluation.next_check_at == local(2026, 4, 2)  # mediation stalled


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
    evaluation = rules.evaluate(f, local(2026, 3, 15, 12), S)
    assert set(evaluation.alerts) == {
        AlertSpec("mediation_due_soon", Tier.town, WarningLevel.blue),  # "handling" → town
        AlertSpec("collective", Tier.town, WarningLevel.yellow),
    }


def test_evaluate_addresses_alerts_of_a_city_handled_case_to_the_city():
    f = facts(state=State.accepted, handling_tier=Tier.city, workers_involved=10)
    evaluation = rules.evaluate(f, local(2026, 3, 18, 12), S)
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
