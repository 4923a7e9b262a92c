"""The supervision notices API: issue, list, get, record the reply, verify; bad input refused
with messages per field (docs/enterprise-file.md "Supervision notices")."""

from __future__ import annotations

from datetime import timedelta

from mediation.core.clock import local_date, utcnow
from tests.api.conftest import error_of


def _today() -> str:
    return local_date(utcnow()).isoformat()


def _days(n: int) -> str:
    return (local_date(utcnow()) + timedelta(days=n)).isoformat()


def test_issue_reply_and_verify_through_the_api(api, users, orgs, make_case, notice_payload):
    case = make_case()
    body = notice_payload(
        enterprise_id=case.enterprise_id, issued_on=_today(), deadline=_days(7), case_ids=[case.id]
    )
    r = api.post("/supervision-notices", users["mediator"], json=body)
    assert r.status_code == 201, r.get_json()
    notice = r.get_json()
    assert notice["status"] == "issued" and notice["case_ids"] == [case.id]
    assert notice["organization_id"] == orgs["T1"].id and notice["overdue"] is False
    assert (
        notice["actions"] == ["reply", "verify"] and notice["issued_by_id"] == users["mediator"].id
    )

    listed = api.get("/supervision-notices", users["officer"]).get_json()
    assert [n["id"] for n in listed["items"]] == [notice["id"]]
    assert api.get(f"/supervision-notices?enterprise_id={case.enterprise_id}&overdue=false",
                   users["officer"]).get_json()["total"] == 1  # fmt: skip
    assert api.get("/supervision-notices?overdue=true", users["officer"]).get_json()["total"] == 0

    r = api.post(f"/supervision-notices/{notice['id']}/reply", users["officer"],
                 json={"reply_on": _today(), "reply_text": "已于本周补发工资。"})  # fmt: skip
    assert r.status_code == 200 and r.get_json()["status"] == "replied"
    assert r.get_json()["actions"] == ["verify"]
    # a second reply: the state table has no such step now
    again = api.post(f"/supervision-notices/{notice['id']}/reply", users["officer"],
                     json={"reply_on": _today(), "reply_text": "再次答复"})  # fmt: skip
    assert again.status_code == 409

    r = api.post(f"/supervision-notices/{notice['id']}/verify", users["officer"],
                 json={"rectified": True, "note": "现场核实工资表"})  # fmt: skip
    assert r.status_code == 200
    done = r.get_json()
    assert done["status"] == "verified" and done["rectified"] is True
    assert done["verified_by_id"] == users["officer"].id and done["actions"] == []
    assert api.post(f"/supervision-notices/{notice['id']}/verify", users["officer"],
                    json={"rectified": False}).status_code == 409  # fmt: skip


def test_a_deadline_before_the_notice_date_is_refused_with_its_field(api, users, notice_payload):
    r = api.post(
        "/supervision-notices",
        users["mediator"],
        json=notice_payload(issued_on=_today(), deadline=_days(-1)),
    )
    assert r.status_code == 422
    assert error_of(r)["fields"]["deadline"] == [
        "The deadline must not be before the notice's date."
    ]


def test_bad_input_is_refused_field_by_field(api, users, orgs, make_case, make_enterprise,
                                             notice_payload):  # fmt: skip
    mediator = users["mediator"]
    # a case out of the user's scope (town T2's), named as a linked case
    foreign = make_case(by=users["other_mediator"], org="G2",
                        enterprise_id=make_enterprise("G2").id)  # fmt: skip
    r = api.post("/supervision-notices", mediator,
                 json=notice_payload(issued_on=_today(), deadline=_days(3), case_ids=[foreign.id]))  # fmt: skip
    assert r.status_code == 422
    assert error_of(r)["fields"]["case_ids"] == [f"Unknown case {foreign.id}."]
    # a case in scope, but of another enterprise
    other = make_case()
    r = api.post("/supervision-notices", mediator,
                 json=notice_payload(issued_on=_today(), deadline=_days(3), case_ids=[other.id]))  # fmt: skip
    assert error_of(r)["fields"]["case_ids"] == [
        f"Case {other.id} is not a case of this enterprise."
    ]
    # an enterprise outside the user's area, an issuing union outside it, a date to come
    r = api.post("/supervision-notices", mediator, json=notice_payload(
        enterprise_id=make_enterprise("G2").id, issued_on=_today(), deadline=_days(3)))  # fmt: skip
    assert error_of(r)["fields"] == {"enterprise_id": ["Unknown enterprise."]}
    r = api.post("/supervision-notices", mediator, json=notice_payload(
        organization_id=orgs["T2"].id, issued_on=_today(), deadline=_days(3)))  # fmt: skip
    assert error_of(r)["fields"] == {"organization_id": ["Not an organization you may act for."]}
    r = api.post("/supervision-notices", mediator,
                 json=notice_payload(issued_on=_days(1), deadline=_days(3)))  # fmt: skip
    assert error_of(r)["fields"] == {"issued_on": ["Must not be in the future."]}
    # missing and unknown fields, a kind that does not exist
    r = api.post("/supervision-notices", mediator, json={"kind": "letter", "colour": "red"})
    fields = error_of(r)["fields"]
    assert {"kind", "colour", "enterprise_id", "findings", "rectification", "deadline",
            "issued_on"} <= set(fields)  # fmt: skip

    notice = api.post("/supervision-notices", mediator,
                      json=notice_payload(issued_on=_today(), deadline=_days(3))).get_json()  # fmt: skip
    r = api.post(f"/supervision-notices/{notice['id']}/reply", mediator,
                 json={"reply_on": _days(-1), "reply_text": "答复"})  # fmt: skip
    assert error_of(r)["fields"] == {"reply_on": ["Must not be before the notice's date."]}
    r = api.post(f"/supervision-notices/{notice['id']}/reply", mediator, json={"reply_on": "x"})
    assert set(error_of(r)["fields"]) == {"reply_on", "reply_text"}
    r = api.post(f"/supervision-notices/{notice['id']}/verify", mediator, json={})
    assert set(error_of(r)["fields"]) == {"rectified"}


def test_scope_and_roles(api, users, notice_payload):
    notice = api.post("/supervision-notices", users["mediator"],
                      json=notice_payload(issued_on=_today(), deadline=_days(3))).get_json()  # fmt: skip
    path = f"/supervision-notices/{notice['id']}"
    # the issuing union's staff, those above it; not the other town, not advocates
    for name in ("mediator", "officer", "city_officer", "admin"):
        assert api.get(path, users[name]).status_code == 200, name
    for name in ("other_officer", "other_mediator", "advocate", "g1_mediator"):
        assert api.get(path, users[name]).status_code == 404, name
    assert api.get("/supervision-notices", users["advocate"]).status_code == 404
    assert api.get("/supervision-notices", users["other_officer"]).get_json()["total"] == 0
    assert api.post(f"{path}/verify", users["other_officer"],
                    json={"rectified": True}).status_code == 404  # fmt: skip
    assert api.post("/supervision-notices", users["advocate"],
                    json=notice_payload(issued_on=_today(), deadline=_days(3))).status_code == 404  # fmt: skip


def test_the_openapi_document_describes_the_operations(api):
    spec = api.get("/openapi.json").get_json()
    paths = spec["paths"]
    assert set(paths["/api/v1/supervision-notices"]) >= {"get", "post"}
    assert "422" in paths["/api/v1/supervision-notices"]["post"]["responses"]
    assert "409" in paths["/api/v1/supervision-notices/{notice_id}/verify"]["post"]["responses"]
    assert "get" in paths["/api/v1/supervision-notices/{notice_id}"]
    assert "post" in paths["/api/v1/supervision-notices/{notice_id}/reply"]
