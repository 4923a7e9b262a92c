"""The API's inputs match its outputs: every field an answer shows and a writer may set is
accepted by the operation that creates or edits the resource. Fields only the server sets
(ids, computed values, what the workflow's transitions record) are listed, each with its
reason, so a new output field that no input accepts fails here until it is decided."""

from __future__ import annotations

from mediation.enterprises.models import Enterprise
from mediation.extensions import db

# what the workflow's transitions, assignments and the server record on a case: shown on it,
# set by the operations named in the comments, never by creating or editing the case itself
CASE_SET_BY_SERVER = {
    "id", "number", "state", "version", "tier", "warning_level", "created_at", "updated_at",
    "closed_at", "enterprise_name", "handling_org_name", "allowed_triggers",
    "read_only",  # a case taken over from the caller's union (docs/security.md)
    "advocate_ids", "mediator_id",  # /mediator, /advocates, /takeover
    "agreement_amount", "agreement_due_on", "agreement_terms", "instalments", "paid_amount",
    "outcome", "referral_reference", "referral_target", "reopen_reason", "reopened_at",
    "ruling_amount", "ruling_result",  # /transitions payloads
    "arbitration_applied_on", "arbitration_decided_on", "arbitration_decision", "award_final",
    "award_on",  # /arbitration
    "defaulted_at",  # /transitions report_default
    "wage_delay_until",  # /wage-delay (a delay agreed with the union)
    "months_owed",  # counted today from wages_unpaid_since
    "merged_into_id",  # POST …/merge and …/split (docs/collective.md)
}  # fmt: skip

INCIDENT_SET_BY_SERVER = {
    "id", "employer", "major", "chain", "created_at", "version", "status", "ended_at",
}  # fmt: skip

# (method, path) -> (input schema, output schema, output fields no writer sets, with reasons)
WRITES = {
    ("post", "/api/v1/cases"): ("CaseCreate", "Case", CASE_SET_BY_SERVER),
    ("patch", "/api/v1/cases/{case_id}"): (
        "CaseEdit",
        "Case",
        (CASE_SET_BY_SERVER - {"version"})  # (sent back: the optimistic lock)
        | {"kind", "handling_org_id"}  # fixed at intake; a different handler is a takeover
        | {"application_received_at"},  # recorded by POST …/application
    ),
    ("post", "/api/v1/enterprises"): ("EnterpriseInput", "Enterprise", {"id", "risk"}),
    # after registration only the employer's contact is edited (the hearing reminder's address)
    ("patch", "/api/v1/enterprises/{enterprise_id}"): (
        "EnterpriseContacts",
        "Enterprise",
        {"id", "risk"}
        | {"name", "credit_code", "organization_id", "address", "sector", "ownership"}
        | {"legal_representative", "headcount", "has_union"},  # set at registration
    ),
    # construction projects (docs/enterprise-file.md): the contractor's name is read from the
    # registry, the version is the optimistic lock (sent back on PATCH)
    ("post", "/api/v1/projects"): (
        "ProjectCreate",
        "Project",
        {"created_at", "general_contractor_name", "id", "version"},
    ),
    ("patch", "/api/v1/projects/{project_id}"): (
        "ProjectEdit",
        "Project",
        {"created_at", "general_contractor_name", "id"},
    ),
    # returns on rights work (docs/returns.md): the draft is made for a period and a union,
    # then only its officer-written sections change; the figures are the server's
    ("post", "/api/v1/returns"): (
        "CreateReturn",
        "ReturnDetail",
        {
            "document",
            "id",
            "organization",
            "period_end",
            "period_start",
            "state",
            "version",
            "versions",
            "typical_case_ids",
            "typical_cases",
            "main_problems",
            "next_steps",
        },
    ),  # (the sections are written by PATCH once the draft exists)
    ("patch", "/api/v1/returns/{return_id}"): (
        "Sections",
        "ReturnDetail",
        {
            "document",
            "id",
            "kind",
            "number",
            "organization",
            "organization_id",
            "period_end",
            "period_start",
            "state",
            "versions",
            "year",
        },  # fixed when the draft is made
    ),
    # marking my notices read (docs/notifications.md): an action, answered with a count
    ("post", "/api/v1/notices/read"): ("MarkRead", "Marked", {"marked"}),
    # the circuit court and joint meetings (docs/circuit-court-and-meetings.md)
    ("post", "/api/v1/hearing-points"): ("PointInput", "Point", {"id", "active"}),  # new: active
    ("post", "/api/v1/hearings"): (
        "NewHearing",
        "Hearing",
        {
            "id",
            "case_number",  # the case's
            "ends_at",  # starts_at + duration_minutes
            "status",  # POST …/outcome, …/cancel
            "outcome",  # POST …/outcome
            "outcome_note",  # POST …/outcome
            "workers_attending",  # POST …/outcome
            "reminded_at",  # the day-before reminder job
        },
    ),
    ("post", "/api/v1/meetings"): (
        "MeetingInput",
        "Meeting",
        {"id", "attachments"},  # POST …/attachments (multipart), DELETE …/attachments/{id}
    ),
    ("patch", "/api/v1/meetings/{meeting_id}/action-items/{item_id}"): (
        "ActionItemStatus",
        "ActionItem",
        {
            "id",
            "meeting_id",
            # set by POST …/action-items when the meeting gives the task
            "title",
            "owner_body",
            "due_on",
            "case_ids",
            "enterprise_ids",
            "done_on",  # the day it was marked done
            "overdue",  # open past its due date
        },
    ),
    # a mass incident (docs/incidents.md): the server computes `major` and the shown employer,
    # counts the report chain; it starts ongoing (status and its end are edits)
    ("post", "/api/v1/incidents"): ("IncidentCreate", "IncidentDetail", INCIDENT_SET_BY_SERVER),
    ("patch", "/api/v1/incidents/{incident_id}"): (
        "IncidentEdit",
        "IncidentDetail",
        (INCIDENT_SET_BY_SERVER - {"status", "ended_at", "version"})
        | {"organization_id"},  # the reporting union is fixed when it is recorded
    ),
    ("post", "/api/v1/cases/{case_id}/notes"): (
        "Note",
        "Event",
        {
            "id",
            "seq",
            "at",
            "hash",
            "actor_id",
            "actor_name",
            "data",
            "from_state",
            "to_state",
            "trigger",
        },  # the timeline writes these: the chain, who and when
    ),  # fmt: skip
    # the case list's tools (docs/case-list.md): a saved filter; a bulk assignment answers
    # with the cases it assigned
    ("post", "/api/v1/saved-filters"): ("SavedFilter", "SavedFilterOut", {"id", "created_at"}),
    ("post", "/api/v1/cases/assign-mediator"): ("BulkAssign", "BulkAssignResult", {"items"}),
    # one note for several alerts (docs/alert-inbox.md): the answer is the alerts it acknowledged
    ("post", "/api/v1/alerts/acknowledge"): (
        "BulkAcknowledge",
        "AcknowledgedAlerts",
        {"alerts"},  # the acknowledged alerts themselves, each with the note sent
    ),
    # a supervision notice (docs/enterprise-file.md): numbered and stamped by the server; the
    # reply and the verification are steps of their own (…/reply, …/verify)
    ("post", "/api/v1/supervision-notices"): (
        "SupervisionNoticeCreate",
        "SupervisionNotice",
        {
            "id",
            "number",
            "organization_name",
            "enterprise_name",
            "issued_by_id",
            "status",
            "overdue",
            "actions",
            "version",
            "created_at",
            "reply_on",
            "reply_text",
            "rectified",
            "verified_at",
            "verified_by_id",
            "verification_note",
        },
    ),  # fmt: skip
    # the worker services (docs/worker-services.md)
    ("post", "/api/v1/hardship-files"): ("HardshipFileInput", "HardshipFile", {"id"}),
    ("post", "/api/v1/trainings"): ("TrainingInput", "Training", {"id"}),
    # the case is the one the referral was made from (POST /cases/{case_id}/legal-aid)
    ("patch", "/api/v1/legal-aid/{referral_id}"): ("ReferralUpdate", "Referral", {"id", "case_id"}),
    ("patch", "/api/v1/advocates/{advocate_id}"): (
        "ProfileInput",
        "Advocate",
        {"id", "display_name", "organization_id"}  # the user's account (administration)
        | {"trained", "open_cases", "last_visit_on", "up_for_review"},  # counted from records
    ),
}


def _spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def _fields(spec: dict, name: str) -> set[str]:
    return set(spec["components"]["schemas"][name].get("properties", {}))


def _ref_name(schema: dict | None) -> str | None:
    return schema["$ref"].rsplit("/", 1)[-1] if schema and "$ref" in schema else None


def test_every_field_an_answer_shows_is_writable_or_listed_as_set_by_the_server(client):
    spec = _spec(client)
    problems = []
    for (method, path), (inp, out, server_side) in WRITES.items():
        op = spec["paths"][path][method]
        body = op["requestBody"]["content"]["application/json"]["schema"]
        answers = [r for code, r in op["responses"].items() if code.startswith("2")]
        shown = answers[0]["content"]["application/json"]["schema"]
        assert (_ref_name(body), _ref_name(shown)) == (inp, out), (method, path)
        missing = _fields(spec, out) - _fields(spec, inp) - server_side
        stale = server_side & _fields(spec, inp)
        if missing:
            problems.append(
                f"{method.upper()} {path}: {out} shows {sorted(missing)}, {inp} refuses"
            )
        if stale:
            problems.append(f"{method.upper()} {path}: {sorted(stale)} listed but writable")
    assert not problems, "\n".join(problems)


def test_the_contract_covers_every_operation_that_creates_or_edits_a_resource(client):
    """A POST to a collection or a PATCH of an item with a JSON body is a write of the
    resource it answers with (actions on a case, like transitions, are POSTs below an item)."""
    spec = _spec(client)
    writes = set()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None or "$ref" not in body["schema"]:
                continue
            last = path.rstrip("/").rsplit("/", 1)[-1]
            is_collection = method == "post" and not last.startswith("{")
            is_item = method == "patch" and last.startswith("{")
            if (is_collection or is_item) and path != "/api/v1/auth/tokens":
                parent = path.rsplit("/", 2)[-2]
                if method == "post" and parent.startswith("{") and last != "notes":
                    continue  # an action on an item (mediator, takeover, application, …)
                writes.add((method, path))
    assert writes == set(WRITES)


def test_an_enterprise_is_registered_with_its_ownership(api, users):
    from tests.conftest import valid_credit_code

    body = {"name": "国有测试企业", "credit_code": valid_credit_code(), "ownership": "state"}
    response = api.post("/enterprises", as_=users["mediator"], json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["ownership"] == "state"
    stored = db.session.get(Enterprise, response.get_json()["id"])
    assert stored is not None and stored.ownership == "state"
    response = api.post(
        "/enterprises",
        as_=users["mediator"],
        json={**body, "credit_code": valid_credit_code(), "ownership": "martian"},
    )
    assert response.status_code == 422
    assert "ownership" in response.get_json()["error"]["fields"]
