"""A case's whole life through the API alone, and the alerts it raises along the way."""

from __future__ import annotations

from tests.api.conftest import error_of
from tests.conftest import future_date, today, valid_credit_code, valid_id_number


def test_an_arrears_case_from_report_to_ruling_through_the_api(api, users, orgs):
    mediator, officer = users["mediator"], users["officer"]

    enterprise = api.post(
        "/enterprises", as_=mediator,
        json={"name": "江川宏达建筑劳务有限公司", "credit_code": valid_credit_code(4242),
              "organization_id": orgs["G1"].id},
    )  # fmt: skip
    assert enterprise.status_code == 201, enterprise.get_json()
    enterprise_id = enterprise.get_json()["id"]

    created = api.post(
        "/cases", as_=mediator,
        json={
            "kind": "arrears", "category": "remuneration", "enterprise_id": enterprise_id,
            "handling_org_id": orgs["G1"].id, "title": "拖欠15名工人三个月工资",
            "workers_involved": 15, "claim_amount": "180000.00", "arrears_months": 2,
            "worker_name": "李春生", "worker_id_number": valid_id_number(serial=77),
            "is_migrant": True, "is_construction": True, "channel": "hotline",
        },
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    case_id = case["id"]
    url = f"/cases/{case_id}/transitions"

    def fire(trigger: str, **payload):
        nonlocal case
        response = api.post(
            url, as_=mediator, json={"trigger": trigger, "version": case["version"], **payload}
        )
        assert response.status_code == 200, (trigger, response.get_json())
        case = response.get_json()
        return case

    assert case["allowed_triggers"] == ["accept", "reject", "withdraw"]
    fire("accept", mediator_id=mediator.id)
    assert case["state"] == "accepted" and case["mediator_id"] == mediator.id
    fire("begin_mediation", note="双方到场")
    assert case["state"] == "mediating"
    instalments = [
        {"due_on": future_date(10), "amount": "70000.00"},
        {"due_on": future_date(40), "amount": "100000.00"},
    ]
    fire("record_agreement", terms="分两期付清", agreement_amount="170000.00",
         instalments=instalments)  # fmt: skip
    assert case["state"] == "agreement" and case["agreement_amount"] == "170000.00"
    assert case["instalments"] == instalments
    assert case["agreement_due_on"] == future_date(40)
    fire("record_payment", paid_amount="70000.00", note="第一期已付")
    assert case["state"] == "agreement" and case["paid_amount"] == "70000.00"
    fire("report_default", reason="单位书面表示第二期不再支付", refused_on=today())
    assert case["state"] == "failed" and case["defaulted_at"]
    fire("refer", referral_target="arbitration", referral_reference="江劳人仲案字〔2026〕88号")
    assert case["state"] == "referred" and case["referral_target"] == "arbitration"
    fire("record_ruling", result="worker_won", amount="175000.00")
    assert case["state"] == "closed" and case["outcome"] == "worker_won"
    assert case["ruling_amount"] == "175000.00" and case["closed_at"]
    assert case["allowed_triggers"] == []

    events = api.get(f"/cases/{case_id}/events", as_=mediator).get_json()["items"]
    assert [e["trigger"] for e in events if e["kind"] == "payment"] == ["record_payment"]
    steps = [e["trigger"] for e in events if e["kind"] == "transition"]
    assert steps == [
        "accept", "begin_mediation", "record_agreement", "report_default", "refer",
        "record_ruling",
    ]  # fmt: skip
    assert events[0]["kind"] == "created"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))

    # the alerts the 15-worker arrears case raised reached the town officer's inbox
    inbox = api.get(f"/alerts?status=all&case={case_id}", as_=officer)
    assert inbox.status_code == 200
    alerts = inbox.get_json()["items"]
    rules = {a["rule"] for a in alerts}
    assert {"collective", "arrears_duration"} <= rules, rules
    assert all(a["case_number"] == case["number"] for a in alerts)
    collective = next(a for a in alerts if a["rule"] == "collective")
    assert collective["level"] == "yellow" and collective["target_tier"] == "town"

    # the case is closed, so its alerts resolved; acknowledging a resolved alert is a conflict
    if collective["status"] == "resolved":
        response = api.post(
            f"/alerts/{collective['id']}/acknowledge", as_=officer, json={"note": "已督办"}
        )
        assert response.status_code == 409
        error_of(response)


def test_alerts_are_acknowledged_through_the_api(api, users, make_case):
    officer = users["officer"]
    case = make_case(workers_involved=15)
    inbox = api.get("/alerts", as_=officer).get_json()
    alert = next(a for a in inbox["items"] if a["case_id"] == case.id and a["rule"] == "collective")
    assert alert["status"] == "open"

    missing_note = api.post(f"/alerts/{alert['id']}/acknowledge", as_=officer, json={})
    assert missing_note.status_code == 422
    assert "note" in error_of(missing_note)["fields"]

    response = api.post(
        f"/alerts/{alert['id']}/acknowledge", as_=officer, json={"note": "已联系企业负责人"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "acknowledged" and body["acknowledged_by_id"] == officer.id
    assert body["note"] == "已联系企业负责人"

    again = api.post(f"/alerts/{alert['id']}/acknowledge", as_=officer, json={"note": "再次"})
    assert again.status_code == 409

    events = api.get(f"/cases/{case.id}/events", as_=officer).get_json()["items"]
    assert events[-1]["kind"] == "acknowledgement" and events[-1]["body"] == "已联系企业负责人"

    filtered = api.get("/alerts?status=acknowledged&level=yellow&tier=town", as_=officer)
    assert [a["id"] for a in filtered.get_json()["items"]] == [alert["id"]]
    # another town's officer does not see it and cannot acknowledge it
    other = users["other_officer"]
    assert alert["id"] not in {
        a["id"] for a in api.get("/alerts?status=all", as_=other).get_json()["items"]
    }
    assert (
        api.post(f"/alerts/{alert['id']}/acknowledge", as_=other, json={"note": "x"}).status_code
        == 404
    )
    # mediators and advocates have no inbox
    assert api.get("/alerts", as_=users["mediator"]).status_code == 403
    assert api.get("/alerts", as_=users["advocate"]).status_code == 403
