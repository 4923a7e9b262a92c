"""The statutory and local deadlines of a case: the periods the law sets (docs/domain.md
"Mediation", "Arbitration"), for the countdowns on its page and for the warning rules that
fire on them. The configured lengths (acceptance days, the limitation period) come in as
`settings`, the warning engine's rule settings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from mediation.cases.enums import CaseKind, ReferralTarget, State
from mediation.cases.models import Case
from mediation.core.calendar import add_working_days
from mediation.core.clock import ensure_utc, local_date, local_zone
from mediation.core.i18n import _

NOT_AGREED = (State.reported, State.accepted, State.mediating)
IN_MEDIATION = (State.accepted, State.mediating)
LIMITATION_RUNS = (State.reported, State.accepted, State.mediating, State.agreement, State.failed)


class LimitationFacts(Protocol):
    """What the limitation period depends on (a case, or the rules' facts of one)."""

    @property
    def kind(self) -> CaseKind: ...
    @property
    def infringement_known_at(self) -> date | None: ...
    @property
    def employment_ended_at(self) -> date | None: ...


def local_midnight(day: date) -> datetime:
    """The first moment of a day in China, as UTC."""
    return ensure_utc(datetime.combine(day, time(0), tzinfo=local_zone()))


def limitation_date(f: LimitationFacts, limitation_days: int) -> date | None:
    """When the 1-year arbitration limitation runs out (LDMAL art. 27), or None if it does not
    run: unpaid wages during an ongoing employment have no limit; after it ends the year runs
    from the end."""
    if f.kind == CaseKind.arrears:
        base = f.employment_ended_at
    else:
        base = f.infringement_known_at
    return None if base is None else base + timedelta(days=limitation_days)


@dataclass
class Deadline:
    label: str
    due: datetime
    basis: str

    def days_left(self, now: datetime) -> int:
        """Days left, rounded up (negative: days overdue, rounded down)."""
        delta = (self.due - now).total_seconds() / 86400
        return math.ceil(delta) if delta >= 0 else math.floor(delta)


def case_deadlines(case: Case, settings: dict) -> list[Deadline]:
    if not case.is_open:
        return []
    result = []
    state = State(case.state)
    if state == State.reported:
        cfg = settings["acceptance_overdue"]
        last = add_working_days(local_date(case.received_at), cfg["working_days"])
        result.append(
            Deadline(
                _("Acceptance deadline"),
                local_midnight(last + timedelta(days=1)),
                _("%(days)s working days after the application", days=cfg["working_days"]),
            )
        )
    if state in NOT_AGREED:
        result.append(
            Deadline(
                _("Mediation deadline"),
                case.received_at + timedelta(days=15),
                _("LDMAL art. 14: 15 days from receipt of the application"),
            )
        )
    if state == State.agreement and case.agreement_due_on:
        result.append(
            Deadline(
                _("Agreement performance deadline"),
                local_midnight(case.agreement_due_on + timedelta(days=1)),
                _("As agreed in the mediation agreement"),
            )
        )
    if state in LIMITATION_RUNS:
        cfg = settings["limitation_near"]
        ends = limitation_date(case, cfg["limitation_days"])
        if ends:
            result.append(
                Deadline(
                    _("Arbitration limitation ends"),
                    local_midnight(ends),
                    _("LDMAL art. 27: one year"),
                )
            )
    if state == State.referred and case.referral_target == ReferralTarget.arbitration:
        since = case.state_changed_at or case.received_at
        result.append(
            Deadline(
                _("Arbitration award (expected)"),
                since + timedelta(days=60),
                _("45 days after acceptance, extendable by 15 days"),
            )
        )
    return sorted(result, key=lambda d: d.due)
