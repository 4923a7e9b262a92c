"""The statistics' shortcuts hold the same figures as the long way: the moments copied onto the
case (`accepted_at`, `agreed_at`) and the days at each tier computed by PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from mediation.cases import services
from mediation.core.clock import ensure_utc
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.reports import stats
from mediation.warnings.models import Alert, AlertStatus
from tests.conftest import trigger_payload
from tests.helpers import DAY, HOUR, T0

MARCH = stats.Period(date(2026, 3, 1), date(2026, 3, 31))
DISPUTE = {"kind": "dispute", "category": "dismissal", "workers_involved": 1,
           "arrears_months": None, "claim_amount": None}  # fmt: skip


def test_accept_and_first_agreement_are_kept_on_the_case(users, make_case):
    officer = users["officer"]
    case = make_case(now=T0, **DISPUTE)
    assert case.accepted_at is None and case.agreed_at is None

    def fire(trigger, at, **extra):
        payload = dict(trigger_payload(trigger, users), **extra)
        return services.fire_trigger(case.id, trigger, officer, payload, now=at)

    fire("accept", T0 + DAY)
    fire("begin_mediation", T0 + DAY)
    fire("record_agreement", T0 + 2 * DAY)
    fire("withdraw", T0 + 3 * DAY)
    fire("reopen", T0 + 4 * DAY)  # back to accepted: the first moments stay
    fire("begin_mediation", T0 + 4 * DAY)
    case = fire("record_agreement", T0 + 5 * DAY)
    assert ensure_utc(case.accepted_at) == T0 + DAY
    assert ensure_utc(case.agreed_at) == T0 + 2 * DAY


def test_days_at_tier_in_sql_equals_the_python_rules(users, orgs, make_case, make_enterprise):
    """Every path of the tier ratchet: none, town, city, city before town, reached before or at
    receipt, town and city at once, reached after the end, a town-handled case."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the SQL path is PostgreSQL's")
    timings = [  # (handling org, hours after receipt the first town / city alert is raised)
        ("G1", None, None),
        ("G1", 48, None),
        ("G1", None, 72),
        ("G1", 120, 24),
        ("G1", -24, 96),
        ("G1", 48, 48),
        ("G1", -24, -24),
        ("G1", 0, 30),
        ("G1", 24 * 40, None),
        ("G1", 24, 24 * 40),
        ("T1", 24, 48),
        ("T1", None, 0),
    ]
    cases = []
    for i, (org, town, city) in enumerate(timings):
        enterprise = make_enterprise("G1" if org == "G1" else "T1")
        case = make_case(now=T0 + i * HOUR, org=org, enterprise_id=enterprise.id, **DISPUTE)
        cases.append((case, town, city))
    db.session.execute(delete(Alert).where(Alert.case_id.in_([c.id for c, _, _ in cases])))
    for case, town, city in cases:
        for tier, hours in ((Tier.town, town), (Tier.city, city)):
            if hours is not None:
                db.session.add(
                    Alert(case_id=case.id, rule=f"test_{tier}", level="yellow", target_tier=tier,
                          target_org_id=orgs["T1" if tier == Tier.town else "C"].id,
                          status=AlertStatus.open,
                          raised_at=ensure_utc(case.received_at) + hours * HOUR)
                )  # fmt: skip
    db.session.commit()
    now = T0 + 30 * DAY
    admin = users["admin"]
    expected = stats._days_at_tier_python(admin, MARCH, None, now=now)
    assert stats._days_at_tier_sql(admin, MARCH, None, now=now) == expected
    assert sum(v["cases"] for v in expected.values()) > len(timings)  # some cases climbed
