"""The demo's mass incident: ended, with its full report chain, and loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from mediation.core.clock import utcnow
from mediation.demo import load_demo, load_demo_incident
from mediation.extensions import db
from mediation.incidents.models import Incident, IncidentReport
from mediation.warnings.models import ACTIVE_STATUSES, Alert


def test_the_demo_has_one_ended_incident_with_its_full_chain_and_loads_it_once(app):
    load_demo()
    (incident,) = db.session.scalars(select(Incident)).all()
    assert incident.status.value == "ended" and incident.enterprise is not None
    kinds = [r.kind.value for r in incident.reports]
    assert kinds == ["verbal", "written", "follow_up", "final"]
    assert all([incident.nature, incident.trend, incident.escalation_risk, incident.impact])
    # everything was reported in time: the red alert of its start is resolved, nothing is open
    alerts = db.session.scalars(select(Alert).where(Alert.incident_id == incident.id)).all()
    assert [a.rule for a in alerts] == ["mass_incident"]
    assert not any(a.status in ACTIVE_STATUSES for a in alerts)

    load_demo_incident(utcnow())
    load_demo()
    assert db.session.scalar(select(func.count(Incident.id))) == 1
    assert db.session.scalar(select(func.count(IncidentReport.id))) == 4
