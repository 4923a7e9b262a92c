"""The named signals through which one domain reacts to another's changes.

A lower layer (cases) announces what happens; a higher one (warnings) connects its receivers,
so neither imports what it should not and "who reacts to what" is read here and at the
`connect` calls (docs/architecture.md "Signals"). Every signal is sent inside the
transaction of the change: a receiver that raises rolls the whole change back.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()

case_creating = _signals.signal(
    "case-creating",
    doc="""A new case is complete but not yet inserted (sender: the `Case`; `now`).

    A receiver may set the case's columns and answer an object with `event_count` (how many
    events it will add to the case's chain after `created`) and `write(case)` (called once the
    case has its id; writes the receiver's own rows and answers those events, as
    `cases.timeline.append_events` takes them). The warning engine evaluates the immediate
    rules here, so the case's row goes in once, with its warning fields.""",
)

case_changed = _signals.signal(
    "case-changed",
    doc="""A case changed (sender: the `Case`; `kind`: the `EventKind` recorded; `now`), its
    event already written. The warning engine re-evaluates the fact-driven rules; a new
    case's (`kind` created) were evaluated at `case_creating`.""",
)

case_page = _signals.signal(
    "case-page",
    doc="""A case's page is being shown (sender: the `Case`; `user`: who looks). Each receiver
    answers a dict of template values for the parts of the page it owns: the warning engine
    gives the case's alerts, its deadlines and the escalation form.""",
)

clock_settings = _signals.signal(
    "clock-settings",
    doc="""The lengths the local rules give the case clocks (sender: None). The warning
    engine answers its rule settings (`acceptance_overdue.working_days`,
    `mediation_stalled.days`, `mediation_overdue.max_extension_days`), which an administrator
    edits; `cases.clocks` counts with them.""",
)

incident_changed = _signals.signal(
    "incident-changed",
    doc="""A mass incident was saved or reported on (sender: the `Incident`; `now`), inside the
    transaction. The warning engine raises the red alert to the city at once and checks the
    report chain (docs/incidents.md "Alerts").""",
)

incident_page = _signals.signal(
    "incident-page",
    doc="""An incident's page is being shown (sender: the `Incident`; `user`). The warning engine
    answers its alerts.""",
)

supervision_notice_changed = _signals.signal(
    "supervision-notice-changed",
    doc="""A labour-law supervision notice was issued, replied to or verified (sender: the
    `SupervisionNotice`; `now`), inside the transaction. The warning engine raises or resolves
    its overdue-rectification alert (docs/enterprise-file.md "Supervision notices").""",
)

supervision_notice_page = _signals.signal(
    "supervision-notice-page",
    doc="""A supervision notice's page is being shown (sender: the notice; `user`). The warning
    engine answers its alerts.""",
)


def values_from_signal(results: list[tuple[Any, Any]]) -> dict[str, Any]:
    """The dicts that a signal's receivers answered, merged (a receiver may answer None)."""
    merged: dict[str, Any] = {}
    for _receiver, value in results:
        if value:
            merged.update(value)
    return merged


advocate_assigning = _signals.signal(
    "advocate-assigning",
    doc="""An advocate is about to be assigned to a case (sender: the `Case`; `advocate`: the
    `User`; `now`), inside the assignment's transaction. The advocates' team refuses an advocate
    who has not completed the introductory training (docs/worker-services.md "Advocates") by
    raising `ValidationFailed` on `user_id`.""",
)


# --- what a person should hear of (docs/notifications.md): the in-app notices connect here ---

alerts_notified = _signals.signal(
    "alerts-notified",
    doc="""Alerts were raised or climbed and their officers told through the outbox (sender:
    None; `alerts`: the alerts, ids known; `now`), inside the transaction that raised them.
    The in-app notices tell the officers of each alert's target organization.""",
)

alert_acknowledged = _signals.signal(
    "alert-acknowledged",
    doc="""An officer acknowledged an alert (sender: the `Alert`; `user`: who; `now`), inside
    the acknowledgement's transaction. The in-app notices tell those the alert was about.""",
)

case_assigned = _signals.signal(
    "case-assigned",
    doc="""Someone was assigned to a case (sender: the `Case`; `assignee`: the `User`; `role`:
    "mediator" or "advocate"; `user`: who assigned; `now`), inside the assignment's
    transaction.""",
)

case_taken_over = _signals.signal(
    "case-taken-over",
    doc="""A case was taken over by a higher union (sender: the `Case`; `from_org`: the
    organization that handled it before; `previous_mediator_id`: its mediator before, or None;
    `user`: who took it over; `now`; `path_org_ids`: the unions from the one where the case
    originated up to, not including, the new one), inside the take-over's transaction. The
    outbox and the in-app notices tell the previous mediator and the officers of those unions.""",
)

visit_recorded = _signals.signal(
    "visit-recorded",
    doc="""A visit record was added to a case (sender: the `Case`; `user`: who recorded it;
    `now`), inside its transaction. The in-app notices tell the case's mediator.""",
)

collective_contract_expiring = _signals.signal(
    "collective-contract-expiring",
    doc="""An enterprise's collective contract expires soon and its town union has not yet been
    told (sender: the `LabourSurvey`; `town`: the town `Organization`; `now`), inside the
    transaction that marks the reminder sent (docs/enterprise-file.md "Reminder"). The outbox
    and the in-app notices tell the town union's officers.""",
)

project_changed = _signals.signal(
    "project-changed",
    doc="""A construction project was saved (sender: the `Project`; `now`), inside the
    transaction. The warning engine raises or resolves the project's alerts (no wage account,
    no deposit, payroll late) and re-evaluates its cases (the Spring Festival raise;
    docs/enterprise-file.md "Construction projects").""",
)

project_page = _signals.signal(
    "project-page",
    doc="""A construction project's page is being shown (sender: the `Project`; `user`). The
    warning engine answers its alerts.""",
)
