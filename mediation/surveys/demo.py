"""Demo surveys (docs/enterprise-file.md): most demo enterprises get this year's survey and
last year's, through the real service, with figures drawn from the enterprise's id so that a
reload gives the same ones. Among them: low signing rates (mostly the migrants'), a collective
contract about to expire (the reminder's example) and one already expired."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.core.clock import local_date
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.surveys.models import CollectiveContractType, LabourSurvey
from mediation.surveys.services import record_survey

KINDS = list(CollectiveContractType)


def _figures(rng: random.Random, employees: int, as_of: date, kind: str | None,
             expires: date | None, signing: float) -> dict:  # fmt: skip
    migrants = int(employees * rng.uniform(0.2, 0.7))
    signed = min(employees, round(employees * signing))
    migrant_signed = min(
        migrants, signed, round(migrants * max(0.0, signing - rng.uniform(0, 0.2)))
    )
    union = employees >= 25 or rng.random() < 0.4
    return {
        "as_of": as_of.isoformat(), "employees": employees, "migrant_workers": migrants,
        "contracts_signed": signed, "migrant_contracts_signed": migrant_signed,
        "union_established": union, "union_members": int(employees * 0.8) if union else 0,
        "collective_contract": kind,
        "collective_signed_on": min(expires - timedelta(days=3 * 365), as_of).isoformat()
        if kind and expires else None,
        "collective_expires_on": expires.isoformat() if kind and expires else None,
        "wage_negotiation": bool(kind) and rng.random() < 0.7,
        "workers_congress": union and rng.random() < 0.6,
        "open_factory_affairs": union and rng.random() < 0.6,
    }  # fmt: skip


def load_demo_surveys(now: datetime) -> int:
    """Add the demo surveys once (an enterprise that has one this year is left alone). Every
    fifth enterprise has none, so that "no survey this year" shows too. Answers how many
    surveys were recorded."""
    admin = db.session.scalar(
        select(User).where(User.role == Role.admin, User.active.is_(True)).order_by(User.id)
    )
    if admin is None:
        return 0
    today = local_date(now)
    done = set(db.session.scalars(
        select(LabourSurvey.enterprise_id).where(LabourSurvey.year == today.year)
    ))  # fmt: skip
    enterprises = db.session.scalars(select(Enterprise).order_by(Enterprise.id)).all()
    recorded = 0
    for index, enterprise in enumerate(enterprises):
        if index % 5 == 4 or enterprise.id in done:
            continue
        rng = random.Random(enterprise.id)
        employees = enterprise.headcount or rng.randint(15, 400)
        kind: str | None = None
        expires: date | None = None
        if index % 3 != 2:
            kind = KINDS[index % len(KINDS)].value
            expires = today + timedelta(days=rng.randint(200, 900))
        if index == 1:
            expires = today + timedelta(days=45)  # within 60 days: the town union is reminded
        if index == 3:
            expires = today - timedelta(days=20)  # expired: counts in the risk
        signing = 0.72 if index % 4 == 0 else rng.uniform(0.9, 1.0)
        as_of = date(today.year, 1, 1) if today > date(today.year, 1, 1) else today
        last_year = date(today.year - 1, 6, 30)
        record_survey(admin, enterprise.id, _figures(
            rng, employees, last_year, kind, expires and max(expires, last_year + timedelta(days=1)),
            min(1.0, signing + 0.02),
        ), now=now)  # fmt: skip
        record_survey(admin, enterprise.id, _figures(rng, employees, as_of, kind, expires,
                                                     signing), now=now)  # fmt: skip
        recorded += 2
    return recorded
