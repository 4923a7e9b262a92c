"""Enterprise risk against hand-counted fixtures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, outerjoin, select, update

from mediation.cases.enums import WarningLevel
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.reports.risk import EnterpriseRisk, risk_for, risk_subquery, riskiest_first
from mediation.warnings.models import Alert, AlertStatus, Notification
from tests.helpers import StatementCounter


def set_case(case: Case, **values) -> None:
    db.session.execute(update(Case).where(Case.id == case.id).values(**values))
    db.session.commit()


def only_these_alerts(*specs) -> None:
    """Replace whatever the rules raised with the alerts given as (case, rule, level, status)."""
    db.session.execute(delete(Notification))
    db.session.execute(delete(Alert))
    for case, rule, level, status in specs:
        db.session.add(
            Alert(case_id=case.id, rule=rule, level=level, target_tier=Tier.town,
                  target_org_id=case.handling_org_id, status=status,
                  raised_at=utcnow() - timedelta(hours=1))
        )  # fmt: skip
    db.session.commit()


@pytest.fixture
def world(make_enterprise, make_case, drive):
    """Enterprise A: four open cases, one closed; alerts of every status.
    Enterprise B: a closed case only. Enterprise C: no case at all."""
    a, b, c = make_enterprise(name="甲"), make_enterprise(name="乙"), make_enterprise(name="丙")
    a1 = make_case(enterprise_id=a.id)
    a2 = drive(make_case(enterprise_id=a.id), "agreement")
    a3 = make_case(enterprise_id=a.id)
    a4 = drive(make_case(enterprise_id=a.id), "referred")
    a5 = drive(make_case(enterprise_id=a.id), "closed")
    b1 = drive(make_case(enterprise_id=b.id), "closed")
    set_case(a1, workers_involved=12, claim_amount_fen=9_600_000, paid_amount_fen=None)
    set_case(a2, workers_involved=5, claim_amount_fen=1_000_000, paid_amount_fen=300_000)
    set_case(a3, workers_involved=3, claim_amount_fen=None, paid_amount_fen=None)
    set_case(a4, workers_involved=2, claim_amount_fen=10_000, paid_amount_fen=50_000)  # overpaid
    set_case(a5, workers_involved=50, claim_amount_fen=99_999_900, paid_amount_fen=None)
    set_case(b1, workers_involved=7, claim_amount_fen=500_000, paid_amount_fen=None)
    only_these_alerts(
        (a1, "collective", WarningLevel.yellow, AlertStatus.open),
        (a1, "owner_absconded", WarningLevel.red, AlertStatus.resolved),
        (a2, "agreement_default", WarningLevel.orange, AlertStatus.acknowledged),
        (a5, "mediation_due_soon", WarningLevel.blue, AlertStatus.open),
        (b1, "major_collective", WarningLevel.red, AlertStatus.resolved),
    )
    return {"A": a, "B": b, "C": c}


def test_risk_numbers_match_the_hand_count(world):
    a, b, c = world["A"], world["B"], world["C"]
    risks = risk_for([a.id, b.id, c.id, 987_654])
    assert risks[a.id] == EnterpriseRisk(
        open_cases=4,  # a1 a2 a3 a4; a5 is closed
        workers_involved=12 + 5 + 3 + 2,
        amount_owed_fen=9_600_000 + (1_000_000 - 300_000) + 0 + 0,
        open_alerts=3,  # yellow open, orange acknowledged, blue open on the closed case
        highest_level=WarningLevel.orange,  # the red one is resolved
        no_current_survey=True,
    )
    # none has a labour-relations survey this year, which counts too (docs/enterprise-file.md)
    none = EnterpriseRisk(0, 0, 0, 0, None, no_current_survey=True)
    assert risks[b.id] == none
    assert risks[c.id] == none
    assert risks[987_654] == none  # every id asked about is present
    assert set(risks) == {a.id, b.id, c.id, 987_654}


def test_highest_level_is_by_severity_not_alphabet(world, make_case):
    a = world["A"]
    a1 = db.session.scalar(select(Case).where(Case.enterprise_id == a.id).order_by(Case.id))
    db.session.add(
        Alert(case_id=a1.id, rule="owner_absconded", level=WarningLevel.red,
              target_tier=Tier.city, target_org_id=a1.handling_org_id,
              status=AlertStatus.open, raised_at=utcnow())
    )  # fmt: skip
    db.session.commit()
    assert risk_for([a.id])[a.id].highest_level == WarningLevel.red
    assert risk_for([a.id])[a.id].open_alerts == 4


def test_risk_for_nothing_is_empty(app):
    assert risk_for([]) == {}


def test_risk_for_is_two_statements_whatever_the_number_of_enterprises(world, app):
    ids = [e.id for e in world.values()]
    with StatementCounter() as counter:
        risk_for(ids)
    assert counter.count == 2  # the cases' risk, the surveys' flags (docs/enterprise-file.md)


def test_risk_subquery_orders_enterprises_riskiest_first(world, make_enterprise, make_case):
    d = make_enterprise(name="丁")
    d1 = make_case(enterprise_id=d.id)
    set_case(d1, workers_involved=1, claim_amount_fen=100)
    db.session.add(
        Alert(case_id=d1.id, rule="owner_absconded", level=WarningLevel.red,
              target_tier=Tier.city, target_org_id=d1.handling_org_id,
              status=AlertStatus.open, raised_at=utcnow())
    )  # fmt: skip
    db.session.commit()
    risk = risk_subquery()
    names = db.session.scalars(
        select(Enterprise.name)
        .select_from(outerjoin(Enterprise, risk, risk.c.enterprise_id == Enterprise.id))
        .order_by(*riskiest_first(risk), Enterprise.name)
    ).all()
    # 丁 (red) before 甲 (orange); 乙 and 丙 have no risk: by name
    assert names[:2] == ["丁", "甲"]
    assert sorted(names[2:]) == names[2:] and set(names[2:]) == {"乙", "丙"}
    row = db.session.execute(select(risk).where(risk.c.enterprise_id == world["A"].id)).one()
    assert (row.open_cases, row.workers_involved, row.amount_owed_fen, row.open_alerts) == (
        4, 22, 10_300_000, 3,
    )  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(risk)) == 3  # A, B and D have cases
