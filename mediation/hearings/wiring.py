"""How the circuit court shows on a case's page: its receiver of `signals.case_page`."""

from __future__ import annotations

from sqlalchemy import select

from mediation import signals
from mediation.accounts.models import User
from mediation.cases.access import CASE_WRITERS
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.hearings.enums import HearingKind
from mediation.hearings.models import Hearing, HearingPoint
from mediation.hearings.services import visible_points


def _case_page_values(case: Case, *, user: User, **_: object) -> dict:
    """The case's hearings, and for the case writers the form to schedule one."""
    hearings = list(
        db.session.scalars(
            select(Hearing).where(Hearing.case_id == case.id).order_by(Hearing.starts_at)
        )
    )
    can_schedule = user.role in CASE_WRITERS and case.is_open
    points = (
        list(
            db.session.scalars(
                visible_points(user)
                .where(HearingPoint.active.is_(True))
                .order_by(HearingPoint.name)
            )
        )
        if can_schedule
        else []
    )
    return {
        "case_hearings": hearings,
        "hearing_points": points,
        "can_schedule_hearing": can_schedule and bool(points),
        "hearing_kinds": list(HearingKind),
    }


signals.case_page.connect(_case_page_values)
