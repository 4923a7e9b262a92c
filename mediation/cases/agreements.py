"""A mediation agreement's payment schedule and what is overdue on it (docs/domain.md "The
mediation agreement", "Non-performance and the payment order").

An agreement pays either once, `agreement_amount_fen` by `agreement_due_on`, or in instalments
(`Case.instalments`, `[{"due_on": "YYYY-MM-DD", "amount_fen": int}]` in date order). A default is
per instalment: it exists once a due date has passed (the due date itself is the last day to
pay) and what was paid in all (`paid_amount_fen`) is less than what fell due up to that date.
Pure functions of the case's fields; nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mediation.cases.models import Case


@dataclass(frozen=True)
class Instalment:
    due_on: date
    # None: an agreement without an agreed amount (a dismissal settled by reinstatement…)
    amount_fen: int | None


def instalments_from_json(rows: list[dict[str, Any]] | None) -> list[Instalment]:
    """The stored schedule as `Instalment`s (the JSON column keeps dates as ISO text)."""
    return [
        Instalment(date.fromisoformat(str(row["due_on"])), int(row["amount_fen"]))
        for row in rows or []
    ]


def instalments_to_json(instalments: list[Instalment]) -> list[dict[str, Any]]:
    return [{"due_on": i.due_on.isoformat(), "amount_fen": i.amount_fen} for i in instalments]


def schedule(case: Case) -> list[Instalment]:
    """What the agreement says is to be paid when: its instalments, or one payment of the agreed
    amount by the due date; empty without an agreement."""
    if not case.agreement_terms or case.agreed_at is None:
        return []
    if case.instalments:
        return instalments_from_json(case.instalments)
    if case.agreement_due_on is None:
        return []
    return [Instalment(case.agreement_due_on, case.agreement_amount_fen)]


def due_before(plan: list[Instalment], day: date) -> int | None:
    """What fell due before `day` (due dates up to the day before), None when an instalment that
    fell due has no amount."""
    total = 0
    for instalment in plan:
        if instalment.due_on >= day:
            break
        if instalment.amount_fen is None:
            return None
        total += instalment.amount_fen
    return total


def is_in_default(case: Case, today: date) -> bool:
    """Whether a due date has passed with less paid than fell due by it (an agreement without an
    amount: whether its due date has passed at all)."""
    plan = schedule(case)
    if not plan or plan[0].due_on >= today:
        return False
    owed = due_before(plan, today)
    return owed is None or (case.paid_amount_fen or 0) < owed
