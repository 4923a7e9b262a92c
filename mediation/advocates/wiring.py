"""How the advocates' team plugs into the case: the training rule on assignment and the load
and training shown on the assignment form (`mediation.signals`)."""

from __future__ import annotations

from typing import Any

from mediation import signals
from mediation.accounts.models import User
from mediation.advocates import services
from mediation.cases.access import CASE_WRITERS
from mediation.cases.models import Case


def _assignment_form(case: Case, *, user: User, **_kw: Any) -> dict | None:
    if user.role not in CASE_WRITERS or not case.is_open:
        return None
    from mediation.cases.supervision import eligible_advocates

    return {"advocate_info": services.assignment_info([a.id for a in eligible_advocates(case)])}


def init_advocates() -> None:
    signals.advocate_assigning.connect(services.check_assignment)
    signals.case_page.connect(_assignment_form)
