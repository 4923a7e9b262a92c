"""The report chain of a mass incident, as ONE table (docs/incidents.md "The chain").

`CHAIN` drives the due computation (`chain_status`, read by the alert engine and the sweep),
the incident page's timeline and the documentation: change the chain here and all three follow.
The windows are settings (`[incident_reports]` in config/warning_rules.toml, per province).
Pure functions: no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask_babel.speaklater import LazyString

from mediation.core.i18n import lazy_gettext
from mediation.incidents.enums import IncidentStatus, ReportKind


@dataclass(frozen=True)
class ChainStep:
    kind: ReportKind
    rule: str  # the alert rule raised when the step is overdue
    setting: str  # the window's key in [incident_reports]
    unit: str  # "minutes" | "hours"
    counts_from: str  # "learned": when the union learned of it; "last_report"; "ended"
    while_status: frozenset[IncidentStatus]  # the statuses in which the step is due
    met_by: frozenset[ReportKind]  # report kinds that fulfil it
    recurring: bool
    description: LazyString


_OPEN = frozenset({IncidentStatus.ongoing, IncidentStatus.contained})
_ANY = frozenset(IncidentStatus)

CHAIN: tuple[ChainStep, ...] = (
    ChainStep(
        ReportKind.verbal, "incident_verbal_overdue", "verbal_minutes", "minutes", "learned",
        _ANY, frozenset(ReportKind), False,
        lazy_gettext("Initial verbal report to the city federation after the union learned of it"),
    ),
    ChainStep(
        ReportKind.written, "incident_written_overdue", "written_minutes", "minutes", "learned",
        _ANY, frozenset({ReportKind.written, ReportKind.final}), False,
        lazy_gettext("Written report (the seven elements) after the union learned of it"),
    ),
    ChainStep(
        ReportKind.follow_up, "incident_follow_up_overdue", "follow_up_hours", "hours",
        "last_report", _OPEN, frozenset(ReportKind), True,
        lazy_gettext("Follow-up report after the last report, every day until it ends"),
    ),
    ChainStep(
        ReportKind.final, "incident_final_overdue", "final_hours", "hours", "ended",
        frozenset({IncidentStatus.ended}), frozenset({ReportKind.final}), False,
        lazy_gettext("Final report after the incident ended"),
    ),
)  # fmt: skip
RULES = {step.rule: step for step in CHAIN}


class ReportLike(Protocol):
    kind: ReportKind
    at: datetime


class IncidentLike(Protocol):
    status: IncidentStatus
    learned_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class StepStatus:
    step: ChainStep
    due_at: datetime | None  # None: not due in this status
    met_at: datetime | None  # the report that fulfilled it

    @property
    def applies(self) -> bool:
        return self.due_at is not None

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.met_at is None and self.due_at <= now


def window(step: ChainStep, settings: dict) -> timedelta:
    value = settings[step.setting]
    return timedelta(minutes=value) if step.unit == "minutes" else timedelta(hours=value)


def chain_status(
    incident: IncidentLike, reports: Sequence[ReportLike], settings: dict
) -> list[StepStatus]:
    """Each step of the chain: when it is due and the report that fulfilled it. `settings` is
    the `[incident_reports]` section."""
    ordered = sorted(reports, key=lambda r: r.at)
    result = []
    for step in CHAIN:
        if IncidentStatus(incident.status) not in step.while_status:
            result.append(StepStatus(step, None, None))
            continue
        if step.counts_from == "learned":
            start: datetime | None = incident.learned_at
        elif step.counts_from == "ended":
            start = incident.ended_at or incident.learned_at
        else:
            start = ordered[-1].at if ordered else incident.learned_at
        assert start is not None
        due = start + window(step, settings)
        if step.recurring:
            met = None  # the window counts from the last report: nothing fulfils it for good
        else:
            met = next((r.at for r in ordered if ReportKind(r.kind) in step.met_by), None)
        result.append(StepStatus(step, due, met))
    return result


def overdue_rules(
    incident: IncidentLike, reports: Sequence[ReportLike], settings: dict, now: datetime
) -> tuple[list[str], datetime | None]:
    """The rules of the steps overdue now, and the next moment a step falls due."""
    statuses = chain_status(incident, reports, settings)
    overdue = [s.step.rule for s in statuses if s.overdue(now)]
    upcoming = [
        s.due_at for s in statuses if s.due_at is not None and s.met_at is None and s.due_at > now
    ]
    return overdue, min(upcoming) if upcoming else None
