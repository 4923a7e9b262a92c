"""The alert engine: turns rule evaluations into alert rows, climbs unacknowledged alerts, and
keeps each case's `warning_level`, `tier` and `next_check_at` in step.

`process_cases` is batch-shaped (a fixed number of queries per batch, not per case) and runs both
inside a service's transaction (immediate rules, one case) and in the sweep (many cases).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, or_, select

from mediation.cases.enums import Outcome, WarningLevel
from mediation.cases.models import Case
from mediation.cases.timeline import append_events_bulk
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import with_ancestors
from mediation.projects.models import Project
from mediation.warnings import rules
from mediation.warnings.batch import (
    AlertBatch,
    BatchOutcome,
    insert_new_alerts,
    timeline_body,
    write_alert_events_and_notices,
)
from mediation.warnings.models import Alert, AlertLike
from mediation.warnings.outbox import queue_alert_notifications
from mediation.warnings.settings import current_settings

# (a report merged into another case is that case's complaint, not one more: docs/collective.md
# "Merge")
_RECEIVED_AGAINST_ENTERPRISES = select(Case.enterprise_id, Case.received_at).where(
    Case.enterprise_id.in_(bindparam("enterprise_ids", expanding=True)),
    Case.received_at > bindparam("after", type_=Case.received_at.type),
    Case.received_at <= bindparam("until", type_=Case.received_at.type),
    or_(Case.outcome.is_(None), Case.outcome != Outcome.merged),
)


def _recent_enterprise_counts(cases: list[Case], window_days: int) -> dict[int, int]:
    """For each case: cases against its enterprise received within the window up to it
    (itself included when it is in the table). One query per batch; the counting is done here
    so it stays portable."""
    window = timedelta(days=window_days)
    rows = db.session.execute(
        _RECEIVED_AGAINST_ENTERPRISES,
        {
            "enterprise_ids": sorted({c.enterprise_id for c in cases}),
            "after": min(c.received_at for c in cases) - window,
            "until": max(c.received_at for c in cases),
        },
    ).all()
    by_enterprise: dict[int, list[datetime]] = defaultdict(list)
    for enterprise_id, received_at in rows:
        by_enterprise[enterprise_id].append(received_at)
    return {
        c.id: sum(
            1 for r in by_enterprise[c.enterprise_id] if c.received_at - window < r <= c.received_at
        )
        for c in cases
    }


def _project_completions(cases: list[Case]) -> dict[int, date | None]:
    """The planned completion of the projects these cases name: one query per batch, none
    when no case names a project."""
    ids = {c.project_id for c in cases if c.project_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Project.id, Project.planned_completion_on).where(Project.id.in_(sorted(ids)))
    )
    return {project_id: completion for project_id, completion in rows}


def facts_of(
    case: Case, recent_enterprise_cases: int = 1, projects: dict[int, date | None] | None = None
) -> rules.CaseFacts:
    project_id = case.project_id
    return rules.CaseFacts(
        on_project=project_id is not None,
        project_completion_on=(projects or {}).get(project_id) if project_id else None,
        state=case.state,
        kind=case.kind,
        received_at=case.received_at,
        handling_tier=case.handling_org.tier,
        workers_involved=case.workers_involved,
        claim_amount_fen=case.claim_amount_fen,
        arrears_months=case.arrears_months,
        owner_absconded=case.owner_absconded,
        incident_in_progress=case.incident_in_progress,
        agreement_due_on=case.agreement_due_on,
        infringement_known_at=case.infringement_known_at,
        employment_ended_at=case.employment_ended_at,
        referral_target=case.referral_target,
        state_changed_at=case.state_changed_at,
        recent_enterprise_cases=recent_enterprise_cases,
        **{name: getattr(case, name) for name in CLOCK_FACTS},
    )


# the case's fields the clocks read, passed through to the rules as they are
CLOCK_FACTS = (
    "category", "application_received_at", "employment_status", "wages_unpaid_since",
    "wage_delay_until", "agreement_amount_fen", "instalments", "paid_amount_fen", "agreed_at",
    "defaulted_at", "arbitration_applied_on", "arbitration_decision", "arbitration_decided_on",
    "award_on", "award_final", "reopened_at", "reopen_reason", "clock_adjustments",
)  # fmt: skip


def _orgs_for(cases: list[Case]) -> dict[int, Organization]:
    """The organizations alerts of these cases may target: for one case its handling
    organization and those above it (usually already in the session), otherwise all."""
    if len(cases) == 1:
        return {o.id: o for o in with_ancestors(cases[0].handling_org_id)}
    return {o.id: o for o in db.session.scalars(select(Organization))}


def _first_alert_moments(case: Case, alerts: Iterable[AlertLike]) -> dict[str, datetime | None]:
    """The moments the first alerts targeting the town and the city tier were raised on the
    case: kept once set (an alert row re-raised later moves its `raised_at`, not these), else
    the earliest alert of that tier, raised in this batch or before (a manual escalation's alert
    is raised just before its `process_cases`)."""
    moments = {}
    for tier, column in ((Tier.town, "first_town_alert_at"), (Tier.city, "first_city_alert_at")):
        kept = getattr(case, column)
        raised = [a.raised_at for a in alerts if Tier(a.target_tier) == tier and a.raised_at]
        moments[column] = kept if kept is not None else (min(raised) if raised else None)
    return moments


def process_cases(case_ids: list[int], now: datetime, settings: dict | None = None) -> BatchOutcome:
    """Evaluate the rules for these (already locked) cases and write the consequences, inside
    the caller's transaction. (A case created in this transaction: `evaluate_new_case`.)"""
    if not case_ids:
        return BatchOutcome()
    settings = settings or current_settings()
    db.session.flush()
    # the stored alerts, and (once `_evaluate` raised them) the batch's new ones
    alerts_by_case: dict[int, dict[tuple[str, Tier], AlertLike]] = defaultdict(dict)
    cases = list(
        db.session.scalars(
            select(Case).where(Case.id.in_(case_ids)).execution_options(populate_existing=True)
        )
    )
    for alert in db.session.scalars(select(Alert).where(Alert.case_id.in_(case_ids))):
        alerts_by_case[alert.case_id][(alert.rule, Tier(alert.target_tier))] = alert
    orgs = _orgs_for(cases)
    window = settings["repeat_enterprise"]["window_days"]
    recent = _recent_enterprise_counts(cases, window)
    projects = _project_completions(cases)

    batch = AlertBatch(now, settings, orgs)
    batch.outcome.checked = len(cases)
    case_fields = {
        case.id: _evaluate(batch, case, alerts_by_case[case.id], recent.get(case.id, 1), projects)
        for case in cases
    }
    db.session.flush()
    insert_new_alerts(batch.new_alerts, case_ids)
    write_alert_events_and_notices(batch)
    # the events and the cases' warning fields in one go; the version is not bumped, so the
    # sweep never makes someone's open form stale
    append_events_bulk(batch.events, case_fields)
    return batch.outcome


@dataclass
class NewCaseAlerts:
    """What the immediate rules found for a new case before its row went in (the answer to
    `signals.case_creating`): how many events they add to its chain, and `write`, which
    inserts the alerts once the case has its id and answers those events."""

    batch: AlertBatch
    event_count: int

    def write(self, case: Case) -> list[dict]:
        for alert in self.batch.new_alerts:
            alert.case_id = case.id
        for event in self.batch.events:
            event["case_id"] = case.id
        insert_new_alerts(self.batch.new_alerts, [case.id])
        write_alert_events_and_notices(self.batch)
        return self.batch.events


def evaluate_new_case(case: Case, now: datetime) -> NewCaseAlerts:
    """The immediate rules for `case`, created in this transaction and not yet inserted: its
    warning fields are set on it, and its alerts wait for its id (`NewCaseAlerts.write`).

    Evaluating before the row goes in means the row carries its warning fields and its count
    of events from the start, and the `created` event and the alerts' events go in with one
    insert. Inserting the case first and then updating it cost a statement and left a dead row
    behind every new case: the pages of the newest cases, which the default list shows first,
    then stayed not all-visible, and the list's index-only scans visited every newest case's
    row (docs/performance.md, "A new case goes in once")."""
    with db.session.no_autoflush:  # nothing of the case is written before it is complete
        settings = current_settings()
        orgs = _orgs_for([case])
        window = settings["repeat_enterprise"]["window_days"]
        # the case itself is not in the table yet: it counts as one
        others = _recent_enterprise_counts([case], window)
        batch = AlertBatch(now, settings, orgs)
        batch.outcome.checked = 1
        fields = _evaluate(
            batch, case, {}, others.get(case.id, 0) + 1, _project_completions([case])
        )
    outcome = batch.outcome
    for column, value in fields.items():
        setattr(case, column, value)
    # the events still to come: those already made (re-levels) and one per raised, climbed
    # and resolved alert (`write_alert_events_and_notices`)
    count = len(batch.events) + len(outcome.raised) + len(outcome.climbed) + len(outcome.resolved)
    return NewCaseAlerts(batch, count)


def _evaluate(
    batch: AlertBatch,
    case: Case,
    existing: dict[tuple[str, Tier], AlertLike],
    recent_enterprise_cases: int,
    projects: dict[int, date | None] | None = None,
) -> dict:
    """Evaluate one case into `batch` (alerts raised, re-levelled, resolved, climbed) and
    answer the case's warning fields as they should now be."""
    now, settings = batch.now, batch.settings
    evaluation = rules.evaluate(facts_of(case, recent_enterprise_cases, projects), now, settings)
    wanted = {(a.rule, a.target_tier): a for a in evaluation.alerts}

    # raise what should exist
    for (rule, tier), spec in wanted.items():
        batch.raise_alert(case, existing, rule, tier, spec.level)
    # resolve what no longer holds (with anything that climbed from it)
    by_id = {a.id: a for a in existing.values() if a.id is not None}
    for alert in list(existing.values()):
        if not alert.is_active or (alert.rule, Tier(alert.target_tier)) in wanted:
            continue  # a rule may want, natively, the alert that once climbed here
        if alert.rule in rules.MANUAL_RULES and case.is_open:
            continue  # raised by a person: stays until acknowledged (or the case closes)
        origin = alert
        while origin.climbed_from_id is not None and origin.climbed_from_id in by_id:
            origin = by_id[origin.climbed_from_id]
        if (origin.rule, Tier(origin.target_tier)) not in wanted:
            batch.resolve(alert)
    # climb what nobody acknowledged in time
    wakes = [evaluation.next_check_at] if evaluation.next_check_at else []
    for alert in list(existing.values()):
        deadline = rules.climbs_at(
            alert.status, alert.level, alert.target_tier, alert.raised_at, settings
        )
        if deadline is None:  # acknowledged, resolved, or at the top tier
            continue
        up = rules.next_tier(Tier(alert.target_tier))
        assert up is not None  # there is a deadline, so a tier above
        above = existing.get((alert.rule, up))
        if above is not None and above.is_active:
            continue
        if deadline <= now:
            batch.raise_alert(
                case,
                existing,
                alert.rule,
                up,
                rules.next_level(WarningLevel(alert.level)),
                alert,
            )
            deadline = rules.acknowledgement_deadline(
                rules.next_level(WarningLevel(alert.level)), up, now, settings
            )
        if deadline is not None:
            wakes.append(deadline)

    active = [a for a in existing.values() if a.is_active]
    tier = max(
        [case.handling_org.tier, *(Tier(a.target_tier) for a in active)], key=lambda t: t.rank
    )
    next_check = min(wakes) if wakes and case.is_open else None
    if next_check is not None and next_check <= now:
        next_check = now + timedelta(minutes=1)
    return {
        "warning_level": rules.max_level(a.level for a in active),
        "tier": tier,
        "next_check_at": next_check,
        **_first_alert_moments(case, existing.values()),
    }


def raise_manual_alert(
    case: Case,
    rule: str,
    tier: Tier,
    level: WarningLevel,
    now: datetime,
    *,
    actor_id: int,
    reason: str,
) -> Alert | None:
    """An alert a person raises (a manual escalation), inside the caller's transaction on a
    locked case: the same row handling, case event and outbox notifications as the rules'
    alerts, then the case's level, tier and next check recomputed. None when the (case, rule,
    tier) alert is already active."""
    db.session.flush()
    existing: dict[tuple[str, Tier], AlertLike] = {
        (a.rule, Tier(a.target_tier)): a
        for a in db.session.scalars(select(Alert).where(Alert.case_id == case.id))
    }
    current = existing.get((rule, tier))
    if current is not None and current.is_active:
        return None
    settings = current_settings()
    batch = AlertBatch(now, settings, _orgs_for([case]))
    alert = batch.raise_alert(case, existing, rule, tier, level)
    assert alert is not None  # (not active, checked above)
    db.session.flush()
    insert_new_alerts(batch.new_alerts, [case.id])
    batch.event(
        alert, "人工升级", f"{timeline_body(alert, '人工升级')}\n{reason}",
        actor_id=actor_id, extra={"reason": reason},
    )  # fmt: skip
    queue_alert_notifications(batch.notify, now, settings)
    append_events_bulk(batch.events)
    process_cases([case.id], now, settings)  # the case's warning level, tier and climb clock
    return db.session.get(Alert, alert.id)
