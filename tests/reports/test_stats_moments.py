"""The statistics' shortcuts hold the same figures as the long way: the moments copied onto the
case (`accepted_at`, `agreed_at`, `first_town_alert_at`, `first_city_alert_at`) and the days at
each tier computed by PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from mediation.cases import services
from mediation.cases.models import Case
from mediation.core.clock import ensure_utc
from mediation.extensions import db
from mediation.reports import stats
from mediation.reports.stats import tiers
from mediation.warnings import services as alert_services
from mediation.warnings.models import Alert
from mediation.warnings.sweep import sweep
from tests.conftest import trigger_payload
from tests.helpers import DAY, HOUR, T0, local, reload

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


def _first_alerts(case_id: int) -> tuple:
    case = reload(case_id)
    return tuple(
        None if at is None else ensure_utc(at)
        for at in (case.first_town_alert_at, case.first_city_alert_at)
    )


def test_the_first_town_and_city_alerts_are_kept_on_the_case(users, make_case):
    """Raised by a service (immediate rule), by the sweep (a climb), by a person (a manual
    escalation); an alert resolved and raised again later keeps the first moment on the case,
    while the alert row's `raised_at` moves."""
    officer, mediator = users["officer"], users["mediator"]
    quiet = make_case(now=T0, **DISPUTE)
    assert _first_alerts(quiet.id) == (None, None)
    due = local(2026, 3, 6)  # acceptance overdue (three working days): town, then the city
    sweep(due)
    assert _first_alerts(quiet.id) == (due, None)
    sweep(due + DAY)  # nobody acknowledged: climbs to the city
    assert _first_alerts(quiet.id) == (due, due + DAY)

    absconded = make_case(now=T0, **DISPUTE, owner_absconded=True)  # red, for the city at once
    assert _first_alerts(absconded.id) == (None, T0)
    case = reload(absconded.id)
    services.update_facts(case.id, mediator, {"version": case.version, "owner_absconded": False},
                          now=T0 + HOUR)  # fmt: skip
    case = reload(absconded.id)
    services.update_facts(case.id, mediator, {"version": case.version, "owner_absconded": True},
                          now=T0 + 5 * HOUR)  # fmt: skip
    alert = db.session.scalar(
        db.select(Alert).where(Alert.case_id == absconded.id, Alert.rule == "owner_absconded")
    )
    assert ensure_utc(alert.raised_at) == T0 + 5 * HOUR  # the row was raised again
    assert _first_alerts(absconded.id) == (None, T0)  # the case keeps the first moment

    escalated = make_case(now=T0, **DISPUTE)
    alert_services.escalate(escalated.id, officer, {"level": "yellow", "reason": "跟进"},
                            now=T0 + 2 * HOUR)  # fmt: skip
    assert _first_alerts(escalated.id) == (None, T0 + 2 * HOUR)


def test_days_at_tier_in_sql_equals_the_python_rules(users, orgs, make_case, make_enterprise):
    """Every path of the tier ratchet: none, town, city, city before town, reached before or at
    receipt, town and city at once, reached after the end, a town- or city-handled case, closed
    cases."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the SQL path is PostgreSQL's")
    timings = [  # (handling org, hours after receipt of the first town / city alert, closed)
        ("G1", None, None, None),
        ("G1", 48, None, None),
        ("G1", None, 72, None),
        ("G1", 120, 24, None),
        ("G1", -24, 96, None),
        ("G1", 48, 48, None),
        ("G1", -24, -24, None),
        ("G1", 0, 30, None),
        ("G1", 24 * 40, None, None),
        ("G1", 24, 24 * 40, None),
        ("T1", 24, 48, None),
        ("T1", None, 0, None),
        ("T1", 24, None, None),
        ("C", 24, 48, None),
        ("G1", 24, 72, 48),
        ("G1", 72, None, 48),
        ("G1", None, None, 12),
        ("T1", None, 12, 12),
    ]
    cases = []
    for i, (org, town, city, closed) in enumerate(timings):
        enterprise = make_enterprise({"G1": "G1", "T1": "T1", "C": "T1"}[org])
        by = users["admin"] if org == "C" else None
        case = make_case(by=by, now=T0 + i * HOUR, org=org, enterprise_id=enterprise.id, **DISPUTE)
        cases.append((case, town, city, closed))
    for case, town, city, closed in cases:
        received = ensure_utc(case.received_at)

        def moment(hours, received=received):
            return None if hours is None else received + hours * HOUR

        values = {"first_town_alert_at": moment(town), "first_city_alert_at": moment(city)}
        if closed is not None:
            values.update(state="closed", outcome="withdrawn", closed_at=moment(closed))
        db.session.execute(update(Case).where(Case.id == case.id).values(**values))
    db.session.commit()
    now = T0 + 30 * DAY
    admin = users["admin"]
    expected = tiers.days_at_tier_python(admin, MARCH, None, now=now)
    assert tiers.days_at_tier_sql(admin, MARCH, None, now=now) == expected
    assert sum(v["cases"] for v in expected.values()) > len(timings)  # some cases climbed
    assert all(v["cases"] for v in expected.values())
