"""Everything that changes a case, one import for the pages, the API and the command line.

Each service is one transaction: it checks role and scope (`access`), validates, changes the
case, appends the timeline event (`timeline`), tells the other domains (`mediation.signals`)
and commits; on any failure it rolls back and raises a `DomainError`, so nothing is
half-written. Each lives in the module of its reason to change: `intake` (new cases), `facts`
(edits, notes), `transitions` (the lifecycle), `supervision` (assignments, take-over).
"""

from __future__ import annotations

from mediation.cases.access import CASE_WRITERS, SUPERVISORS
from mediation.cases.facts import add_note, update_facts
from mediation.cases.intake import create_case
from mediation.cases.supervision import (
    ancestors_of,
    assign_advocate,
    assign_mediator,
    assign_mediator_bulk,
    eligible_advocates,
    eligible_mediators,
    take_over,
    unassign_advocate,
)
from mediation.cases.timeline import append_event, append_events_bulk, timeline
from mediation.cases.transitions import fire_trigger

__all__ = [
    "CASE_WRITERS",
    "SUPERVISORS",
    "add_note",
    "ancestors_of",
    "append_event",
    "append_events_bulk",
    "assign_advocate",
    "assign_mediator",
    "assign_mediator_bulk",
    "create_case",
    "eligible_advocates",
    "eligible_mediators",
    "fire_trigger",
    "take_over",
    "timeline",
    "unassign_advocate",
    "update_facts",
]
