"""The legal-aid panel of the case page (`signals.case_page`)."""

from __future__ import annotations

from typing import Any

from mediation import signals
from mediation.accounts.models import User
from mediation.cases.access import CASE_WRITERS
from mediation.cases.enums import State
from mediation.cases.models import Case
from mediation.legalaid import services
from mediation.legalaid.models import AidResult, Provider, Stage


def _panel(case: Case, *, user: User, **_kw: Any) -> dict:
    return {
        "legal_aid": {
            "referrals": services.referrals_of_case(user, case.id),
            "can_refer": user.role in CASE_WRITERS
            and State(case.state) in services.REFERRABLE_STATES,
            "can_update": user.role in CASE_WRITERS,
            "providers": list(Provider),
            "stages": list(Stage),
            "results": list(AidResult),
        }
    }


def init_legalaid() -> None:
    signals.case_page.connect(_panel)
