"""The mass incidents' statistics: per month, participants, by cause and sector, median
minutes to the first report, in the reports API and on the reports page."""

from __future__ import annotations

from datetime import timedelta

from mediation.extensions import db
from mediation.incidents import services
from tests.conftest import login
from tests.incidents.conftest import T10


def _record(user, payload, first_report_after=None, now=T10):
    incident = services.create_incident(user, payload, now=now)
    if first_report_after is not None:
        at = now + first_report_after
        services.add_report(
            incident.id, user, {"kind": "verbal", "at": at.isoformat(), "content": "口头"}, now=at
        )
    return incident


def test_the_summary_counts_incidents_by_month_cause_and_sector(
    api, users, make_enterprise, incident_payload
):
    enterprise = make_enterprise("G1")
    enterprise.sector = "建筑业"
    db.session.commit()
    user = users["mediator"]
    _record(user, incident_payload(participants=60, enterprise_id=enterprise.id,
                                   employer_name=None), timedelta(minutes=20))  # fmt: skip
    _record(user, incident_payload(participants=10, cause="social_insurance"),
            timedelta(minutes=40))  # fmt: skip
    april = T10 + timedelta(days=31)
    _record(user, incident_payload(participants=5, started_at=april.isoformat()),
            timedelta(minutes=90), now=april)  # fmt: skip
    _record(users["other_mediator"], incident_payload(participants=99))  # out of T1's scope

    r = api.get("/stats/summary?from=2026-01-01&to=2026-12-31", users["officer"])
    assert r.status_code == 200
    figures = r.get_json()["incidents"]
    assert figures["incidents"] == 3 and figures["participants"] == 75
    assert figures["major"] == 1
    assert figures["by_month"]["2026-03"] == {"incidents": 2, "participants": 70}
    assert figures["by_month"]["2026-04"] == {"incidents": 1, "participants": 5}
    assert figures["by_month"]["2026-05"] == {"incidents": 0, "participants": 0}
    assert figures["by_cause"]["wage_arrears"] == {"incidents": 2, "participants": 65}
    assert figures["by_sector"]["建筑业"] == {"incidents": 1, "participants": 60}
    assert figures["by_sector"]["unknown"] == {"incidents": 2, "participants": 15}
    assert figures["median_minutes_to_first_report"] == 40.0

    city = api.get("/stats/summary?from=2026-01-01&to=2026-12-31", users["city_officer"])
    assert city.get_json()["incidents"]["incidents"] == 4


def test_the_reports_page_has_the_incident_block(client, users, incident_payload):
    _record(users["mediator"], incident_payload(participants=12), timedelta(minutes=30))
    login(client, users["officer"])
    page = client.get("/reports?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert 'id="incident-stats"' in page
    assert 'data-figure="median_minutes_to_first_report"><th>' in page
    assert ">30.0<" in page
