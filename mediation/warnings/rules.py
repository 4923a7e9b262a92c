"""The early-warning rules (docs/domain.md "Early warning") as pure functions.

Each rule looks at a case's facts, the clock and the settings, and answers whether its alert
should exist now and, if not yet, the moment it may start to (so the sweep knows when to look
again); a firing rule whose level grows with time (the months owed) also says when it may
change. Nothing here touches the database; `evaluate` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mediation.cases import arrears, clocks
from mediation.cases.clocks import (
    IN_MEDIATION,
    LIMITATION_RUNS,
    NOT_AGREED,
    Clock,
    ClockName,
    ClockState,
)
from mediation.cases.deadlines import local_midnight
from mediation.cases.enums import (
    ArbitrationDecision,
    CaseKind,
    Category,
    EmploymentStatus,
    ReferralTarget,
    ReopenReason,
    State,
    WarningLevel,
)
from mediation.core import calendar
from mediation.core.clock import local_date
from mediation.core.i18n import lazy_gettext
from mediation.core.periods import ends_at
from mediation.orgs.models import Tier

LEVELS = list(WarningLevel)
TIERS = list(Tier)


@dataclass(frozen=True)
class CaseFacts:
    """What the rules may know about a case."""

    state: State
    kind: CaseKind
    received_at: datetime
    handling_tier: Tier
    workers_involved: int = 1
    claim_amount_fen: int | None = None
    arrears_months: int | None = None
    owner_absconded: bool = False
    incident_in_progress: bool = False
    agreement_due_on: date | None = None
    infringement_known_at: date | None = None
    employment_ended_at: date | None = None
    referral_target: ReferralTarget | None = None
    state_changed_at: datetime | None = None
    # cases against the same enterprise received in the repeat window up to this one (itself too)
    recent_enterprise_cases: int = 1
    # what the clocks read (cases.clocks.ClockFacts; docs/domain.md "Clocks in detail")
    category: Category = Category.other
    application_received_at: datetime | None = None
    employment_status: EmploymentStatus = EmploymentStatus.unknown
    wages_unpaid_since: date | None = None
    wage_delay_until: date | None = None
    agreement_amount_fen: int | None = None
    instalments: list[dict[str, Any]] | None = None
    paid_amount_fen: int | None = None
    agreed_at: datetime | None = None
    defaulted_at: datetime | None = None
    arbitration_applied_on: date | None = None
    arbitration_decision: ArbitrationDecision | None = None
    arbitration_decided_on: date | None = None
    award_on: date | None = None
    award_final: bool | None = None
    reopened_at: datetime | None = None
    reopen_reason: ReopenReason | None = None
    clock_adjustments: dict[str, Any] | None = None
    # the planned completion of the construction project the case names, if it names one
    # (docs/enterprise-file.md "Construction projects")
    project_completion_on: date | None = None
    on_project: bool = False

    @property
    def reported_at(self) -> datetime:
        return self.received_at


@dataclass(frozen=True, order=True)
class AlertSpec:
    rule: str
    target_tier: Tier
    level: WarningLevel


@dataclass
class Evaluation:
    alerts: list[AlertSpec]
    next_check_at: datetime | None


@dataclass(frozen=True)
class RuleResult:
    fires: bool
    level: WarningLevel | None = None
    target: str | None = None
    # when a rule not firing now may start to, or None if only a change of facts can make it fire;
    # for a firing rule, when its level or target may change with time alone (the months owed)
    wakes_at: datetime | None = None


NOT_FIRING = RuleResult(False)


def _at(moment: datetime, now: datetime, level: str, target: str) -> RuleResult:
    if now >= moment:
        return RuleResult(True, WarningLevel(level), target)
    return RuleResult(False, wakes_at=moment)


def _fixed(condition: bool, cfg: dict) -> RuleResult:
    return RuleResult(True, WarningLevel(cfg["level"]), cfg["target"]) if condition else NOT_FIRING


# --- time-driven rules: they read the case's clocks (cases/clocks.py) --------------------------


def _clock_end(clock: Clock | None, now: datetime, cfg: dict, days_before: int = 0) -> RuleResult:
    """Fire once a running clock's last day is over (or `days_before` it); a paused clock fires
    nothing and wakes on its planned resume day."""
    if clock is None:
        return NOT_FIRING
    if clock.state == ClockState.paused:
        wake = local_midnight(clock.resume_on) if clock.resume_on else None
        return RuleResult(False, wakes_at=wake)
    if clock.state != ClockState.running or clock.last_day is None:
        return NOT_FIRING
    moment = ends_at(clock.last_day - timedelta(days=days_before))
    return _at(moment, now, cfg["level"], cfg["target"])


def acceptance_overdue(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Reported and not accepted within N working days of the report (a local rule; holidays
    and 调休 counted; paused while waiting on a party)."""
    if f.state != State.reported:
        return NOT_FIRING
    return _clock_end(clocks.acceptance_clock(f, cfg["working_days"], local_date(now)), now, cfg)


def mediation_due_soon(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Not yet agreed some days before the mediation period's legal last day."""
    if f.state not in NOT_AGREED:
        return NOT_FIRING
    clock = clocks.mediation_clock(f, local_date(now))
    return _clock_end(clock, now, cfg, days_before=cfg["days_before"])


def mediation_overdue(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """The 15 days (or the agreed extension) are over while accepted or mediating (LDMAL
    art. 14): record the extension or end the mediation."""
    if f.state not in IN_MEDIATION:
        return NOT_FIRING
    return _clock_end(clocks.mediation_clock(f, local_date(now)), now, cfg)


def mediation_stalled(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Still no agreement long after the report (a local supervision rule)."""
    if f.state not in NOT_AGREED:
        return NOT_FIRING
    return _clock_end(clocks.supervision_clock(f, cfg["days"], local_date(now)), now, cfg)


def agreement_default(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """A default is per instalment (docs/domain.md "The mediation agreement"): the day after
    the first instalment whose running total exceeds what was paid (`paid_amount_fen`), plus the
    grace days. An agreement paid once is one instalment of its amount by its due date; one
    without an amount defaults on its due date alone. Everything paid: nothing left to fire."""
    if f.state != State.agreement:
        return NOT_FIRING
    schedule: list[tuple[date, int | None]]
    if f.instalments:
        schedule = [
            (date.fromisoformat(str(row["due_on"])), int(row["amount_fen"]))
            for row in f.instalments
        ]
    elif f.agreement_due_on is not None:
        schedule = [(f.agreement_due_on, f.agreement_amount_fen)]
    else:
        return NOT_FIRING
    paid, owed = f.paid_amount_fen or 0, 0
    unpaid: date | None = None
    for due_on, amount in schedule:
        if amount is None:
            unpaid = due_on
            break
        owed += amount
        if owed > paid:
            unpaid = due_on
            break
    if unpaid is None:
        return NOT_FIRING
    moment = local_midnight(unpaid + timedelta(days=cfg["grace_days"] + 1))
    return _at(moment, now, cfg["level"], cfg["target"])


def limitation_near(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Some days before the limitation year runs out (interruptions and suspensions counted),
    while the case has not reached arbitration."""
    if f.state not in LIMITATION_RUNS:
        return NOT_FIRING
    clock = clocks.limitation_clock(f, local_date(now))
    return _clock_end(clock, now, cfg, days_before=cfg["days_before"])


def referral_stalled(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """The worker may now go to court (LDMAL arts. 29, 43): the commission refused the case,
    did not decide on acceptance within 5 days, or gave no award in time. The handling union
    must advise the worker now. (The design's code for the stalled referral, whose fixed 60
    days this replaces: alerts and settings stored under it carry on.)"""
    if not State(f.state).is_open or f.arbitration_applied_on is None:
        return NOT_FIRING
    if f.arbitration_decision == ArbitrationDecision.refused:
        return RuleResult(True, WarningLevel(cfg["level"]), cfg["target"])
    wakes = []
    for clock in clocks.arbitration_clocks(f, local_date(now)):
        if clock.name in (ClockName.arbitration_acceptance, ClockName.award):
            result = _clock_end(clock, now, cfg)
            if result.fires:
                return result
            if result.wakes_at:
                wakes.append(result.wakes_at)
    return RuleResult(False, wakes_at=min(wakes) if wakes else None)


def appeal_due_soon(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Some days before the time to sue against the award ends (LDMAL arts. 48-50): the union
    advises the worker whether to sue. Until the case is closed."""
    if not State(f.state).is_open or f.award_on is None:
        return NOT_FIRING
    appeal = clocks.clock_named(clocks.arbitration_clocks(f, local_date(now)), ClockName.appeal)
    return _clock_end(appeal, now, cfg, days_before=cfg["days_before"])


# --- fact-driven rules (fire inside the transaction that records the fact) ----------------------


def collective(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """10 or more workers with a common claim (LDMAL art. 7)."""
    return _fixed(f.workers_involved >= cfg["workers"], cfg)


def major_collective(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """City key monitoring: many workers or a large amount."""
    big_claim = (f.claim_amount_fen or 0) >= cfg["claim_yuan"] * 100
    return _fixed(f.workers_involved >= cfg["workers"] or big_claim, cfg)


def _months_owed(f: CaseFacts, today: date) -> tuple[int | None, date | None]:
    """The months of wages owed today and the next pay day, when the first unpaid pay day is
    known (they grow: docs/domain.md "Wage arrears"); else the months reported at registration
    and no day on which they change."""
    if f.wages_unpaid_since is not None:
        since = f.wages_unpaid_since
        return arrears.months_owed(since, today), arrears.next_pay_day(since, today)
    return f.arrears_months, None


def spring_festival_window(today: date, weeks: int) -> tuple[date, date]:
    """The first and last day of the window before the next Spring Festival: `weeks` weeks
    up to its eve (the festival itself past, the next year's). For 2027 (festival on
    6 February) and 8 weeks: 12 December 2026 to 5 February 2027."""
    festival = calendar.spring_festival(today.year)
    if festival <= today:
        festival = calendar.spring_festival(today.year + 1)
    return festival - timedelta(weeks=weeks), festival - timedelta(days=1)


def festival_raise(f: CaseFacts, now: datetime, cfg: dict, result: RuleResult) -> RuleResult:
    """An arrears case on a construction project near completion, in the window before the
    Spring Festival, is raised one level (docs/enterprise-file.md "Construction projects"):
    the winter campaign's peak. The result wakes when the raise starts or ends."""
    if not result.fires or not f.on_project or f.project_completion_on is None:
        return result
    assert result.level is not None
    today = local_date(now)
    first, last = spring_festival_window(today, cfg["festival_weeks_before"])
    begins = max(first, f.project_completion_on - timedelta(days=cfg["near_completion_days"]))
    wakes = [result.wakes_at] if result.wakes_at is not None else []
    if begins <= today <= last:
        wakes.append(local_midnight(last + timedelta(days=1)))
        return RuleResult(True, next_level(result.level), result.target, min(wakes))
    wakes.append(
        local_midnight(begins if begins > today and begins <= last else last + timedelta(days=1))
    )
    return RuleResult(True, result.level, result.target, min(wakes))


def arrears_duration(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Months in arrears, raised one level on a project near completion before the Spring
    Festival (`festival_raise`)."""
    return festival_raise(f, now, cfg, _arrears_duration(f, now, cfg))


def _arrears_duration(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Months in arrears: up to the orange threshold yellow/town, above it orange/town, above
    the red threshold red/city. Counted from the first unpaid pay day when it is known, so the
    rule wakes on the next pay day and the level climbs with time; silent up to and including
    the last day of a delay agreed with the union."""
    if f.kind != CaseKind.arrears:
        return NOT_FIRING
    today = local_date(now)
    if f.wage_delay_until is not None and today <= f.wage_delay_until:
        return RuleResult(False, wakes_at=local_midnight(f.wage_delay_until + timedelta(days=1)))
    months, next_pay_day = _months_owed(f, today)
    wakes_at = None if next_pay_day is None else local_midnight(next_pay_day)
    if months is None:
        return NOT_FIRING
    if f.wages_unpaid_since is not None and months == 0:  # the first pay day is still to come
        return RuleResult(False, wakes_at=wakes_at)
    if months > cfg["red_above_months"]:
        return RuleResult(True, WarningLevel.red, Tier.city.value)  # the top: nothing to wait for
    if months > cfg["orange_above_months"]:
        return RuleResult(True, WarningLevel.orange, Tier.town.value, wakes_at)
    return RuleResult(True, WarningLevel.yellow, Tier.town.value, wakes_at)


def criminal_threshold(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """The amounts of the crime of refusing to pay labour remuneration (Criminal Law art. 276-1;
    the Supreme People's Court's interpretation of 2013, art. 3, whose ranges each province
    fixes): one worker owed `single_worker_yuan` for `single_worker_months` or more, or
    `group_workers` or more owed `group_yuan` in total. The amount is the claim; with several
    workers one of them is owed at least the average, so an average at the single-worker
    amount is enough. The crime also needs an employer who hid or fled, or who could pay and
    did not after an official order: the alert asks for a referral, it does not decide."""
    if f.kind != CaseKind.arrears and f.category != Category.remuneration:
        return NOT_FIRING
    owed_fen = f.claim_amount_fen or 0
    if owed_fen <= 0:
        return NOT_FIRING
    workers = max(f.workers_involved, 1)
    if workers >= cfg["group_workers"] and owed_fen >= cfg["group_yuan"] * 100:
        return _fixed(True, cfg)
    if owed_fen < cfg["single_worker_yuan"] * 100 * workers:
        return NOT_FIRING
    months, _ = _months_owed(f, local_date(now))
    if months is None:
        return NOT_FIRING
    if months >= cfg["single_worker_months"]:
        return _fixed(True, cfg)
    if f.wages_unpaid_since is None:
        return NOT_FIRING
    day = arrears.day_owing(f.wages_unpaid_since, cfg["single_worker_months"])
    return RuleResult(False, wakes_at=local_midnight(day))


def provincial_key(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Provincial key monitoring: more workers or a larger amount than the city's (reported to
    the provincial federation)."""
    big_claim = (f.claim_amount_fen or 0) >= cfg["claim_yuan"] * 100
    return _fixed(f.workers_involved >= cfg["workers"] or big_claim, cfg)


def owner_absconded(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """An absconded or unreachable owner, or an incident in progress: red at once."""
    return _fixed(f.owner_absconded or f.incident_in_progress, cfg)


def repeat_enterprise(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Repeated complaints against one enterprise within the window."""
    return _fixed(f.recent_enterprise_cases >= cfg["cases"], cfg)


Rule = Callable[[CaseFacts, datetime, dict], RuleResult]
RULES: dict[str, Rule] = {
    "acceptance_overdue": acceptance_overdue,
    "mediation_due_soon": mediation_due_soon,
    "mediation_overdue": mediation_overdue,
    "mediation_stalled": mediation_stalled,
    "agreement_default": agreement_default,
    "collective": collective,
    "major_collective": major_collective,
    "arrears_duration": arrears_duration,
    "criminal_threshold": criminal_threshold,
    "provincial_key": provincial_key,
    "owner_absconded": owner_absconded,
    "repeat_enterprise": repeat_enterprise,
    "limitation_near": limitation_near,
    "referral_stalled": referral_stalled,
    "appeal_due_soon": appeal_due_soon,
}
RULE_LABELS = {
    "acceptance_overdue": lazy_gettext("Not accepted in time (local rule)"),
    "mediation_due_soon": lazy_gettext("Mediation period ending soon"),
    "mediation_overdue": lazy_gettext(
        "Mediation period over: record the extension or end the mediation"
    ),
    "mediation_stalled": lazy_gettext("Mediation long unresolved (local rule)"),
    "agreement_default": lazy_gettext("Mediation agreement not performed in time"),
    "collective": lazy_gettext("Collective dispute"),
    "major_collective": lazy_gettext("Major collective dispute"),
    "arrears_duration": lazy_gettext("Long wage arrears"),
    "criminal_threshold": lazy_gettext(
        "Possible refusal to pay labour remuneration: refer to labour inspection and public"
        " security"
    ),
    "provincial_key": lazy_gettext(
        "Provincial key monitoring: report to the provincial federation"
    ),
    "owner_absconded": lazy_gettext("Owner absconded / mass incident"),
    "repeat_enterprise": lazy_gettext("Repeated complaints against one employer"),
    "limitation_near": lazy_gettext("Arbitration limitation ending soon"),
    "referral_stalled": lazy_gettext("The worker may now go to court: advise the worker"),
    "appeal_due_soon": lazy_gettext(
        "The time to sue against the award ends soon: advise the worker"
    ),
    "mass_incident": lazy_gettext("Mass incident"),
    "incident_reports": lazy_gettext("Mass incident report chain"),
    "incident_verbal_overdue": lazy_gettext("Mass incident: initial verbal report overdue"),
    "incident_written_overdue": lazy_gettext("Mass incident: written report overdue"),
    "incident_follow_up_overdue": lazy_gettext("Mass incident: daily follow-up report overdue"),
    "incident_final_overdue": lazy_gettext("Mass incident: final report overdue"),
    "project_wage_account": lazy_gettext("Construction project without a dedicated wage account"),
    "project_wage_deposit": lazy_gettext("Construction project without a wage deposit"),
    "project_payroll_late": lazy_gettext("Construction project's payroll more than a month late"),
    "notice_overdue": lazy_gettext("Supervision notice: rectification overdue"),
    "unacknowledged": lazy_gettext("Alert not acknowledged, escalated"),
    "manual_escalation": lazy_gettext("Escalated manually by an officer"),
}

# Rules raised by people, not by `evaluate`: the engine never resolves their alerts while the
# case is open (no condition of theirs can "clear"); they stay until acknowledged, and resolve
# with the case's other alerts when it closes.
MANUAL_ESCALATION = "manual_escalation"
MANUAL_RULES = frozenset({MANUAL_ESCALATION})


def effective_tier(target: str, handling_tier: Tier) -> Tier:
    """`handling` means the handling org's own tier; a target below the handling org's tier is
    the handling org itself (it is already at or above it)."""
    tier = handling_tier if target == "handling" else Tier(target)
    return max(tier, handling_tier, key=lambda t: t.rank)


def evaluate(facts: CaseFacts, now: datetime, settings: dict[str, dict]) -> Evaluation:
    """All rules for one case: the alerts that should be open now, and when to look again."""
    if not State(facts.state).is_open:
        return Evaluation([], None)
    alerts, wakes = [], []
    for code, rule in RULES.items():
        result = rule(facts, now, settings[code])
        if result.fires:
            # a firing rule always says at which level and to whom
            assert result.level is not None and result.target is not None
            tier = effective_tier(result.target, facts.handling_tier)
            alerts.append(AlertSpec(code, tier, result.level))
        if result.wakes_at is not None:
            wakes.append(result.wakes_at)
    return Evaluation(sorted(alerts), min(wakes) if wakes else None)


# --- climbing: an alert nobody acknowledged goes one tier up, one level higher -----------------


def next_tier(tier: Tier) -> Tier | None:
    index = TIERS.index(tier)
    return TIERS[index + 1] if index + 1 < len(TIERS) else None


def next_level(level: WarningLevel) -> WarningLevel:
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]


def acknowledgement_window(level: WarningLevel, settings: dict[str, dict]) -> timedelta:
    """How long an alert of this level waits for its acknowledgement before it climbs
    (`unacknowledged.red_hours` for a red one, `unacknowledged.hours` otherwise)."""
    cfg = settings["unacknowledged"]
    return timedelta(hours=cfg["red_hours"] if level == WarningLevel.red else cfg["hours"])


def acknowledgement_deadline(
    level: WarningLevel, target_tier: Tier, raised_at: datetime, settings: dict[str, dict]
) -> datetime | None:
    """When an unacknowledged alert climbs, or None at the top tier."""
    if next_tier(target_tier) is None:
        return None
    return raised_at + acknowledgement_window(level, settings)


def climbs_at(
    status: str,
    level: WarningLevel,
    target_tier: Tier,
    raised_at: datetime,
    settings: dict[str, dict],
) -> datetime | None:
    """When this alert climbs to the next tier if nobody acknowledges it: the engine's climb
    and the inbox's "climbs in N h" / "overdue by N h" both read it (docs/alert-inbox.md).
    None for an alert already acknowledged or resolved, and at the top tier."""
    if status != "open":
        return None
    return acknowledgement_deadline(WarningLevel(level), Tier(target_tier), raised_at, settings)


def max_level(levels: Iterable[str | None]) -> WarningLevel | None:
    present = [WarningLevel(lv) for lv in levels if lv is not None]
    return max(present, key=LEVELS.index) if present else None
