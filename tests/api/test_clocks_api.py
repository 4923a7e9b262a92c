"""Contract tests of the clock endpoints (design.md §8a): the application, the clocks, their
events and the arbitration stage; bad input answers 4xx with the fields and writes nothing."""

from __future__ import annotations

from datetime import timedelta

from mediation.core.clock import local_date, utcnow
from tests.api.conftest import error_of
from tests.helpers import reload


def test_a_report_has_a_not_started_mediation_clock_until_the_application(api, users, case_json):
    body = case_json(channel="hotline", reported_at=(utcnow() - timedelta(hours=2)).isoformat())
    created = api.post("/cases", as_=users["mediator"], json=body).get_json()
    assert created["application_received_at"] is None
    assert created["reported_at"] == created["received_at"]
    clocks = api.get(f"/cases/{created['id']}/clocks", as_=users["mediator"]).get_json()["items"]
    by_name = {c["clock"]: c for c in clocks}
    assert by_name["mediation"]["state"] == "not_started"
    assert by_name["mediation"]["last_day"] is None
    assert by_name["acceptance"]["state"] == "running" and not by_name["acceptance"]["statutory"]
    assert set(by_name["acceptance"]["allowed_events"]) == {"suspend"}
    assert by_name["limitation"]["unknown"] is True  # remuneration: employment status unknown

    # before the report: 422, nothing written
    early = (utcnow() - timedelta(days=3)).isoformat()
    bad = api.post(
        f"/cases/{created['id']}/application", as_=users["mediator"],
        json={"received_at": early, "version": created["version"]},
    )  # fmt: skip
    assert bad.status_code == 422 and "received_at" in error_of(bad)["fields"]
    assert reload(created["id"]).version == created["version"]

    now = utcnow().isoformat()
    ok = api.post(
        f"/cases/{created['id']}/application", as_=users["mediator"],
        json={"received_at": now, "version": created["version"]},
    )  # fmt: skip
    assert ok.status_code == 200, ok.get_json()
    case = ok.get_json()
    assert case["application_received_at"] is not None
    clocks = api.get(f"/cases/{created['id']}/clocks", as_=users["mediator"]).get_json()["items"]
    mediation = next(c for c in clocks if c["clock"] == "mediation")
    assert (
        mediation["state"] == "running"
        and mediation["last_day"] >= (local_date(utcnow()) + timedelta(days=15)).isoformat()
    )
    again = api.post(
        f"/cases/{created['id']}/application", as_=users["mediator"],
        json={"received_at": now, "version": case["version"]},
    )  # fmt: skip
    assert again.status_code == 409


def test_clock_events_extend_with_consent_and_refuse_without(api, users, make_case):
    case = make_case(channel="walk_in")
    today = local_date(utcnow()).isoformat()
    url = f"/cases/{case.id}/clocks/mediation/events"
    mediation = next(
        c
        for c in api.get(f"/cases/{case.id}/clocks", as_=users["mediator"]).get_json()["items"]
        if c["clock"] == "mediation"
    )
    new_last_day = (local_date(utcnow()) + timedelta(days=20)).isoformat()
    body = {"kind": "extend", "at": today, "reason": "双方同意延长", "new_last_day": new_last_day,
            "version": reload(case).version}  # fmt: skip
    refused = api.post(url, as_=users["mediator"], json=body)
    assert refused.status_code == 422
    assert "consent" in error_of(refused)["fields"]
    assert reload(case).version == body["version"]

    resume = api.post(
        url, as_=users["mediator"],
        json={**body, "kind": "resume"},
    )  # fmt: skip
    assert resume.status_code == 422 and "kind" in error_of(resume)["fields"]

    ok = api.post(
        url, as_=users["mediator"], json={**body, "consent": {"worker": True, "employer": True}}
    )
    assert ok.status_code == 200, ok.get_json()
    after = next(c for c in ok.get_json()["items"] if c["clock"] == "mediation")
    assert after["extended_to"] is not None and after["last_day"] > mediation["last_day"]
    assert after["original_last_day"] == mediation["last_day"]
    assert [e["kind"] for e in after["events"]] == ["extend"]
    assert after["events"][0]["consent"] == {"worker": True, "employer": True}


def test_an_unknown_clock_is_404_and_a_bad_kind_422(api, users, make_case):
    case = make_case(channel="walk_in")
    body = {"kind": "suspend", "at": local_date(utcnow()).isoformat(), "reason": "x",
            "version": reload(case).version}  # fmt: skip
    assert api.post(f"/cases/{case.id}/clocks/sundial/events", as_=users["mediator"],
                    json=body).status_code == 404  # fmt: skip
    bad = api.post(
        f"/cases/{case.id}/clocks/mediation/events", as_=users["mediator"],
        json={**body, "kind": "pause"},
    )  # fmt: skip
    assert bad.status_code == 422 and "kind" in error_of(bad)["fields"]


def test_the_openapi_document_describes_the_clocks(api, users):
    spec = api.get("/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/cases/{case_id}/clocks", "/cases/{case_id}/clocks/{clock}/events",
                 "/cases/{case_id}/application", "/cases/{case_id}/arbitration"):  # fmt: skip
        assert any(p.endswith(path) for p in paths), path
    clock_schema = spec["components"]["schemas"]["Clock"]
    assert {"clock", "state", "started_at", "last_day", "provisional", "events"} <= set(
        clock_schema["properties"]
    )
