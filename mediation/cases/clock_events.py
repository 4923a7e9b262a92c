"""Recording what moves a case's clocks (docs/domain.md "Clocks in detail"): the application,
the clock events a person records (interrupt, suspend, resume, extend) and the arbitration
stage. Each is an event on the case's hash-chained timeline, which stays the record; the
clocks' current adjustments are kept beside the case (`Case.clock_adjustments`) so that the
warning rules read them without the timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mediation import signals
from mediation.accounts.models import User
from mediation.cases import schemas
from mediation.cases.access import (
    CASE_WRITERS,
    announce_change,
    check_version,
    load_payload,
    lock_case,
    require_role,
)
from mediation.cases.clocks import (
    AWARD_DAYS,
    AWARD_EXTENSION_MAX_DAYS,
    CLOCK_RULES,
    MEDIATION_DAYS,
    Clock,
    ClockEventKind,
    ClockName,
    case_clocks,
    clock_named,
)
from mediation.cases.enums import ArbitrationDecision, EventKind, State
from mediation.cases.models import Case
from mediation.cases.timeline import append_event
from mediation.core import periods
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.core.messages import N_, Message


def clock_settings() -> dict[str, Any]:
    """The local rules' lengths, from whoever owns them (`signals.clock_settings`)."""
    return signals.values_from_signal(signals.clock_settings.send(None))


def clocks_of(case: Case, now: datetime | None = None) -> list[Clock]:
    """The case's clocks as of today (China time)."""
    return case_clocks(case, clock_settings(), local_date(now or utcnow()))


def _writable(user: User, case_id: int, version: int, action: str) -> Case:
    case = lock_case(user, case_id)
    require_role(user, CASE_WRITERS, action)
    check_version(case, version)
    if not case.is_open:
        raise Conflict("A closed case's clocks do not run; reopen it first.")
    return case


# --- the application ---------------------------------------------------------------------------


def record_application(
    case_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> Case:
    """The mediation body received an application (LDMAL art. 12): the 15-day mediation period
    starts, and the limitation is interrupted. One per case (after a reopening, one more)."""
    now = ensure_utc(now or utcnow())
    data = load_payload(schemas.ApplicationSchema, payload)
    with transaction():
        case = _writable(user, case_id, data["version"], "record an application")
        current = case.application_received_at
        if current is not None and not (case.reopened_at and current < case.reopened_at):
            raise Conflict("An application is already recorded for this case.")
        received = data["received_at"]
        if received < case.received_at:
            raise ValidationFailed(
                {"received_at": [N_("The application cannot come before the report.")]}
            )
        if case.reopened_at is not None and received < case.reopened_at:
            raise ValidationFailed(
                {"received_at": [N_("The application cannot come before the reopening.")]}
            )
        if case.state not in (State.reported, State.accepted, State.mediating):
            raise Conflict(
                Message(
                    "An application is not recorded while the case is %(state)s.",
                    state=str(case.state),
                )
            )
        case.application_received_at = received
        case.updated_at = now
        append_event(
            case, EventKind.application, user, now, body=data.get("note") or None,
            data={"received_at": received.isoformat()},
        )  # fmt: skip
        announce_change(case, EventKind.application, now)
    return case


# --- clock events ------------------------------------------------------------------------------

KIND_NOT_ALLOWED = {
    ClockEventKind.interrupt: N_("The law does not interrupt this clock."),
    ClockEventKind.suspend: N_("The law does not suspend this clock."),
    ClockEventKind.resume: N_("The law does not suspend this clock, so it cannot resume."),
    ClockEventKind.extend: N_("The law does not extend this clock."),
}


def _check_event(clock: Clock, kind: ClockEventKind, data: dict, settings: dict) -> None:
    """Refuse, with field messages, an event the law or the clock's state does not allow."""
    rule = CLOCK_RULES[clock.name]
    if kind not in rule.events:
        raise ValidationFailed({"kind": [KIND_NOT_ALLOWED[kind]]})
    at: date = data["at"]
    if kind == ClockEventKind.resume:
        if clock.paused_since is None:
            raise ValidationFailed({"kind": [N_("Nothing to resume: the clock is not suspended.")]})
        if at < clock.paused_since:
            raise ValidationFailed({"at": [N_("Must not be before the suspension.")]})
        return
    if kind not in clock.allowed_events():
        message = (
            N_("The clock is already suspended: resume it first.")
            if clock.paused_since is not None
            else N_("This clock has already been extended once; the law allows no more.")
            if kind == ClockEventKind.extend and clock.extended_to is not None
            else N_("The clock is not running.")
        )
        raise ValidationFailed({"kind": [message]})
    if clock.started_on is not None and at < clock.started_on:
        raise ValidationFailed({"at": [N_("Must not be before the clock started.")]})
    if kind == ClockEventKind.suspend:
        resume_on = data.get("resume_on")
        if resume_on is not None and resume_on <= at:
            raise ValidationFailed({"resume_on": [N_("Must be after the suspension.")]})
    if kind == ClockEventKind.extend:
        _check_extension(clock, data, settings)


def _check_extension(clock: Clock, data: dict, settings: dict) -> None:
    errors: dict[str, list[Any]] = {}
    consent = data.get("consent") or {}
    if clock.rule.extension_needs_consent and not (
        consent.get("worker") and consent.get("employer")
    ):
        errors["consent"] = [
            N_(
                "Mediation is extended only if both the worker and the employer agree (LDMAL art. 14)."
            )
        ]
    new_last_day = data.get("new_last_day")
    assert clock.started_on is not None and clock.last_day is not None  # (running, dated)
    if clock.name == ClockName.mediation:
        cap = settings["mediation_overdue"]["max_extension_days"]
        length = MEDIATION_DAYS
    else:
        cap = AWARD_EXTENSION_MAX_DAYS
        length = AWARD_DAYS
    # the latest the law (or the cap) allows: counted from the start as one longer period, so a
    # rest day that moved the first last day does not lengthen the extension
    latest = periods.days_after(clock.started_on, length + cap).last_day
    if new_last_day is None:
        errors["new_last_day"] = [N_("Give the new last day.")]
    elif new_last_day <= clock.last_day:
        errors["new_last_day"] = [N_("Must be after the current last day.")]
    elif new_last_day > latest:
        errors["new_last_day"] = [
            Message(
                "Must be at most %(days)s days beyond the period, at the latest %(day)s.",
                days=cap,
                day=latest.isoformat(),
            )
        ]
    if errors:
        raise ValidationFailed(errors)


def _adjust(adj: dict[str, Any], clock: Clock, kind: ClockEventKind, data: dict) -> None:
    at: date = data["at"]
    if kind == ClockEventKind.suspend:
        adj["paused_since"] = at.isoformat()
        resume_on = data.get("resume_on")
        adj["resume_on"] = resume_on.isoformat() if resume_on else None
    elif kind == ClockEventKind.resume:
        assert clock.paused_since is not None
        adj["pauses"] = [*adj.get("pauses", []), [clock.paused_since.isoformat(), at.isoformat()]]
        adj.pop("paused_since", None)
        adj.pop("resume_on", None)
    elif kind == ClockEventKind.interrupt:
        # the year starts again from `at`; the pauses before it stop counting by themselves
        # (clocks.Pause.days_after), those after a backdated interruption still count
        adj["restarted_on"] = at.isoformat()
    elif kind == ClockEventKind.extend:
        # a rest day at the end of an extension moves it too (Civil Code art. 203)
        adj["extended_to"] = periods.on_working_day(data["new_last_day"]).last_day.isoformat()


def _settle_pause(adj: dict[str, Any], today: date) -> None:
    """A pause whose planned resume day has come is over: record it with the finished ones."""
    since, resume_on = adj.get("paused_since"), adj.get("resume_on")
    if since and resume_on and date.fromisoformat(resume_on) <= today:
        adj["pauses"] = [*adj.get("pauses", []), [since, resume_on]]
        adj.pop("paused_since", None)
        adj.pop("resume_on", None)


def _overlaps_a_pause(adj: dict[str, Any], at: date) -> bool:
    """A suspension dated inside (or before the end of) a finished pause would count its days
    twice."""
    return any(date.fromisoformat(until) > at for _since, until in adj.get("pauses", []))


def record_clock_event(
    case_id: int, clock: str, user: User, payload: dict, *, now: datetime | None = None
) -> Case:
    """Interrupt, suspend, resume or extend one clock, as the law allows it for that clock
    ("waiting on a party" suspends a local supervision clock, never a statutory one)."""
    now = ensure_utc(now or utcnow())
    try:
        name = ClockName(clock)
    except ValueError:
        raise NotFound("No such clock.") from None
    data = load_payload(schemas.ClockEventSchema, payload)
    kind = ClockEventKind(data["kind"])
    settings = clock_settings()
    with transaction():
        case = _writable(user, case_id, data["version"], "record clock events")
        today = local_date(now)
        current = clock_named(case_clocks(case, settings, today), name)
        if current is None:
            raise Conflict(Message("The %(clock)s clock does not apply to this case.", clock=clock))
        _check_event(current, kind, data, settings)
        adjustments = {k: dict(v) for k, v in (case.clock_adjustments or {}).items()}
        adj = adjustments.setdefault(name.value, {})
        _settle_pause(adj, today)
        if kind == ClockEventKind.suspend and _overlaps_a_pause(adj, data["at"]):
            raise ValidationFailed({"at": [N_("Must be after the end of the earlier suspension.")]})
        _adjust(adj, current, kind, data)
        case.clock_adjustments = adjustments  # a new object: the JSON column sees the change
        case.updated_at = now
        event_data: dict[str, Any] = {"clock": name.value, "kind": kind.value}
        for key in ("at", "new_last_day", "resume_on"):
            if data.get(key) is not None:
                event_data[key] = data[key].isoformat()
        if data.get("consent"):
            event_data["consent"] = data["consent"]
        if data.get("evidence"):
            event_data["evidence"] = data["evidence"]
        append_event(case, EventKind.clock, user, now, body=data["reason"], data=event_data)
        announce_change(case, EventKind.clock, now)
    return case


# --- the arbitration stage ------------------------------------------------------------------


def record_arbitration(
    case_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> Case:
    """What the arbitration commission did, as the union learns it: the worker's application,
    the decision on acceptance, the award (LDMAL arts. 28-29, 43, 47-50). Only after mediation
    failed or the case was referred: arbitration starts with the party's own application."""
    now = ensure_utc(now or utcnow())
    payload = dict(payload or {})
    version = payload.get("version")
    if (
        isinstance(version, bool)
        or not isinstance(version, int | str)
        or not str(version).isdigit()
    ):
        raise ValidationFailed({"version": [N_("Not a valid integer.")]})
    with transaction():
        case = _writable(user, case_id, int(version), "record the arbitration stage")
        # a field left out keeps what is recorded; an explicit null clears it
        data = load_payload(schemas.ArbitrationSchema, {**_recorded_stage(case), **payload})
        if case.state not in (State.failed, State.referred):
            raise Conflict(
                Message(
                    "The arbitration stage follows failed mediation; the case is %(state)s.",
                    state=str(case.state),
                )
            )
        if data["applied_on"] < local_date(case.received_at):
            raise ValidationFailed({"applied_on": [N_("Must not be before the report.")]})
        before = {
            "applied_on": case.arbitration_applied_on,
            "decision": case.arbitration_decision,
            "decided_on": case.arbitration_decided_on,
            "award_on": case.award_on,
            "award_final": case.award_final,
        }
        case.arbitration_applied_on = data["applied_on"]
        decision = data.get("decision")
        case.arbitration_decision = ArbitrationDecision(decision) if decision else None
        case.arbitration_decided_on = data.get("decided_on")
        case.award_on = data.get("award_on")
        case.award_final = data.get("award_final")
        after = {
            "applied_on": case.arbitration_applied_on,
            "decision": case.arbitration_decision,
            "decided_on": case.arbitration_decided_on,
            "award_on": case.award_on,
            "award_final": case.award_final,
        }
        changes = {k: [_plain(before[k]), _plain(v)] for k, v in after.items() if before[k] != v}
        if not changes:
            return case
        case.updated_at = now
        append_event(
            case, EventKind.arbitration, user, now, body=data.get("note") or None, data=changes
        )
        announce_change(case, EventKind.arbitration, now)
    return case


def _recorded_stage(case: Case) -> dict[str, Any]:
    recorded = {
        "applied_on": case.arbitration_applied_on,
        "decision": case.arbitration_decision,
        "decided_on": case.arbitration_decided_on,
        "award_on": case.award_on,
        "award_final": case.award_final,
    }
    return {k: _plain(v) for k, v in recorded.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)
