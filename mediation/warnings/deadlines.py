"""The statutory and local deadlines of a case, for countdowns on its page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from mediation.cases.enums import ReferralTarget, State
from mediation.cases.models import Case
from mediation.core.calendar import add_working_days
from mediation.core.clock import local_date
from mediation.core.i18n import _
from mediation.warnings import rules


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
                rules.local_midnight(last + timedelta(days=1)),
                _("%(days)s working days after the application", days=cfg["working_days"]),
            )
        )
    if state in rules.NOT_AGREED:
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
                rules.local_midnight(case.agreement_due_on + timedelta(days=1)),
                _("As agreed in the mediation agreement"),
            )
        )
    if state in rules.LIMITATION_RUNS:
        cfg = settings["limitation_near"]
        ends = rules.limitation_date(
            rules.CaseFacts(state=state, kind=case.kind, received_at=case.received_at,
                            handling_tier=case.handling_org.tier,
                            infringement_known_at=case.infringement_known_at,
                            employment_ended_at=case.employment_ended_at),
            cfg["limitation_days"],
        )  # fmt: skip
        if ends:
            result.append(
                Deadline(
                    _("Arbitration limitation ends"),
                    rules.local_midnight(ends),
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
