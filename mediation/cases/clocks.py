"""The clocks of a case (docs/domain.md "Clocks in detail", docs/clocks.md): the statutory
periods and the local supervision windows, each with its start, its state and its legal last
day, counted as the Civil Code counts (`core.periods`).

`CLOCKS` is the one table: for each clock whether the law sets it, the events a person may
record on it (interrupt, suspend, resume, extend) and its basis. The case page's deadline
panel, the API (`GET /api/v1/cases/{id}/clocks`), the warning rules and docs/clocks.md all read
it. `case_clocks` computes the clocks from a case's facts (a `Case` or the rules' `CaseFacts`)
and its `clock_adjustments`, which `clock_events.record_clock_event` keeps from the clock events
on the timeline; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from flask_babel.speaklater import LazyString

from mediation.cases.enums import (
    ArbitrationDecision,
    CaseKind,
    Category,
    EmploymentStatus,
    ReferralTarget,
    ReopenReason,
    State,
)
from mediation.core import periods
from mediation.core.calendar import (
    add_working_days_checked,
    has_official_schedule,
    is_working_day,
)
from mediation.core.clock import local_date
from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext

# --- the law's numbers: not settings (issue 18 point 10; shown read-only on the rules page) ---
MEDIATION_DAYS = 15  # LDMAL art. 14: from the mediation body's receipt of the application
LIMITATION_YEARS = 1  # LDMAL art. 27
# LDMAL art. 29; the arbitration procedure rules (劳动人事争议仲裁办案规则 2017, art. 81) count
# their "five days" as working days
ARBITRATION_ACCEPTANCE_DAYS = 5
AWARD_DAYS = 45  # LDMAL art. 43: from acceptance
AWARD_EXTENSION_MAX_DAYS = 15  # LDMAL art. 43: once, with written notice
APPEAL_DAYS = 15  # LDMAL arts. 48, 50: sue within 15 days of receiving the award
SET_ASIDE_DAYS = 30  # LDMAL art. 49: the employer against a final award

NOT_AGREED = (State.reported, State.accepted, State.mediating)
IN_MEDIATION = (State.accepted, State.mediating)
# a referral by the union is not the worker's own application to the commission: the year runs
# on until that application is recorded (`arbitration_applied_on`)
LIMITATION_RUNS = (
    State.reported, State.accepted, State.mediating, State.agreement, State.failed,
    State.referred,
)  # fmt: skip


class ClockName(LabelledEnum):
    acceptance = "acceptance"
    supervision = "supervision"
    mediation = "mediation"
    limitation = "limitation"
    agreement = "agreement"
    arbitration_acceptance = "arbitration_acceptance"
    award = "award"
    appeal = "appeal"


class ClockState(LabelledEnum):
    not_started = "not_started"
    running = "running"
    paused = "paused"
    ended = "ended"


class ClockEventKind(LabelledEnum):
    interrupt = "interrupt"
    suspend = "suspend"
    resume = "resume"
    extend = "extend"


@dataclass(frozen=True)
class ClockRule:
    name: ClockName
    statutory: bool
    events: frozenset[ClockEventKind]
    basis: LazyString
    # an extension needs both parties' consent (the mediation period, LDMAL art. 14)
    extension_needs_consent: bool = False


E = ClockEventKind
PAUSABLE = frozenset({E.suspend, E.resume})
CLOCKS: tuple[ClockRule, ...] = (
    ClockRule(ClockName.acceptance, False, PAUSABLE,
              lazy_gettext("Local rule: decide on acceptance within the set working days of the report")),
    ClockRule(ClockName.supervision, False, PAUSABLE,
              lazy_gettext("Local rule: supervision when no agreement is reached within the set days of the report")),
    ClockRule(ClockName.mediation, True, frozenset({E.extend}),
              lazy_gettext("LDMAL art. 14: 15 days from the receipt of the application; longer only if both parties agree"),
              extension_needs_consent=True),
    ClockRule(ClockName.limitation, True, frozenset({E.interrupt, E.suspend, E.resume}),
              lazy_gettext("LDMAL art. 27: one year from when the worker knew of the infringement; interrupted and suspended as the law says")),
    ClockRule(ClockName.agreement, False, frozenset(),
              lazy_gettext("The payment dates of the mediation agreement")),
    ClockRule(ClockName.arbitration_acceptance, True, frozenset(),
              lazy_gettext("LDMAL art. 29: the commission decides on acceptance within 5 (working) days")),
    ClockRule(ClockName.award, True, frozenset({E.extend}),
              lazy_gettext("LDMAL art. 43: award within 45 days of acceptance, extendable once by at most 15 days")),
    ClockRule(ClockName.appeal, True, frozenset(),
              lazy_gettext("LDMAL arts. 47-50: sue within 15 days of the award; against a final award the employer may apply to set it aside within 30 days")),
)  # fmt: skip
CLOCK_RULES: dict[ClockName, ClockRule] = {c.name: c for c in CLOCKS}

set_labels(
    {
        ClockName.acceptance: lazy_gettext("Acceptance (local rule)"),
        ClockName.supervision: lazy_gettext("Supervision of mediation (local rule)"),
        ClockName.mediation: lazy_gettext("Mediation period"),
        ClockName.limitation: lazy_gettext("Arbitration limitation"),
        ClockName.agreement: lazy_gettext("Performance of the agreement"),
        ClockName.arbitration_acceptance: lazy_gettext("Arbitration: decision on acceptance"),
        ClockName.award: lazy_gettext("Arbitration award"),
        ClockName.appeal: lazy_gettext("Suing against the award"),
        ClockState.not_started: lazy_gettext("Not started"),
        ClockState.running: lazy_gettext("Running"),
        ClockState.paused: lazy_gettext("Paused"),
        ClockState.ended: lazy_gettext("Ended"),
        ClockEventKind.interrupt: lazy_gettext("Interrupt (starts again)"),
        ClockEventKind.suspend: lazy_gettext("Suspend (pause)"),
        ClockEventKind.resume: lazy_gettext("Resume"),
        ClockEventKind.extend: lazy_gettext("Extend"),
    }
)


class ClockFacts(Protocol):
    """What the clocks depend on: a `Case`, or the warning rules' facts of one."""

    @property
    def state(self) -> State: ...
    @property
    def kind(self) -> CaseKind: ...
    @property
    def category(self) -> Category: ...
    @property
    def reported_at(self) -> datetime: ...
    @property
    def application_received_at(self) -> datetime | None: ...
    @property
    def infringement_known_at(self) -> date | None: ...
    @property
    def employment_status(self) -> EmploymentStatus: ...
    @property
    def employment_ended_at(self) -> date | None: ...
    @property
    def agreed_at(self) -> datetime | None: ...
    @property
    def agreement_due_on(self) -> date | None: ...
    @property
    def instalments(self) -> list[dict[str, Any]] | None: ...
    @property
    def paid_amount_fen(self) -> int | None: ...
    @property
    def referral_target(self) -> ReferralTarget | None: ...
    @property
    def arbitration_applied_on(self) -> date | None: ...
    @property
    def arbitration_decision(self) -> ArbitrationDecision | None: ...
    @property
    def arbitration_decided_on(self) -> date | None: ...
    @property
    def award_on(self) -> date | None: ...
    @property
    def award_final(self) -> bool | None: ...
    @property
    def reopened_at(self) -> datetime | None: ...
    @property
    def reopen_reason(self) -> ReopenReason | None: ...
    @property
    def clock_adjustments(self) -> dict[str, Any] | None: ...


@dataclass
class Clock:
    """One clock of one case, as of a day."""

    name: ClockName
    state: ClockState
    started_on: date | None = None
    last_day: date | None = None
    provisional: bool = False
    paused_since: date | None = None
    resume_on: date | None = None
    # the legal last day before an extension or a pause moved it
    original_last_day: date | None = None
    extended_to: date | None = None
    # why there is no last day, or what else the clock tells (shown beside it)
    note: LazyString | None = None
    # a second last day that follows from the same start (a final award: the employer's 30 days)
    other_last_day: date | None = None
    unknown: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rule(self) -> ClockRule:
        return CLOCK_RULES[self.name]

    @property
    def ends_at(self) -> datetime | None:
        """The first moment after the last day (24:00 of it), or None."""
        return None if self.last_day is None else periods.ends_at(self.last_day)

    @property
    def is_running(self) -> bool:
        return self.state == ClockState.running

    def allowed_events(self) -> list[ClockEventKind]:
        """The events the law allows on this clock now."""
        allowed = self.rule.events
        if self.state == ClockState.paused:
            return [E.resume] if E.resume in allowed else []
        if self.state != ClockState.running:
            return []
        now_allowed: list[ClockEventKind] = [
            k for k in (E.interrupt, E.suspend, E.extend) if k in allowed
        ]
        if self.name == ClockName.award and self.extended_to is not None:
            now_allowed.remove(E.extend)  # once only
        return now_allowed

    def days_left(self, today: date) -> int | None:
        return None if self.last_day is None else (self.last_day - today).days


# --- adjustments: the materialised effect of the clock events (see clock_events) -------------


def adjustment(f: ClockFacts, name: ClockName) -> dict[str, Any]:
    return dict((f.clock_adjustments or {}).get(name.value) or {})


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


@dataclass(frozen=True)
class Pause:
    """A clock's pauses as of a day: the finished ones as [since, until) intervals, and the open
    one (since, and the day it runs again by itself, if planned)."""

    intervals: tuple[tuple[date, date], ...]
    since: date | None
    resume_on: date | None

    def days_after(self, start: date, today: date) -> int:
        """Days paused from `start` on (a pause before an interruption no longer counts), the
        open pause counted up to `today`."""
        spans = [*self.intervals, *([(self.since, today)] if self.since else [])]
        return sum(max(0, (until - max(since, start)).days) for since, until in spans)

    def covers(self, day: date, today: date) -> bool:
        spans = [*self.intervals, *([(self.since, today)] if self.since else [])]
        return any(since <= day < until for since, until in spans)


def pause_of(adj: dict[str, Any], today: date) -> Pause:
    """The pauses recorded in a clock's adjustments (`pauses`: finished [since, until) pairs;
    `paused_since`, `resume_on`: the open one). An open pause whose planned resume day has come
    counts as finished on that day (the sweep wakes the case then)."""
    intervals = [(_day(a), _day(b)) for a, b in adj.get("pauses") or []]
    since, resume_on = _day(adj.get("paused_since")), _day(adj.get("resume_on"))
    if since is not None and resume_on is not None and resume_on <= today:
        intervals.append((since, resume_on))
        since = resume_on = None
    return Pause(tuple(i for i in intervals if i[0] and i[1]), since, resume_on)  # type: ignore[misc]


def _paused_clock(
    name: ClockName, started: date, last_day: date, pause: Pause, today: date, **kw: Any
) -> Clock:
    """A clock counted in calendar days: the days paused since it started push its last day
    later; while paused, it shows the last day it would have if it resumed today."""
    pushed = pause.days_after(started, today)
    return Clock(
        name,
        ClockState.paused if pause.since else ClockState.running,
        started,
        last_day + timedelta(days=pushed),
        original_last_day=last_day if pushed else None,
        paused_since=pause.since,
        resume_on=pause.resume_on,
        **kw,
    )


def _working_days_after(start: date, days: int, pause: Pause, today: date) -> date:
    """The day `days` working days after `start`, the paused days not counted: a working-day
    clock stopped by a pause goes on counting working days after it, so it never ends on a
    rest day."""
    current, remaining = start, days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current) and not pause.covers(current, today):
            remaining -= 1
    return current


def _restart(f: ClockFacts) -> datetime | None:
    """The reopening the clocks start again from (older deadlines no longer fire)."""
    return f.reopened_at


def _provisional(*days: date | None) -> bool:
    return any(d is not None and not has_official_schedule(d.year) for d in days)


# --- the clocks -------------------------------------------------------------------------------


def acceptance_clock(f: ClockFacts, working_days: int, today: date) -> Clock | None:
    """Local rule: accept or reject within N working days of the report."""
    if f.reopened_at is not None and f.state != State.reported:
        return None
    start = local_date(f.reported_at)
    if f.state != State.reported:
        return Clock(ClockName.acceptance, ClockState.ended, start)
    last, provisional = add_working_days_checked(start, working_days)
    pause = pause_of(adjustment(f, ClockName.acceptance), today)
    pushed = _working_days_after(start, working_days, pause, today)
    return Clock(
        ClockName.acceptance,
        ClockState.paused if pause.since else ClockState.running,
        start,
        pushed,
        provisional=provisional or _provisional(pushed),
        original_last_day=last if pushed != last else None,
        paused_since=pause.since,
        resume_on=pause.resume_on,
    )


def supervision_clock(f: ClockFacts, days: int, today: date) -> Clock | None:
    """Local rule: supervision when a case stays without agreement N days after the report
    (or after its reopening)."""
    restart = _restart(f)
    start = local_date(restart or f.reported_at)
    if f.state not in NOT_AGREED:
        return Clock(ClockName.supervision, ClockState.ended, start)
    if restart is not None and f.reopen_reason == ReopenReason.enforcement_only:
        return None
    last = start + timedelta(days=days)
    pause = pause_of(adjustment(f, ClockName.supervision), today)
    return _paused_clock(ClockName.supervision, start, last, pause, today)


def mediation_clock(f: ClockFacts, today: date) -> Clock | None:
    """LDMAL art. 14: 15 days from the receipt of the application; only an extension both
    parties agree to moves the end."""
    received = f.application_received_at
    restart = _restart(f)
    if received is None:
        if f.state in NOT_AGREED and not (
            restart is not None and f.reopen_reason != ReopenReason.new_application
        ):
            return Clock(
                ClockName.mediation,
                ClockState.not_started,
                note=lazy_gettext("Starts when the application is received (a report is not one)."),
            )
        return None
    start = local_date(received)
    end = periods.days_after(start, MEDIATION_DAYS)
    adj = adjustment(f, ClockName.mediation)
    extended_to = _day(adj.get("extended_to"))
    stale = restart is not None and received < restart  # an application before the reopening
    state = ClockState.running if f.state in NOT_AGREED and not stale else ClockState.ended
    return Clock(
        ClockName.mediation,
        state,
        start,
        extended_to or end.last_day,
        provisional=end.provisional and extended_to is None,
        original_last_day=end.last_day if (extended_to or end.moved_from) else None,
        extended_to=extended_to,
        note=(
            lazy_gettext("The last day fell on a rest day and moves to the next working day.")
            if end.moved_from and not extended_to
            else None
        ),
    )


def limitation_start(f: ClockFacts) -> tuple[date | None, LazyString | None, bool]:
    """Where the year runs from before any interruption: (day, note, unknown)."""
    remuneration = f.category == Category.remuneration
    if remuneration:
        if f.employment_status == EmploymentStatus.ongoing:
            return (
                None,
                lazy_gettext("No limitation while the employment lasts (remuneration)."),
                False,
            )
        if f.employment_status == EmploymentStatus.unknown:
            return None, lazy_gettext("Unknown: record whether the employment lasts."), True
        if f.employment_ended_at is None:
            return None, lazy_gettext("Unknown: record when the employment ended."), True
        return f.employment_ended_at, None, False
    if f.infringement_known_at is None:
        return None, lazy_gettext("Unknown: record when the worker knew of the infringement."), True
    return f.infringement_known_at, None, False  # fmt: skip


def limitation_clock(f: ClockFacts, today: date) -> Clock | None:
    """LDMAL art. 27 (docs/domain.md "Clocks in detail"): one year, starting again from each
    interruption (an application for mediation, a complaint to an authority, the employer's
    agreement to pay: a signed mediation agreement is one) and pushed later by suspensions."""
    base, note, unknown = limitation_start(f)
    ended = f.state not in LIMITATION_RUNS or f.arbitration_applied_on is not None
    if base is None:
        state = ClockState.ended if ended else ClockState.not_started
        return Clock(ClockName.limitation, state, note=note, unknown=unknown)
    adj = adjustment(f, ClockName.limitation)
    interruptions = [
        d
        for d in (
            _day(adj.get("restarted_on")),
            local_date(f.application_received_at) if f.application_received_at else None,
            local_date(f.agreed_at) if f.agreed_at else None,
        )
        if d is not None and d <= today
    ]
    start = max([base, *interruptions])
    pause = pause_of(adj, today)
    year_end = periods.add_months(start, 12 * LIMITATION_YEARS)
    clock = _paused_clock(ClockName.limitation, start, year_end, pause, today, note=note)
    # the pushed last day, then a rest day moves it (Civil Code art. 203)
    assert clock.last_day is not None
    end = periods.on_working_day(clock.last_day)
    if end.moved_from and clock.original_last_day is None:
        clock.original_last_day = end.moved_from
    clock.last_day, clock.provisional = end.last_day, end.provisional
    if start != base:
        clock.note = lazy_gettext("Interrupted: the year runs again from the interruption.")
    if ended:
        clock.state = ClockState.ended
    return clock


def unpaid_due(f: ClockFacts) -> date | None:
    """The due date of the first instalment not covered by what was paid (or the agreement's
    one due date while it is not paid in full)."""
    paid = f.paid_amount_fen or 0
    if f.instalments:
        owed = 0
        for item in f.instalments:
            owed += int(item["amount_fen"])
            if owed > paid:
                return _day(item["due_on"])
        return None
    return f.agreement_due_on


def agreement_clock(f: ClockFacts, today: date) -> Clock | None:
    if f.agreed_at is None:
        return None
    due = unpaid_due(f)
    state = ClockState.running if f.state == State.agreement and due else ClockState.ended
    return Clock(ClockName.agreement, state, local_date(f.agreed_at), due)


def arbitration_clocks(f: ClockFacts, today: date) -> list[Clock]:
    """LDMAL arts. 29, 43, 47-50: from the party's own application to the commission."""
    if f.arbitration_applied_on is None:
        return []
    closed = f.state == State.closed
    applied = f.arbitration_applied_on
    acceptance_end, provisional = add_working_days_checked(applied, ARBITRATION_ACCEPTANCE_DAYS)
    decided = f.arbitration_decision is not None
    result = [
        Clock(
            ClockName.arbitration_acceptance,
            ClockState.ended if decided or closed else ClockState.running,
            applied,
            acceptance_end,
            provisional,
            note=(
                lazy_gettext("Refused: the worker may sue in the people's court.")
                if f.arbitration_decision == ArbitrationDecision.refused
                else None
            ),
        )
    ]
    if f.arbitration_decision == ArbitrationDecision.accepted and f.arbitration_decided_on:
        award_end = periods.days_after(f.arbitration_decided_on, AWARD_DAYS)
        extended_to = _day(adjustment(f, ClockName.award).get("extended_to"))
        result.append(
            Clock(
                ClockName.award,
                ClockState.ended if f.award_on or closed else ClockState.running,
                f.arbitration_decided_on,
                extended_to or award_end.last_day,
                award_end.provisional and extended_to is None,
                original_last_day=award_end.last_day if extended_to else None,
                extended_to=extended_to,
            )
        )
    if f.award_on is not None:
        appeal_end = periods.days_after(f.award_on, APPEAL_DAYS)
        result.append(
            Clock(
                ClockName.appeal,
                ClockState.running if today <= appeal_end.last_day else ClockState.ended,
                f.award_on,
                appeal_end.last_day,
                appeal_end.provisional,
                other_last_day=(
                    periods.days_after(f.award_on, SET_ASIDE_DAYS).last_day
                    if f.award_final
                    else None
                ),
                note=(
                    lazy_gettext(
                        "A final award: the worker may sue within 15 days; the employer may "
                        "apply to set it aside within 30 days."
                    )
                    if f.award_final
                    else lazy_gettext("Either party may sue within 15 days of receiving it.")
                ),
            )
        )
    return result


def case_clocks(f: ClockFacts, settings: dict, today: date) -> list[Clock]:
    """Every clock that applies to the case, in the order of the table. `settings` are the
    warning rules' settings, which hold the local rules' lengths."""
    found: list[Clock | None] = [
        acceptance_clock(f, settings["acceptance_overdue"]["working_days"], today),
        supervision_clock(f, settings["mediation_stalled"]["days"], today),
        mediation_clock(f, today),
        limitation_clock(f, today),
        agreement_clock(f, today),
        *arbitration_clocks(f, today),
    ]
    return [c for c in found if c is not None]


def clock_named(clocks: Sequence[Clock], name: ClockName) -> Clock | None:
    return next((c for c in clocks if c.name == name), None)


def effective_clock(f: ClockFacts, name: ClockName, settings: dict, today: date) -> Clock | None:
    """One clock (for a rule that reads only it)."""
    return clock_named(case_clocks(f, settings, today), name)
