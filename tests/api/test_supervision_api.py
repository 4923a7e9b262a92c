"""API: mediator assignment, take-over and manual escalation."""

from __future__ import annotations

from mediation.orgs.models import Tier
from tests.api.conftest import error_of
from tests.helpers import reload


def test_assign_mediator(api, users, make_case):
    case = make_case(workers_involved=1)
    version = case.version
    body = {"mediator_id": users["g1_mediator"].id, "version": version}
    response = api.post(f"/cases/{case.id}/mediator", as_=users["officer"], json=body)
    assert response.status_code == 200
    assert response.json["mediator_id"] == users["g1_mediator"].id
    assert response.json["version"] == version + 1
    stale = api.post(f"/cases/{case.id}/mediator", as_=users["officer"], json=body)
    assert stale.status_code == 409
    assert error_of(stale)["current_version"] == version + 1
    bad = api.post(
        f"/cases/{case.id}/mediator", as_=users["officer"],
        json={"mediator_id": users["other_mediator"].id, "version": version + 1},
    )  # fmt: skip
    assert bad.status_code == 422 and "mediator_id" in error_of(bad)["fields"]
    missing = api.post(f"/cases/{case.id}/mediator", as_=users["officer"], json={})
    assert missing.status_code == 422
    assert set(error_of(missing)["fields"]) == {"mediator_id", "version"}


def test_takeover(api, users, orgs, make_case):
    case = make_case(workers_involved=1)
    response = api.post(
        f"/cases/{case.id}/takeover", as_=users["city_officer"],
        json={"version": case.version, "reason": "市总直接督办"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json["handling_org_id"] == orgs["C"].id
    assert response.json["tier"] == "city"
    again = api.post(
        f"/cases/{case.id}/takeover", as_=users["city_officer"],
        json={"version": response.json["version"], "reason": "再次"},
    )  # fmt: skip
    assert again.status_code == 409
    assert reload(case).tier == Tier.city


def test_escalation(api, users, orgs, make_case):
    case = make_case(workers_involved=1)
    response = api.post(
        f"/cases/{case.id}/escalations", as_=users["officer"],
        json={"level": "yellow", "reason": "请市总关注"},
    )  # fmt: skip
    assert response.status_code == 201
    alert = response.json
    assert (alert["rule"], alert["level"], alert["target_tier"], alert["status"]) == (
        "manual_escalation", "yellow", "city", "open",
    )  # fmt: skip
    assert alert["target_org_id"] == orgs["C"].id
    inbox = api.get("/alerts", as_=users["city_officer"]).json["items"]
    assert alert["id"] in [a["id"] for a in inbox]
    again = api.post(
        f"/cases/{case.id}/escalations", as_=users["officer"],
        json={"level": "red", "reason": "再次"},
    )  # fmt: skip
    assert again.status_code == 409
    bad = api.post(
        f"/cases/{case.id}/escalations", as_=users["officer"], json={"level": "x", "extra": 1}
    )
    assert bad.status_code == 422
    assert set(error_of(bad)["fields"]) == {"level", "reason", "extra"}
    ack = api.post(
        f"/alerts/{alert['id']}/acknowledge", as_=users["city_officer"], json={"note": "已督办"}
    )
    assert ack.status_code == 200 and ack.json["status"] == "acknowledged"
