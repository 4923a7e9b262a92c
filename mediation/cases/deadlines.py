"""The deadlines of a case as countdowns: the running clocks' legal last days
(`cases.clocks`; docs/domain.md "Clocks in detail"), nearest first, for the mediator's
dashboard and the case list's hints."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel.speaklater import LazyString

from mediation.cases.clocks import (
    IN_MEDIATION,
    LIMITATION_RUNS,
    NOT_AGREED,
    ClockFacts,
    ClockName,
    ClockState,
    case_clocks,
)
from mediation.core.clock import ensure_utc, local_date, local_zone

__all__ = ["IN_MEDIATION", "LIMITATION_RUNS", "NOT_AGREED", "Deadline", "case_deadlines"]


def local_midnight(day: date) -> datetime:
    """The first moment of a day in China, as UTC."""
    return ensure_utc(datetime.combine(day, time(0), tzinfo=local_zone()))


@dataclass
class Deadline:
    label: LazyString | str
    due: datetime  # the first moment after the legal last day
    basis: LazyString | str
    last_day: date | None = None
    provisional: bool = False
    clock: ClockName | None = None

    def days_left(self, now: datetime) -> int:
        """Days left, rounded up (negative: days overdue, rounded down)."""
        delta = (self.due - now).total_seconds() / 86400
        return math.ceil(delta) if delta >= 0 else math.floor(delta)


def case_deadlines(case: ClockFacts, settings: dict, now: datetime | None = None) -> list[Deadline]:
    """The running clocks with a last day, nearest first (none for a closed case)."""
    if not case.state.is_open:
        return []
    today = local_date(now) if now else local_date(datetime.now(local_zone()))
    result = [
        Deadline(c.name.label, c.ends_at, c.rule.basis, c.last_day, c.provisional, c.name)
        for c in case_clocks(case, settings, today)
        if c.state == ClockState.running and c.ends_at is not None
    ]  # (running clocks have a last day, except a limitation that does not run)
    return sorted(result, key=lambda d: d.due)
