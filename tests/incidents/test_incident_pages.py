"""The incident pages: the quick form (and its errors, with what was typed), the incident page
with its report chain and report form, the board's order, the printable written report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mediation.core.clock import to_local, utcnow
from mediation.extensions import db
from mediation.incidents import services
from mediation.incidents.models import Incident, IncidentReport
from tests.conftest import login


def _local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _form(**overrides) -> dict:
    form = {
        "organization_id": "", "employer_name": "顺发电子厂", "place": "厂区大门",
        "started_at": _local(utcnow() - timedelta(minutes=10)), "participants": "35",
        "behaviours": ["gathering", "work_stoppage"], "cause": "wage_arrears",
    }  # fmt: skip
    form.update(overrides)
    return {k: v for k, v in form.items() if v != ""}


def test_the_advocates_quick_form_records_the_incident_and_alerts_the_city(client, users):
    login(client, users["advocate"])
    assert client.get("/incidents/new").status_code == 200
    r = client.post("/incidents/new", data=_form())
    assert r.status_code == 302
    incident = db.session.scalar(select(Incident))
    assert r.headers["Location"].endswith(f"/incidents/{incident.id}")
    assert incident.organization_id == users["advocate"].organization_id
    assert sorted(incident.behaviours) == ["gathering", "work_stoppage"]
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert 'data-step="verbal"' in page and "顺发电子厂" in page
    assert 'id="report-form"' in page and 'id="edit-incident"' not in page


def test_the_quick_form_answers_422_with_what_was_typed(client, users):
    login(client, users["mediator"])
    r = client.post("/incidents/new", data=_form(participants="0", behaviours=[], place=""))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert page.count('class="field-error"') >= 3
    assert 'value="顺发电子厂"' in page
    assert db.session.scalar(select(Incident)) is None


def test_a_report_is_recorded_from_the_incident_page(client, users, incident_payload):
    incident = services.create_incident(users["mediator"], incident_payload())
    login(client, users["mediator"])
    path = f"/incidents/{incident.id}/reports"
    r = client.post(path, data={"kind": "verbal", "at": _local(utcnow()), "channel": "phone",
                                "content": "已向市总值班室口头报告"})  # fmt: skip
    assert r.status_code == 302
    r = client.post(path, data={"kind": "written", "at": _local(utcnow()), "content": ""})
    assert r.status_code == 422 and "field-error" in r.get_data(as_text=True)
    reports = db.session.scalars(select(IncidentReport)).all()
    assert [r.kind.value for r in reports] == ["verbal"]
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "已向市总值班室口头报告" in page


def test_the_board_shows_ongoing_incidents_newest_then_largest(client, users, incident_payload):
    now = utcnow()
    user = users["mediator"]
    early = services.create_incident(user, incident_payload(
        started_at=(now - timedelta(hours=3)).isoformat(), participants=300))  # fmt: skip
    small = services.create_incident(user, incident_payload(
        started_at=(now - timedelta(hours=1)).isoformat(), participants=12))  # fmt: skip
    large = services.create_incident(user, incident_payload(
        started_at=(now - timedelta(hours=1)).isoformat(), participants=80))  # fmt: skip
    ended = services.create_incident(user, incident_payload(started_at=now.isoformat()))
    services.update_incident(ended.id, user, {"status": "ended"})
    login(client, users["city_officer"])
    page = client.get("/incidents").get_data(as_text=True)
    order = [i.id for i in (large, small, early)]
    positions = [page.index(f'data-incident="{i}"') for i in order]
    assert positions == sorted(positions)
    assert f'data-incident="{ended.id}"' not in page
    assert f'data-incident="{ended.id}"' in client.get("/incidents?status=all").get_data(
        as_text=True
    )


def test_the_written_report_states_the_seven_elements(client, users, incident_payload):
    incident = services.create_incident(users["mediator"], incident_payload())
    services.update_incident(incident.id, users["mediator"], {
        "nature": "劳资纠纷引发的群体性上访", "trend": "情绪趋于平稳",
        "escalation_risk": "如周五前未发放工资，可能再次聚集约百人", "measures": "镇工会现场劝导",
        "impact": "造成镇政府门前交通短时拥堵",
    })  # fmt: skip
    login(client, users["officer"])
    page = client.get(f"/incidents/{incident.id}/written-report").get_data(as_text=True)
    for field in ("cause", "nature", "people", "trend", "escalation", "measures", "impact"):
        assert f'data-field="{field}"' in page
    assert "可能再次聚集约百人" in page and "document.css" in page


def test_the_edit_form_completes_and_ends_the_incident(client, users, incident_payload):
    incident = services.create_incident(users["mediator"], incident_payload())
    login(client, users["mediator"])
    form = client.get(f"/incidents/{incident.id}/edit")
    assert form.status_code == 200
    r = client.post(f"/incidents/{incident.id}/edit", data={
        "employer_name": "宏达建筑工程有限公司", "place": "一镇政府门口",
        "started_at": _local(incident.started_at), "participants": "55",
        "behaviours": ["gathering", "road_blocking"], "cause": "wage_arrears",
        "status": "ended", "measures": "已协调垫付", "version": str(incident.version),
    })  # fmt: skip
    assert r.status_code == 302
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.status.value == "ended" and incident.major and incident.ended_at
