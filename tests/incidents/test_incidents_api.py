"""The incidents API: create, read, list, update, reports; validation answers 422 with field
messages; scope answers 404 (docs/incidents.md)."""

from __future__ import annotations

from mediation.extensions import db
from mediation.incidents.models import Incident
from tests.api.conftest import error_of


def test_create_answers_the_incident_with_its_chain(api, users, orgs, incident_payload):
    r = api.post("/incidents", users["g1_mediator"], json=incident_payload())
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["organization_id"] == orgs["G1"].id
    assert body["status"] == "ongoing" and body["major"] is False
    assert body["employer"] == "宏达建筑工程有限公司"
    assert [s["kind"] for s in body["chain"]] == ["verbal", "written", "follow_up", "final"]
    assert body["chain"][3]["due_at"] is None  # the final report is due only once it ended
    assert body["case_ids"] == []


def test_fifty_participants_or_road_blocking_or_extreme_acts_mark_it_major(
    api, users, incident_payload
):
    user = users["mediator"]
    cases = [
        ({"participants": 49}, False),
        ({"participants": 50}, True),
        ({"behaviours": ["road_blocking"]}, True),
        ({"behaviours": ["gathering", "extreme_acts"]}, True),
        ({"behaviours": ["petition", "work_stoppage"]}, False),
    ]
    for overrides, major in cases:
        r = api.post("/incidents", user, json=incident_payload(**overrides))
        assert r.get_json()["major"] is major, overrides
    incident_id = r.get_json()["id"]
    r = api.patch(f"/incidents/{incident_id}", user, json={"participants": 80})
    assert r.status_code == 200 and r.get_json()["major"] is True


def test_bad_input_is_422_with_field_messages_and_writes_nothing(api, users, incident_payload):
    user = users["mediator"]
    bad = incident_payload(participants=0, behaviours=["dancing"], cause="", place="")
    del bad["employer_name"]
    r = api.post("/incidents", user, json=bad)
    assert r.status_code == 422
    fields = error_of(r)["fields"]
    assert {"participants", "cause", "place"} <= set(fields)
    assert any(key.startswith("behaviours") for key in fields)  # (the unknown one: behaviours.0)
    r = api.post("/incidents", user, json=incident_payload(employer_name=None))
    assert r.status_code == 422 and "employer_name" in error_of(r)["fields"]
    r = api.post("/incidents", user, json=incident_payload(started_at="2099-01-01T10:00:00+08:00"))
    assert r.status_code == 422 and "started_at" in error_of(r)["fields"]
    r = api.post("/incidents", user, json={**incident_payload(), "colour": "red"})
    assert r.status_code == 422 and "colour" in error_of(r)["fields"]
    assert db.session.query(Incident).count() == 0


def test_reports_are_listed_and_a_final_report_waits_for_the_end(api, users, incident_payload):
    user = users["mediator"]
    incident = api.post("/incidents", user, json=incident_payload()).get_json()
    path = f"/incidents/{incident['id']}/reports"
    r = api.post(path, user, json={"kind": "verbal", "at": incident["started_at"],
                                   "channel": "phone", "content": "已电话报告市总工会值班室"})  # fmt: skip
    assert r.status_code == 201 and r.get_json()["channel"] == "phone"
    r = api.post(path, user, json={"kind": "final", "at": incident["started_at"], "content": "x"})
    assert r.status_code == 422 and "kind" in error_of(r)["fields"]
    r = api.post(path, user, json={"kind": "written", "content": ""})
    assert r.status_code == 422 and {"at", "content"} <= set(error_of(r)["fields"])
    items = api.get(path, user).get_json()["items"]
    assert [i["kind"] for i in items] == ["verbal"]
    detail = api.get(f"/incidents/{incident['id']}", user).get_json()
    assert detail["chain"][0]["met_at"] is not None


def test_update_ends_the_incident_and_a_stale_version_is_409(api, users, incident_payload):
    user = users["officer"]
    incident = api.post("/incidents", user, json=incident_payload()).get_json()
    path = f"/incidents/{incident['id']}"
    r = api.patch(path, user, json={"status": "ended", "measures": "协调垫付工资", "version": 1})
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "ended" and body["ended_at"] and body["version"] == 2
    assert body["chain"][3]["due_at"] is not None
    r = api.patch(path, user, json={"trend": "平稳", "version": 1})
    assert r.status_code == 409
    r = api.patch(path, user, json={"participants": -3})
    assert r.status_code == 422 and "participants" in error_of(r)["fields"]


def test_linked_cases_must_be_in_scope(api, users, incident_payload, make_case):
    case = make_case()
    user = users["mediator"]
    r = api.post("/incidents", user, json=incident_payload(case_ids=[case.id]))
    assert r.status_code == 201 and r.get_json()["case_ids"] == [case.id]
    r = api.post("/incidents", users["other_mediator"], json=incident_payload(case_ids=[case.id]))
    assert r.status_code == 422 and "case_ids" in error_of(r)["fields"]


def test_out_of_scope_is_404_and_the_list_holds_only_the_scope(api, users, incident_payload):
    mine = api.post("/incidents", users["mediator"], json=incident_payload()).get_json()
    api.post("/incidents", users["other_mediator"], json=incident_payload(participants=70))
    for who in ("other_mediator", "other_officer", "other_advocate"):
        assert api.get(f"/incidents/{mine['id']}", users[who]).status_code == 404
        assert api.patch(f"/incidents/{mine['id']}", users[who], json={}).status_code == 404
    listed = api.get("/incidents", users["officer"]).get_json()
    assert [i["id"] for i in listed["items"]] == [mine["id"]]
    assert api.get("/incidents", users["city_officer"]).get_json()["total"] == 2
    board = api.get("/incidents", users["admin"]).get_json()["items"]
    assert board[0]["participants"] == 70  # same start: the larger first


def test_advocates_record_and_report_but_do_not_edit(api, users, incident_payload):
    advocate = users["advocate"]
    r = api.post("/incidents", advocate, json=incident_payload())
    assert r.status_code == 201
    incident_id = r.get_json()["id"]
    r = api.post(f"/incidents/{incident_id}/reports", advocate,
                 json={"kind": "verbal", "at": r.get_json()["started_at"], "content": "口头"})  # fmt: skip
    assert r.status_code == 201
    assert api.patch(f"/incidents/{incident_id}", advocate, json={}).status_code == 403
    r = api.post("/incidents", advocate,
                 json=incident_payload(organization_id=users["city_officer"].organization_id))  # fmt: skip
    assert r.status_code == 422 and "organization_id" in error_of(r)["fields"]


def test_an_unregistered_employer_can_be_replaced_by_a_registered_one(
    api, users, incident_payload, make_enterprise
):
    user = users["mediator"]
    enterprise = make_enterprise("G1")
    incident = api.post("/incidents", user, json=incident_payload()).get_json()
    path = f"/incidents/{incident['id']}"
    r = api.patch(path, user, json={"enterprise_id": enterprise.id, "employer_name": None})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["employer"] == enterprise.name
    r = api.patch(path, user, json={"enterprise_id": None})
    assert r.status_code == 422 and "employer_name" in error_of(r)["fields"]
