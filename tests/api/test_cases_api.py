"""Contract tests for the case endpoints: success, each error code, and bad input that writes
nothing."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from mediation.cases.models import Attachment, Case, CaseEvent
from mediation.extensions import db
from tests.api.conftest import error_of
from tests.conftest import trigger_payload, valid_id_number
from tests.helpers import count, reload

# --- list ------------------------------------------------------------------------------------


def test_list_is_scoped_filtered_sorted_and_paged(api, users, make_case, make_enterprise):
    mine = [make_case(title=f"T1 case {i}", workers_involved=i + 1) for i in range(3)]
    other = make_case(
        by=users["other_mediator"], org="G2", title="elsewhere",
        enterprise_id=make_enterprise("G2").id,
    )  # fmt: skip
    response = api.get("/cases", as_=users["mediator"])
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total", "total_is_capped"}
    assert body["total"] == 3 and body["page"] == 1 and body["total_is_capped"] is False
    assert {c["id"] for c in body["items"]} == {c.id for c in mine}
    assert other.id not in {c["id"] for c in body["items"]}

    by_workers = api.get("/cases?sort=-workers_involved", as_=users["mediator"]).get_json()
    assert [c["workers_involved"] for c in by_workers["items"]] == [3, 2, 1]
    page2 = api.get("/cases?per_page=2&page=2&sort=workers_involved", as_=users["mediator"])
    assert [c["workers_involved"] for c in page2.get_json()["items"]] == [3]
    assert page2.get_json()["per_page"] == 2

    found = api.get("/cases?q=case 1", as_=users["mediator"]).get_json()
    assert [c["title"] for c in found["items"]] == ["T1 case 1"]
    by_number = api.get(f"/cases?q={mine[0].number}", as_=users["mediator"]).get_json()
    assert [c["id"] for c in by_number["items"]] == [mine[0].id]
    by_enterprise_name = api.get(
        f"/cases?q={mine[0].enterprise.name[:6]}", as_=users["mediator"]
    ).get_json()
    assert mine[0].id in {c["id"] for c in by_enterprise_name["items"]}
    by_enterprise = api.get(f"/cases?enterprise={mine[1].enterprise_id}", as_=users["mediator"])
    assert [c["id"] for c in by_enterprise.get_json()["items"]] == [mine[1].id]
    # the city officer sees both towns; `org` narrows to a subtree
    city = api.get(f"/cases?org={other.handling_org_id}", as_=users["city_officer"]).get_json()
    assert [c["id"] for c in city["items"]] == [other.id]
    reported = api.get("/cases?state=reported&kind=arrears", as_=users["mediator"]).get_json()
    assert reported["total"] == 3
    assert api.get("/cases?state=closed", as_=users["mediator"]).get_json()["total"] == 0


def test_per_page_is_capped(app, api, users, make_case):
    make_case()
    body = api.get("/cases?per_page=5000", as_=users["mediator"]).get_json()
    assert body["per_page"] == app.config["API_MAX_PER_PAGE"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("state=open", "state"),
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("page=abc", "page"),
        ("sort=password", "sort"),
        ("org=-1", "org"),
        ("level=purple", "level"),
        ("bogus=1", "bogus"),
    ],
)
def test_bad_list_parameters_answer_422_naming_the_parameter(api, users, query, field):
    response = api.get(f"/cases?{query}", as_=users["mediator"])
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_list_does_not_query_per_case(app, api, users, make_case):
    """A page of 50 cases costs the same number of SQL statements as a page of 5."""
    from tests.helpers import StatementCounter

    user = users["mediator"]
    assert api.get("/me", as_=user).status_code == 200  # the token's first use is recorded
    for _ in range(5):
        make_case()

    def statements() -> int:
        db.session.expire_all()
        with StatementCounter() as counter:
            assert api.get("/cases?per_page=50", as_=user).status_code == 200
        return counter.count

    few = statements()
    for _ in range(45):
        make_case()
    many = statements()
    assert api.get("/cases?per_page=50", as_=user).get_json()["total"] == 50
    assert many == few, (few, many)


def test_the_count_stops_at_the_limit_and_says_so(app, api, users, make_case):
    """Beyond CASES_COUNT_LIMIT `total` is a lower bound (the limit, or the end of the asked
    page) and `total_is_capped` is true; below it the count is exact."""
    numbers = [make_case().number for _ in range(7)]
    app.config["CASES_COUNT_LIMIT"] = 3
    first = api.get("/cases?per_page=2", as_=users["mediator"]).get_json()
    assert (first["total"], first["total_is_capped"]) == (3, True)
    assert len(first["items"]) == 2
    # a page past the limit: counted to the end of that page, and a next page is known
    third = api.get("/cases?per_page=2&page=3", as_=users["mediator"]).get_json()
    assert (third["total"], third["total_is_capped"]) == (6, True)
    last = api.get("/cases?per_page=2&page=4", as_=users["mediator"]).get_json()
    assert [c["number"] for c in last["items"]] == [min(numbers)]
    assert (last["total"], last["total_is_capped"]) == (7, False)
    # no scope condition (the administrator): still counted over the cases table
    admin = api.get("/cases?per_page=2", as_=users["admin"]).get_json()
    assert (admin["total"], admin["total_is_capped"]) == (3, True)
    app.config["CASES_COUNT_LIMIT"] = 7
    exact = api.get("/cases?per_page=2", as_=users["mediator"]).get_json()
    assert (exact["total"], exact["total_is_capped"]) == (7, False)


# --- create ----------------------------------------------------------------------------------


def test_create_answers_201_with_the_case(api, users, case_payload):
    response = api.post("/cases", as_=users["mediator"], json=case_payload(workers_involved=60))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "reported" and body["version"] >= 1
    assert body["claim_amount"] == "48000.00"
    assert body["allowed_triggers"] == ["accept", "reject", "withdraw"]
    # the immediate rules ran inside the same transaction: a 60-worker case is red already
    assert body["warning_level"] == "red" and body["tier"] == "city"


# The statements of one creation through the API, counted as in production (a session that has
# nothing loaded): the token, the handling organization with those above it, the scope check
# (not for the administrator), the enterprise, the number, the case, its `created` event, the
# rule settings, the enterprise's recent cases, the case's warning fields; with alerts also the
# alert rows, the officers to notify, the outbox rows, the in-app notices (the officers to tell,
# and their rows: docs/notifications.md) and the alert events (an INSERT each: COPY, which this
# count would not see, only for more rows than a creation writes). Nothing is read back for the
# answer.
CREATE_STATEMENTS = {
    # (role, alerts raised): (PostgreSQL, SQLite)
    ("admin", False): (9, 9),
    ("admin", True): (14, 14),
    ("mediator", False): (10, 10),
    ("mediator", True): (14, 14),
}


@pytest.mark.parametrize("role,alerts", sorted(CREATE_STATEMENTS))
def test_create_costs_a_fixed_number_of_statements(app, api, users, case_payload, role, alerts):
    """A regression guard for the creation's cost (issue 6): the redundant reads it once had
    (settings twice, the case re-read twice, users three times, an UPDATE after the INSERT,
    the alerts read twice) must not come back."""
    from tests.helpers import StatementCounter

    user = users[role]
    assert api.get("/me", as_=user).status_code == 200  # the token's first use is recorded
    payload = case_payload(kind="dispute", workers_involved=60 if alerts else 1)
    payload.pop("arrears_months")
    headers = {"Authorization": f"Bearer {api.token(user)}"}
    db.session.expire_all()  # as a request's new session: nothing loaded
    with StatementCounter() as counter:
        response = api.post("/cases", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["warning_level"] is not None) == alerts
    on_postgres = db.engine.dialect.name == "postgresql"
    expected = CREATE_STATEMENTS[(role, alerts)][0 if on_postgres else 1]
    assert counter.count <= expected, "\n".join(s.split("\n")[0][:80] for s in counter.statements)


@pytest.mark.parametrize("role", ["admin", "mediator"])
@pytest.mark.parametrize("workers", [1, 12, 60])
def test_the_creation_answer_equals_the_stored_case(api, users, case_payload, role, workers):
    """The answer is built from what the creation wrote, without reading the case back: it must
    be what a GET of the stored case answers, and the timeline (the `created` event and any
    alert events) one intact hash chain."""
    from mediation.cases.audit import verify_chains

    user = users[role]
    created = api.post("/cases", as_=user, json=case_payload(workers_involved=workers))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    db.session.expire_all()
    assert api.get(f"/cases/{body['id']}", as_=user).get_json() == body
    events = api.get(f"/cases/{body['id']}/events", as_=user).get_json()["items"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["kind"] == "created"
    assert (len(events) > 1) == (body["warning_level"] is not None)
    stored = db.session.get(Case, body["id"])
    assert stored.event_seq == len(events)
    assert verify_chains()[2] == []


def test_create_refused_for_advocates(api, users, case_payload):
    response = api.post("/cases", as_=users["advocate"], json=case_payload())
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert count(Case) == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"workers_involved": 0}, "workers_involved"),
        ({"workers_involved": "many"}, "workers_involved"),
        ({"workers_involved": 10**9}, "workers_involved"),
        ({"claim_amount": "-5"}, "claim_amount"),
        ({"claim_amount": "1.234"}, "claim_amount"),
        ({"claim_amount": {"yuan": 5}}, "claim_amount"),
        ({"kind": "fight"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"worker_id_number": "440305199003071234"}, "worker_id_number"),
        ({"received_at": "2999-01-01T00:00:00+08:00"}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"enterprise_id": 2**40}, "enterprise_id"),
        ({"enterprise_id": 999_999}, "enterprise_id"),
        ({"handling_org_id": "T1"}, "handling_org_id"),
        ({"colour": "red"}, "colour"),
        ({"is_migrant": "perhaps"}, "is_migrant"),
    ],
)
def test_create_bad_input_is_422_with_the_field_and_writes_nothing(
    api, users, case_payload, change, field
):
    payload = case_payload()
    payload.update(change)
    response = api.post("/cases", as_=users["mediator"], json=payload)
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    assert count(Case) == 0 and count(CaseEvent) == 0


def test_missing_required_fields_are_all_named(api, users):
    response = api.post("/cases", as_=users["mediator"], json={})
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert {"kind", "category", "title", "workers_involved"} <= set(fields)


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"data": "{", "content_type": "application/json"}, 400),
        ({"data": "[1, 2]", "content_type": "application/json"}, 400),
        ({"data": '"text"', "content_type": "application/json"}, 400),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400),
        ({"data": "kind=arrears", "content_type": "application/x-www-form-urlencoded"}, 415),
        ({"data": "kind: arrears", "content_type": "text/yaml"}, 415),
        ({}, 415),
    ],
)
def test_malformed_bodies_answer_4xx_in_the_error_shape(api, users, kwargs, status):
    response = api.post("/cases", as_=users["mediator"], **kwargs)
    assert response.status_code == status
    error_of(response)
    assert count(Case) == 0


def test_an_oversized_body_answers_413(app, api, users, case_payload):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    payload = case_payload(description="x" * 20_000)
    response = api.post("/cases", as_=users["mediator"], json=payload)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert count(Case) == 0


# --- read, edit ------------------------------------------------------------------------------


def test_get_shows_version_and_the_callers_triggers(api, users, make_case, drive):
    case = make_case()
    as_mediator = api.get(f"/cases/{case.id}", as_=users["mediator"]).get_json()
    assert as_mediator["allowed_triggers"] == ["accept", "reject", "withdraw"]
    assert as_mediator["version"] == case.version
    assert as_mediator["worker_id_number"] == valid_id_number()
    drive(case, "closed")
    assert api.get(f"/cases/{case.id}", as_=users["mediator"]).get_json()["allowed_triggers"] == []
    assert api.get(f"/cases/{case.id}", as_=users["officer"]).get_json()["allowed_triggers"] == [
        "reopen"
    ]


def test_advocates_see_only_assigned_cases_with_masked_ids(api, users, make_case):
    from mediation.cases import services

    case = make_case(worker_id_number=valid_id_number())
    assert api.get(f"/cases/{case.id}", as_=users["advocate"]).status_code == 404
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    body = api.get(f"/cases/{case.id}", as_=users["advocate"]).get_json()
    assert body["worker_id_number"] != valid_id_number()
    assert "*" in body["worker_id_number"]
    assert body["allowed_triggers"] == []
    assert body["advocate_ids"] == [users["advocate"].id]
    # the timeline does not give the number away either
    services.update_facts(
        case.id, users["mediator"],
        {"version": reload(case).version, "worker_id_number": valid_id_number(serial=456)},
    )  # fmt: skip
    events = api.get(f"/cases/{case.id}/events", as_=users["advocate"]).get_json()["items"]
    edit = next(e for e in events if e["kind"] == "edit")
    assert valid_id_number(serial=456) not in str(edit["data"])
    assert valid_id_number() not in str(edit["data"])


def test_out_of_scope_and_missing_cases_answer_404_alike(api, users, make_case, make_enterprise):
    case = make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id)
    for path in (f"/cases/{case.id}", "/cases/999999"):
        response = api.get(path, as_=users["mediator"])
        assert response.status_code == 404
        assert error_of(response) == {
            "code": "not_found",
            "message": "Case not found.",
            "fields": {},
        }
    assert api.get("/cases/0", as_=users["mediator"]).status_code == 404
    assert api.get(f"/cases/{2**40}", as_=users["mediator"]).status_code == 404
    response = api.patch(
        f"/cases/{case.id}", as_=users["mediator"], json={"version": 1, "title": ""}
    )
    assert response.status_code == 404
    response = api.post(f"/cases/{case.id}/notes", as_=users["mediator"], json={})
    assert response.status_code == 404
    response = api.post(f"/cases/{case.id}/transitions", as_=users["mediator"], json={})
    assert response.status_code == 404


def test_patch_edits_facts_and_a_stale_version_answers_409(api, users, make_case):
    case = make_case()
    version = case.version
    response = api.patch(
        f"/cases/{case.id}", as_=users["mediator"],
        json={"version": version, "workers_involved": 15, "claim_amount": "120000"},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["workers_involved"] == 15 and body["claim_amount"] == "120000.00"
    assert body["version"] > version

    stale = api.patch(
        f"/cases/{case.id}", as_=users["mediator"], json={"version": version, "title": "late"}
    )
    assert stale.status_code == 409
    error = error_of(stale)
    assert error["code"] == "conflict" and error["current_version"] == body["version"]
    assert reload(case).title != "late"

    assert (
        api.patch(f"/cases/{case.id}", as_=users["mediator"], json={"title": "x"}).status_code
        == 422
    )
    refused = api.patch(
        f"/cases/{case.id}", as_=users["advocate"], json={"version": body["version"]}
    )
    assert refused.status_code == 404  # not assigned: not visible


# --- transitions -----------------------------------------------------------------------------


def test_transitions_check_scope_role_state_version_and_payload(api, users, make_case):
    from mediation.cases import services

    case = make_case()
    url = f"/cases/{case.id}/transitions"
    version = case.version

    response = api.post(
        url, as_=users["mediator"], json={"trigger": "begin_mediation", "version": version}
    )
    assert response.status_code == 409
    assert error_of(response)["current_state"] == "reported"

    response = api.post(url, as_=users["mediator"], json={"trigger": "launch", "version": version})
    assert response.status_code == 422
    assert "trigger" in error_of(response)["fields"]

    response = api.post(url, as_=users["mediator"], json={"trigger": "accept"})
    assert response.status_code == 422
    assert "version" in error_of(response)["fields"]

    response = api.post(url, as_=users["mediator"], json={"trigger": "accept", "version": "one"})
    assert response.status_code == 422

    response = api.post(url, as_=users["mediator"], json={"trigger": "reject", "version": version})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"reason": ["Missing data for required field."]}

    response = api.post(
        url, as_=users["mediator"],
        json={"trigger": "reject", "version": version, "reason": "x", "colour": "red"},
    )  # fmt: skip
    assert response.status_code == 422 and "colour" in error_of(response)["fields"]

    response = api.post(
        url, as_=users["mediator"],
        json={"trigger": "accept", "version": version, "mediator_id": users["other_mediator"].id},
    )  # fmt: skip
    assert response.status_code == 422 and "mediator_id" in error_of(response)["fields"]

    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    response = api.post(
        url, as_=users["advocate"], json={"trigger": "withdraw", "version": version, "reason": "x"}
    )
    assert response.status_code == 403
    assert reload(case).state == "reported" and reload(case).version == version

    response = api.post(
        url, as_=users["mediator"],
        json={"trigger": "accept", "version": version, "mediator_id": users["mediator"].id},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "accepted"

    stale = api.post(
        url, as_=users["mediator"], json={"trigger": "begin_mediation", "version": version}
    )
    assert stale.status_code == 409
    assert error_of(stale)["current_version"] == reload(case).version
    assert reload(case).state == "accepted"


def test_record_agreement_payload_errors_are_named(api, users, make_case, drive):
    case = drive(make_case(), "mediating")
    response = api.post(
        f"/cases/{case.id}/transitions", as_=users["mediator"],
        json={
            "trigger": "record_agreement", "version": case.version, "terms": "付清",
            "agreement_due_on": "2001-01-01",
        },
    )  # fmt: skip
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"agreement_amount", "agreement_due_on"}
    assert reload(case).state == "mediating"


# --- timeline, notes, evidence ---------------------------------------------------------------


def test_events_and_notes(api, users, make_case):
    from mediation.cases import services

    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    response = api.post(
        f"/cases/{case.id}/notes", as_=users["advocate"], json={"kind": "visit", "body": "到厂走访"}
    )
    assert response.status_code == 201
    assert response.get_json()["kind"] == "visit"
    assert response.get_json()["actor_id"] == users["advocate"].id
    bad = api.post(
        f"/cases/{case.id}/notes", as_=users["advocate"], json={"kind": "gossip", "body": ""}
    )
    assert bad.status_code == 422
    assert set(error_of(bad)["fields"]) == {"kind", "body"}
    events = api.get(f"/cases/{case.id}/events", as_=users["mediator"]).get_json()["items"]
    assert [e["kind"] for e in events if e["kind"] != "alert"] == [
        "created", "assignment", "visit"
    ]  # fmt: skip
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(len(e["hash"]) == 64 for e in events)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_evidence_upload_and_download(app, api, users, make_case, attachment_store):
    case = make_case()
    response = api.post(
        f"/cases/{case.id}/attachments", as_=users["mediator"],
        data={"file": (io.BytesIO(PNG), "../../工资条.png")}, content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["filename"] == "工资条.png" and body["size"] == len(PNG)
    assert body["content_type"] == "image/png"
    listed = api.get(f"/cases/{case.id}/attachments", as_=users["mediator"]).get_json()["items"]
    assert [a["id"] for a in listed] == [body["id"]]
    download = api.get(f"/cases/{case.id}/attachments/{body['id']}", as_=users["mediator"])
    assert download.status_code == 200 and download.data == PNG
    assert "attachment" in download.headers["Content-Disposition"]
    # out of scope: 404 for the list, the file and the upload
    for user in (users["other_mediator"], users["advocate"]):
        assert api.get(f"/cases/{case.id}/attachments/{body['id']}", as_=user).status_code == 404
        assert api.get(f"/cases/{case.id}/attachments", as_=user).status_code == 404
    timeline = api.get(f"/cases/{case.id}/events", as_=users["mediator"]).get_json()["items"]
    assert timeline[-1]["kind"] == "attachment"
    assert attachment_store.names() == [hashlib.sha256(PNG).hexdigest()]


@pytest.mark.parametrize(
    "content, name, status",
    [
        (b"MZ\x90\x00 executable", "tool.exe", 415),
        (b"<html>not a pdf</html>", "合同.pdf", 415),
        (b"", "empty.txt", 422),
        (b"x" * 2048, "big.txt", 413),
    ],
)
def test_refused_uploads_store_nothing(
    app, api, users, make_case, content, name, status, attachment_store
):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    case = make_case()
    events_before = count(CaseEvent)
    response = api.post(
        f"/cases/{case.id}/attachments", as_=users["mediator"],
        data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == status
    error_of(response)
    assert count(Attachment) == 0 and count(CaseEvent) == events_before
    assert attachment_store.names() == []


def test_upload_needs_multipart_with_a_file(api, users, make_case):
    case = make_case()
    url = f"/cases/{case.id}/attachments"
    assert api.post(url, as_=users["mediator"], json={"file": "x"}).status_code == 415
    response = api.post(url, as_=users["mediator"], data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in error_of(response)["fields"]


def test_the_events_table_is_untouched_by_refusals(api, users, make_case):
    case = make_case()
    before = db.session.scalars(select(CaseEvent.hash).order_by(CaseEvent.id)).all()
    api.post(
        f"/cases/{case.id}/transitions",
        as_=users["mediator"],
        json={"trigger": "refer", "version": case.version, **trigger_payload("refer", users)},
    )
    api.post(f"/cases/{case.id}/notes", as_=users["mediator"], json={"body": ""})
    after = db.session.scalars(select(CaseEvent.hash).order_by(CaseEvent.id)).all()
    assert before == after


def test_the_hand_written_list_item_equals_the_documented_schema(app, users, make_case, drive):
    """`case_summary` is the list's fast path; `CaseSummarySchema` is what the OpenAPI document
    promises. They must never differ."""
    from mediation.cases import queries
    from mediation.cases.api_schemas import CaseSummarySchema, case_summary
    from mediation.core.api import request_user

    drive(make_case(claim_amount=None, workers_involved=60), "agreement")
    drive(make_case(kind="dispute", category="dismissal", arrears_months=None), "closed")
    make_case()
    for user in (users["mediator"], users["officer"], users["admin"], users["advocate"]):
        token = request_user.set(user)
        try:
            rows = db.session.execute(queries.case_list_rows(user, {})).all()
            for row in rows:
                assert case_summary(row, str(user.role)) == CaseSummarySchema().dump(row)
        finally:
            request_user.reset(token)
    assert len(db.session.execute(queries.case_list_rows(users["admin"], {})).all()) == 3
