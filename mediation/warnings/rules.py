"""The early-warning rules (docs/domain.md "Early warning") as pure functions.

Each rule looks at a case's facts, the clock and the settings, and answers whether its alert
should exist now and, if not yet, the moment it may start to (so the sweep knows when to look
again). Nothing here touches the database; `evaluate` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mediation.cases.deadlines import (
    IN_MEDIATION,
    LIMITATION_RUNS,
    NOT_AGREED,
    limitation_date,
    local_midnight,
)
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
from mediation.core.calendar import add_working_days
from mediation.core.clock import local_date
from mediation.core.i18n import lazy_gettext
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
    # when a rule not firing now may start to, or None if only a change of facts can make it fire
    wakes_at: datetime | None = None


NOT_FIRING = RuleResult(False)


def _at(moment: datetime, now: datetime, level: str, target: str) -> RuleResult:
    if now >= moment:
        return RuleResult(True, WarningLevel(level), target)
    return RuleResult(False, wakes_at=moment)


def _fixed(condition: bool, cfg: dict) -> RuleResult:
    return RuleResult(True, WarningLevel(cfg["level"]), cfg["target"]) if condition else NOT_FIRING


# --- time-driven rules --------------------------------------------------------------------------


def acceptance_overdue(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Reported and not accepted within N working days of receipt (holidays and 调休 counted)."""
    if f.state != State.reported:
        return NOT_FIRING
    last_day = add_working_days(local_date(f.received_at), cfg["working_days"])
    return _at(local_midnight(last_day + timedelta(days=1)), now, cfg["level"], cfg["target"])


def _days_after_receipt(
    f: CaseFacts, now: datetime, cfg: dict, states: Collection[State]
) -> RuleResult:
    if f.state not in states:
        return NOT_FIRING
    return _at(f.received_at + timedelta(days=cfg["days"]), now, cfg["level"], cfg["target"])


def mediation_due_soon(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Not yet agreed some days before the statutory 15 (calendar days from receipt)."""
    return _days_after_receipt(f, now, cfg, NOT_AGREED)


def mediation_overdue(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """No agreement 15 days after receipt while accepted or mediating (LDMAL art. 14)."""
    return _days_after_receipt(f, now, cfg, IN_MEDIATION)


def mediation_stalled(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Still no agreement long after receipt."""
    return _days_after_receipt(f, now, cfg, NOT_AGREED)


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
    """Some days before the limitation runs out, while the case has not reached arbitration."""
    if f.state not in LIMITATION_RUNS:
        return NOT_FIRING
    ends = limitation_date(f, cfg["limitation_days"])
    if ends is None:
        return NOT_FIRING
    moment = local_midnight(ends - timedelta(days=cfg["days_before"]))
    return _at(moment, now, cfg["level"], cfg["target"])


def referral_stalled(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Referred to arbitration and no ruling recorded long after."""
    if f.state != State.referred or f.referral_target != ReferralTarget.arbitration:
        return NOT_FIRING
    since = f.state_changed_at or f.received_at
    return _at(since + timedelta(days=cfg["days"]), now, cfg["level"], cfg["target"])


# --- fact-driven rules (fire inside the transaction that records the fact) ----------------------


def collective(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """10 or more workers with a common claim (LDMAL art. 7)."""
    return _fixed(f.workers_involved >= cfg["workers"], cfg)


def major_collective(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """City key monitoring: many workers or a large amount."""
    big_claim = (f.claim_amount_fen or 0) >= cfg["claim_yuan"] * 100
    return _fixed(f.workers_involved >= cfg["workers"] or big_claim, cfg)


def arrears_duration(f: CaseFacts, now: datetime, cfg: dict) -> RuleResult:
    """Months in arrears: up to the orange threshold yellow/town, above it orange/town, above
    the red threshold red/city."""
    if f.kind != CaseKind.arrears or f.arrears_months is None:
        return NOT_FIRING
    if f.arrears_months > cfg["red_above_months"]:
        return RuleResult(True, WarningLevel.red, Tier.city.value)
    if f.arrears_months > cfg["orange_above_months"]:
        return RuleResult(True, WarningLevel.orange, Tier.town.value)
    return RuleResult(True, WarningLevel.yellow, Tier.town.value)


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
    "owner_absconded": owner_absconded,
    "repeat_enterprise": repeat_enterprise,
    "limitation_near": limitation_near,
    "referral_stalled": referral_stalled,
}
RULE_LABELS = {
    "acceptance_overdue": lazy_gettext("Not accepted in time"),
    "mediation_due_soon": lazy_gettext("Mediation period ending soon"),
    "mediation_overdue": lazy_gettext("Mediation period exceeded"),
    "mediation_stalled": lazy_gettext("Mediation long unresolved"),
    "agreement_default": lazy_gettext("Mediation agreement not performed in time"),
    "collective": lazy_gettext("Collective dispute"),
    "major_collective": lazy_gettext("Major collective dispute"),
    "arrears_duration": lazy_gettext("Long wage arrears"),
    "owner_absconded": lazy_gettext("Owner absconded / mass incident"),
    "repeat_enterprise": lazy_gettext("Repeated complaints against one employer"),
    "limitation_near": lazy_gettext("Arbitration limitation ending soon"),
    "referral_stalled": lazy_gettext("Arbitration referral long undecided"),
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
        elif result.wakes_at is not None:
            wakes.append(result.wakes_at)
    return Evaluation(sorted(alerts), min(wakes) if wakes else None)


# --- climbing: an alert nobody acknowledged goes one tier up, one level higher -----------------


def next_tier(tier: Tier) -> Tier | None:
    index = TIERS.index(tier)
    return TIERS[index + 1] if index + 1 < len(TIERS) else None


def next_level(level: WarningLevel) -> WarningLevel:
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]


def acknowledgement_deadline(
    level: WarningLevel, target_tier: Tier, raised_at: datetime, settings: dict[str, dict]
) -> datetime | None:
    """When an unacknowledged alert climbs, or None at the top tier."""
    if next_tier(target_tier) is None:
        return None
    cfg = settings["unacknowledged"]
    hours = cfg["red_hours"] if level == WarningLevel.red else cfg["hours"]
    return raised_at + timedelta(hours=hours)


def max_level(levels: Iterable[str | None]) -> WarningLevel | None:
    present = [WarningLevel(lv) for lv in levels if lv is not None]
    return max(present, key=LEVELS.index) if present else None
