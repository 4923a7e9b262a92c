"""The "apply for aid" link on an arrears or injury case's page (`signals.case_page`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from mediation import signals
from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.hardship.models import HardshipFile
from mediation.hardship.services import FILE_USERS, aid_case_allowed


def _aid_link(case: Case, *, user: User, **_kw: Any) -> dict | None:
    if user.role not in FILE_USERS or not aid_case_allowed(case.kind, case.category):
        return None
    linked = db.session.scalar(select(HardshipFile.id).where(HardshipFile.case_id == case.id))
    return {"hardship": {"file_id": linked, "can_apply": True}}


def init_hardship() -> None:
    signals.case_page.connect(_aid_link)
