"""Several sweepers at once raise each incident's overdue alert exactly once (PostgreSQL: the
claim skips locked incidents, and (incident, rule, tier) is unique)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from mediation.extensions import db
from mediation.incidents import services
from mediation.incidents.models import Incident
from mediation.warnings.models import Alert
from mediation.warnings.sweep import sweep
from tests.conftest import requires_postgres
from tests.incidents.conftest import T10

SWEEPERS = 4
N_INCIDENTS = 40


@requires_postgres
def test_four_sweepers_raise_each_overdue_report_alert_once(app, users, incident_payload):
    for _ in range(N_INCIDENTS):
        services.create_incident(users["g1_mediator"], incident_payload(), now=T10)
    due = T10 + timedelta(hours=1)
    outcomes, errors = [], []
    start = threading.Barrier(SWEEPERS)

    def run() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                outcome = sweep(due, batch_size=5)
                outcomes.append((outcome.checked, len(outcome.raised)))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(SWEEPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    overdue = db.session.scalar(select(func.count()).where(Alert.rule == "incident_verbal_overdue"))
    assert overdue == N_INCIDENTS
    assert sum(raised for _, raised in outcomes) == N_INCIDENTS
    assert sum(checked for checked, _ in outcomes) == N_INCIDENTS
    assert db.session.scalar(select(func.count()).where(Incident.next_check_at <= due)) == 0
