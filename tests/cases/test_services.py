"""Case services (docs/architecture.md "Scope", "The audit trail"): creation and numbering, fact edits, notes, advocates, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mediation import signals
from mediation.accounts.models import User
from mediation.cases import services
from mediation.cases.enums import EventKind, State
from mediation.cases.models import Case, CaseEvent, CaseNumberCounter, case_advocates
from mediation.cases.scope import get_visible_case, visible_cases
from mediation.core.clock import utcnow
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from tests.conftest import trigger_payload, valid_credit_code, valid_id_number
from tests.helpers import CHINA, reload


def local_year(moment: datetime | None = None) -> int:
    return (moment or utcnow()).astimezone(CHINA).year


def counts() -> dict[str, int]:
    """Rows in every table a failed creation could have touched."""
    return {
        "cases": db.session.scalar(select(func.count()).select_from(Case)),
        "events": db.session.scalar(select(func.count()).select_from(CaseEvent)),
        "enterprises": db.session.scalar(select(func.count()).select_from(Enterprise)),
        "counter": db.session.scalar(
            select(func.coalesce(func.sum(CaseNumberCounter.last_seq), 0))
        ),
        "advocates": db.session.scalar(select(func.count()).select_from(case_advocates)),
    }


def events_of(case_id: int) -> list[CaseEvent]:
    """The case's timeline in order, without the `alert` events warning rules may add."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind != EventKind.alert)
            .order_by(CaseEvent.seq)
        )
    )


def event_count(case_id: int) -> int:
    """Every event of the case, alerts included."""
    return db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
    )


def visible_ids(user: User) -> set[int]:
    return set(db.session.scalars(visible_cases(user).with_only_columns(Case.id)))


# --- numbering -------------------------------------------------------------------------------


def test_numbers_are_sequential_per_org_and_year(make_case, make_enterprise, users):
    year = local_year()
    first, second, third = make_case(), make_case(), make_case()
    assert [c.number for c in (first, second, third)] == [
        f"G1-{year}-00001",
        f"G1-{year}-00002",
        f"G1-{year}-00003",
    ]
    # another organization has its own sequence
    other = make_case(org="T1")
    assert other.number == f"T1-{year}-00001"
    elsewhere = make_case(
        org="G2", enterprise_id=make_enterprise("G2").id, by=users["other_mediator"]
    )
    assert elsewhere.number == f"G2-{year}-00001"
    assert make_case().number == f"G1-{year}-00004"


def test_a_different_year_has_its_own_sequence(make_case):
    year = local_year()
    assert make_case().number == f"G1-{year}-00001"
    past = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    assert make_case(now=past).number == "G1-2024-00001"
    assert make_case(now=past + timedelta(days=30)).number == "G1-2024-00002"
    assert make_case().number == f"G1-{year}-00002"


def test_the_year_of_a_number_is_the_year_in_china(make_case):
    # 2024-12-31 16:30 UTC is already 2025-01-01 00:30 in Asia/Shanghai
    case = make_case(now=datetime(2024, 12, 31, 16, 30, tzinfo=UTC))
    assert case.number == "G1-2025-00001"
    case = make_case(now=datetime(2024, 12, 31, 15, 59, tzinfo=UTC))
    assert case.number == "G1-2024-00001"


def test_creation_writes_a_created_event_with_seq_one(make_case, users, orgs):
    now = utcnow().replace(microsecond=123456)
    case = make_case(now=now)
    case = reload(case.id)
    assert case.state == State.reported
    assert case.handling_org_id == orgs["G1"].id
    assert case.created_by_id == users["mediator"].id
    assert case.created_at == now
    assert case.received_at == now  # defaults to the moment of registration
    assert case.claim_amount_fen == 4_800_000
    assert case.event_seq == event_count(case.id)  # alerts the rules raised may follow
    (event,) = events_of(case.id)
    assert event.seq == 1
    assert event.kind == EventKind.created
    assert (event.from_state, event.to_state) == (None, "reported")
    assert event.actor_id == users["mediator"].id
    assert event.at == now
    assert event.data == {"number": case.number, "enterprise_id": case.enterprise_id}


def test_failed_creations_leave_no_gap_in_the_numbers(make_case, make_enterprise):
    year = local_year()
    enterprise_id = make_enterprise().id
    assert make_case(enterprise_id=enterprise_id).number == f"G1-{year}-00001"

    def refuse(case, *, kind, now, **_):
        if case.title == "FAIL":
            raise ValidationFailed({"title": ["refused by a rule"]})

    signals.case_changed.connect(refuse)
    try:
        before = counts()
        # refused after the number was allocated (inside the transaction): rolled back
        with pytest.raises(ValidationFailed):
            make_case(title="FAIL", enterprise_id=enterprise_id)
        # refused before: bad input
        with pytest.raises(ValidationFailed):
            make_case(workers_involved=0, enterprise_id=enterprise_id)
        assert counts() == before
    finally:
        signals.case_changed.disconnect(refuse)
    assert make_case(enterprise_id=enterprise_id).number == f"G1-{year}-00002"


# --- creation: validation ----------------------------------------------------------------------


def _without(payload: dict, key: str) -> dict:
    payload = dict(payload)
    del payload[key]
    return payload


def test_bad_input_names_the_field_and_writes_nothing(
    users, case_payload, make_enterprise, subtests
):
    foreign = make_enterprise("G2")
    own = make_enterprise("G1")
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    first17 = valid_id_number()[:17]
    wrong_check = "0" if valid_id_number()[17] != "0" else "1"
    bad_inputs = [
        ("claim_amount", {"claim_amount": "-1"}),
        ("claim_amount", {"claim_amount": "12.345"}),
        ("claim_amount", {"claim_amount": "lots"}),
        ("workers_involved", {"workers_involved": 0}),
        ("workers_involved", {"workers_involved": -3}),
        (
            "enterprise.credit_code",
            {"enterprise": {"name": "新厂", "credit_code": "91350100M000100Y44"}},
        ),
        ("enterprise.credit_code", {"enterprise": {"name": "新厂", "credit_code": "9135"}}),
        ("enterprise.name", {"enterprise": {"credit_code": valid_credit_code()}}),
        ("enterprise.name", {"enterprise": {"name": "", "credit_code": valid_credit_code()}}),
        ("worker_id_number", {"worker_id_number": first17 + wrong_check}),
        ("worker_id_number", {"worker_id_number": "12345"}),
        ("category", {"category": "ufo"}),
        ("kind", {"kind": "complaint"}),
        ("channel", {"channel": "carrier_pigeon"}),
        ("title", {"title": "x" * 201}),
        ("title", {"title": ""}),
        ("description", {"description": "x" * 10_001}),
        ("received_at", {"received_at": tomorrow}),
        ("worker_phone", {"worker_phone": "call me"}),
        ("enterprise_id", {"enterprise_id": foreign.id}),  # another town's enterprise
        ("enterprise_id", {"enterprise_id": 999_999}),
        ("handling_org_id", {"org": "G2", "enterprise_id": foreign.id}),
        ("handling_org_id", {"org": "C"}),  # above the mediator's org
        ("colour", {"colour": "red"}),  # unknown field
    ]
    base = counts()
    for field, overrides in bad_inputs:
        with subtests.test(field=field, overrides=overrides):
            payload = case_payload(**({"enterprise_id": own.id} | overrides))
            if "enterprise" in overrides:
                del payload["enterprise_id"]
            with pytest.raises(ValidationFailed) as info:
                services.create_case(users["mediator"], payload)
            assert info.value.status_code == 422
            assert field in info.value.fields, info.value.fields
            assert counts() == base
    with subtests.test(field="enterprise_id", missing="enterprise_id and enterprise"):
        payload = _without(case_payload(enterprise_id=own.id), "enterprise_id")
        with pytest.raises(ValidationFailed) as info:
            services.create_case(users["mediator"], payload)
        assert list(info.value.fields) == ["enterprise_id"]
        assert counts() == base
    with subtests.test(field="arrears_months"):
        payload = _without(case_payload(enterprise_id=own.id), "arrears_months")
        with pytest.raises(ValidationFailed) as info:
            services.create_case(users["mediator"], payload)
        assert list(info.value.fields) == ["arrears_months"]
        assert counts() == base
    for required in ("kind", "category", "title", "workers_involved"):
        with subtests.test(missing=required):
            with pytest.raises(ValidationFailed) as info:
                payload = _without(case_payload(enterprise_id=own.id), required)
                services.create_case(users["mediator"], payload)
            assert required in info.value.fields
            assert counts() == base


def test_a_dispute_needs_no_arrears_months(users, case_payload):
    payload = _without(case_payload(kind="dispute", category="dismissal"), "arrears_months")
    case = services.create_case(users["mediator"], payload)
    assert reload(case.id).arrears_months is None


def test_an_absurdly_large_claim_is_a_validation_error(users, case_payload):
    payload = case_payload(claim_amount="1" + "0" * 30)
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], payload)
    assert "claim_amount" in info.value.fields
    assert counts() == before


def test_an_advocate_cannot_create_a_case(users, case_payload):
    payload = case_payload()
    before = counts()
    with pytest.raises(PermissionDenied) as info:
        services.create_case(users["advocate"], payload)
    assert info.value.status_code == 403
    assert counts() == before


def test_other_handlers_can_create(users, case_payload, subtests):
    for who in ("officer", "city_officer", "admin", "g1_mediator"):
        with subtests.test(who=who):
            case = services.create_case(users[who], case_payload())
            assert case.number.startswith("G1-")
            assert reload(case.id).created_by_id == users[who].id


def test_the_handling_org_defaults_to_the_users_org(users, case_payload, orgs):
    payload = _without(case_payload(), "handling_org_id")
    case = services.create_case(users["mediator"], payload)
    assert case.handling_org_id == orgs["T1"].id
    assert case.number.startswith("T1-")


def test_admin_with_an_unknown_handling_org_gets_a_validation_error(users, case_payload):
    payload = case_payload(handling_org_id=999_999)
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["admin"], payload)
    assert "handling_org_id" in info.value.fields
    assert counts() == before


# --- creation: inline enterprise -------------------------------------------------------------


@pytest.fixture
def inline_payload(case_payload, make_enterprise):
    """A case payload that registers a new enterprise instead of choosing one."""
    own = make_enterprise()

    def factory(enterprise: dict, **overrides) -> dict:
        payload = case_payload(enterprise_id=own.id, **overrides)
        del payload["enterprise_id"]
        payload["enterprise"] = enterprise
        return payload

    return factory


def test_an_inline_enterprise_is_registered_with_the_case(users, inline_payload, orgs):
    code = valid_credit_code()
    payload = inline_payload({"name": " 新华电子厂 ", "credit_code": code.lower(), "headcount": 80})
    before = counts()
    case = services.create_case(users["mediator"], payload)
    after = counts()
    assert after["enterprises"] == before["enterprises"] + 1
    enterprise = db.session.get(Enterprise, reload(case.id).enterprise_id)
    assert enterprise.name == "新华电子厂"
    assert enterprise.credit_code == code  # normalized to upper case
    assert enterprise.organization_id == orgs["G1"].id  # the handling org by default
    assert enterprise.headcount == 80
    assert events_of(case.id)[0].data["enterprise_id"] == enterprise.id


def test_a_duplicate_credit_code_is_refused(users, inline_payload, case_payload, make_enterprise):
    existing = make_enterprise()
    payload = inline_payload({"name": "另一家", "credit_code": existing.credit_code.lower()})
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], payload)
    assert "enterprise.credit_code" in info.value.fields
    assert counts() == before
    # no case number was used up
    assert services.create_case(users["mediator"], case_payload()).number.endswith("-00001")


def test_an_inline_enterprise_cannot_be_placed_in_another_town(users, inline_payload, orgs):
    payload = inline_payload(
        {"name": "外镇企业", "credit_code": valid_credit_code(), "organization_id": orgs["G2"].id}
    )
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], payload)
    assert "enterprise.organization_id" in info.value.fields
    assert counts() == before


def test_an_inline_enterprise_with_an_unknown_org_is_a_validation_error(users, inline_payload):
    payload = inline_payload(
        {"name": "无主企业", "credit_code": valid_credit_code(), "organization_id": 999_999}
    )
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], payload)
    assert "enterprise.organization_id" in info.value.fields
    assert counts() == before


# --- update_facts ------------------------------------------------------------------------------


def test_an_edit_records_old_and_new_values(make_case, users):
    case = make_case()
    version = case.version
    now = utcnow()
    services.update_facts(
        case.id,
        users["mediator"],
        {
            "version": version,
            "title": "拖欠15名工人三个月工资",
            "claim_amount": "100000",
            "workers_involved": 15,
            "worker_id_number": "11010519491231002x",
        },
        now=now,
    )
    case = reload(case.id)
    assert case.title == "拖欠15名工人三个月工资"
    assert case.claim_amount_fen == 10_000_000
    assert case.worker_id_number == "11010519491231002X"  # normalized
    assert case.version == version + 1
    edit = events_of(case.id)[-1]
    assert [e.kind for e in events_of(case.id)] == [EventKind.created, EventKind.edit]
    assert edit.kind == EventKind.edit
    assert edit.actor_id == users["mediator"].id
    assert edit.data == {
        "title": ["拖欠12名工人两个月工资", "拖欠15名工人三个月工资"],
        "claim_amount_fen": [4_800_000, 10_000_000],
        "workers_involved": [12, 15],
        "worker_id_number": [valid_id_number(), "11010519491231002X"],
    }


def test_an_edit_with_a_stale_version_is_a_conflict(make_case, users):
    case = make_case()
    services.update_facts(case.id, users["officer"], {"version": case.version, "title": "改一"})
    stale = reload(case.id).version - 1
    before = (reload(case.id).version, event_count(case.id))
    with pytest.raises(Conflict) as info:
        services.update_facts(case.id, users["mediator"], {"version": stale, "title": "改二"})
    assert info.value.extra["current_version"] == stale + 1
    case = reload(case.id)
    assert case.title == "改一"
    assert (case.version, event_count(case.id)) == before


def test_a_no_op_edit_writes_nothing(make_case, users):
    case = make_case()
    version, title, events = case.version, case.title, event_count(case.id)
    services.update_facts(
        case.id, users["mediator"], {"version": version, "title": title, "workers_involved": 12}
    )
    case = reload(case.id)
    assert case.version == version
    assert event_count(case.id) == events
    assert [e.kind for e in events_of(case.id)] == [EventKind.created]


def test_a_closed_case_refuses_edits(make_case, drive, users):
    case = drive(make_case(), "closed")
    before = (case.version, event_count(case.id))
    with pytest.raises(Conflict):
        services.update_facts(case.id, users["mediator"], {"version": case.version, "title": "新"})
    case = reload(case.id)
    assert case.title != "新"
    assert (case.version, event_count(case.id)) == before


def test_edit_refusals(make_case, users, make_enterprise, subtests):
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    case = reload(case.id)
    version, events = case.version, event_count(case.id)
    cases = [
        ("advocate", {"title": "x"}, PermissionDenied, None),
        ("other_mediator", {"title": "x"}, NotFound, None),
        ("mediator", {"workers_involved": 0}, ValidationFailed, "workers_involved"),
        ("mediator", {"number": "G1-1999-00001"}, ValidationFailed, "number"),
        ("mediator", {"state": "closed"}, ValidationFailed, "state"),
        (
            "mediator",
            {"enterprise_id": make_enterprise("G2").id},
            ValidationFailed,
            "enterprise_id",
        ),
    ]
    for who, change, error, field in cases:
        with subtests.test(who=who, change=change):
            with pytest.raises(error) as info:
                services.update_facts(case.id, users[who], {"version": version} | change)
            if field:
                assert field in info.value.fields
            case = reload(case.id)
            assert (case.version, event_count(case.id)) == (version, events)
            assert case.title == "拖欠12名工人两个月工资"
    with subtests.test("version is required"):
        with pytest.raises(ValidationFailed) as info:
            services.update_facts(case.id, users["mediator"], {"title": "x"})
        assert "version" in info.value.fields


# --- notes ---------------------------------------------------------------------------------------


def test_an_assigned_advocate_adds_notes_and_visits(make_case, users):
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    version = reload(case.id).version
    note = services.add_note(case.id, users["advocate"], {"body": "已联系工人代表"})
    visit = services.add_note(case.id, users["advocate"], {"kind": "visit", "body": "走访工地"})
    assert (note.kind, visit.kind) == (EventKind.note, EventKind.visit)
    events = events_of(case.id)
    assert [e.kind for e in events] == [
        EventKind.created,
        EventKind.assignment,
        EventKind.note,
        EventKind.visit,
    ]
    seqs = [e.seq for e in events]
    assert seqs[0] == 1 and seqs == sorted(set(seqs))
    assert events[2].body == "已联系工人代表"
    assert events[2].actor_id == users["advocate"].id
    assert reload(case.id).version == version  # a note does not make open forms stale


def test_notes_outside_scope_are_not_found(make_case, users, subtests):
    case = make_case()
    events = event_count(case.id)
    for who in ("advocate", "other_advocate", "other_mediator", "other_officer"):
        with subtests.test(who=who), pytest.raises(NotFound):
            services.add_note(case.id, users[who], {"body": "看看"})
    assert event_count(case.id) == events


def test_note_validation(make_case, users, subtests):
    case = make_case()
    events = event_count(case.id)
    for payload, field in [
        ({"body": ""}, "body"),
        ({}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "x", "kind": "transition"}, "kind"),
    ]:
        with subtests.test(payload=payload):
            with pytest.raises(ValidationFailed) as info:
                services.add_note(case.id, users["mediator"], payload)
            assert field in info.value.fields
    assert event_count(case.id) == events


# --- advocates -----------------------------------------------------------------------------------


def test_assign_and_unassign_an_advocate(make_case, users, make_user):
    case = make_case()
    g1_advocate = make_user("advocate", "G1", display_name="甲厂志愿者")
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    services.assign_advocate(case.id, users["officer"], g1_advocate.id)
    case = reload(case.id)
    assert {a.id for a in case.advocates} == {users["advocate"].id, g1_advocate.id}
    events = events_of(case.id)
    assert [e.data for e in events[1:]] == [
        {"advocate_added": users["advocate"].id},
        {"advocate_added": g1_advocate.id},
    ]
    assert all(e.kind == EventKind.assignment for e in events[1:])
    assert get_visible_case(users["advocate"], case.id).id == case.id

    services.unassign_advocate(case.id, users["mediator"], users["advocate"].id)
    case = reload(case.id)
    assert [a.id for a in case.advocates] == [g1_advocate.id]
    assert events_of(case.id)[-1].data == {"advocate_removed": users["advocate"].id}
    with pytest.raises(NotFound):
        services.add_note(case.id, users["advocate"], {"body": "还能写吗"})


def test_assignment_refusals(make_case, users, subtests):
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    before = counts()
    events = event_count(case.id)
    attempts = [
        ("duplicate", "mediator", users["advocate"].id, Conflict),
        ("advocate of another town", "mediator", users["other_advocate"].id, ValidationFailed),
        ("not an advocate", "mediator", users["g1_mediator"].id, ValidationFailed),
        ("no such user", "mediator", 999_999, ValidationFailed),
        ("advocates cannot assign", "advocate", users["advocate"].id, PermissionDenied),
        ("out of scope", "other_mediator", users["advocate"].id, NotFound),
    ]
    for label, who, advocate_id, error in attempts:
        with subtests.test(label):
            with pytest.raises(error) as info:
                services.assign_advocate(case.id, users[who], advocate_id)
            if error is ValidationFailed:
                assert "user_id" in info.value.fields
            assert counts() == before
            assert event_count(case.id) == events
    with subtests.test("unassign someone not assigned"):
        with pytest.raises(NotFound):
            services.unassign_advocate(case.id, users["mediator"], users["other_advocate"].id)
        assert counts() == before
    with subtests.test("advocates cannot unassign"):
        with pytest.raises(PermissionDenied):
            services.unassign_advocate(case.id, users["advocate"], users["advocate"].id)
        assert counts() == before


# --- scope -----------------------------------------------------------------------------------------


def test_scope_of_a_grassroots_case(make_case, users, subtests):
    case = make_case()
    for who in ("other_mediator", "other_officer", "other_advocate", "advocate"):
        with subtests.test(who=who), pytest.raises(NotFound):
            get_visible_case(users[who], case.id)
    for who in ("mediator", "g1_mediator", "officer", "city_officer", "admin"):
        with subtests.test(who=who):
            assert get_visible_case(users[who], case.id).id == case.id
    with pytest.raises(NotFound):
        get_visible_case(users["admin"], 999_999)


def test_city_officer_and_admin_can_act_on_any_case(make_case, users):
    case = make_case()
    services.add_note(case.id, users["city_officer"], {"body": "市总关注"})
    services.add_note(case.id, users["admin"], {"body": "管理员"})
    assert [e.actor_id for e in events_of(case.id)[1:]] == [
        users["city_officer"].id,
        users["admin"].id,
    ]


def test_visible_cases_per_role(make_case, make_enterprise, make_user, users):
    g1 = make_case()
    t1 = make_case(org="T1", by=users["officer"])
    g2 = make_case(org="G2", enterprise_id=make_enterprise("G2").id, by=users["other_mediator"])
    t2 = make_case(org="T2", enterprise_id=make_enterprise("G2").id, by=users["other_officer"])
    services.assign_advocate(g1.id, users["mediator"], users["advocate"].id)
    services.assign_advocate(g2.id, users["other_mediator"], users["other_advocate"].id)
    everything = {g1.id, t1.id, g2.id, t2.id}
    expected = {
        "admin": everything,
        "city_officer": everything,
        "officer": {g1.id, t1.id},
        "mediator": {g1.id, t1.id},
        "g1_mediator": {g1.id},
        "other_mediator": {g2.id, t2.id},
        "other_officer": {g2.id, t2.id},
        "advocate": {g1.id},
        "other_advocate": {g2.id},
    }
    for who, ids in expected.items():
        assert visible_ids(users[who]) == ids, who
    assert visible_ids(make_user("advocate", "T1")) == set()


def test_an_advocate_sees_only_assigned_cases(make_case, users):
    assigned, other = make_case(), make_case()
    services.assign_advocate(assigned.id, users["mediator"], users["advocate"].id)
    assert visible_ids(users["advocate"]) == {assigned.id}
    assert get_visible_case(users["advocate"], assigned.id).id == assigned.id
    with pytest.raises(NotFound):
        get_visible_case(users["advocate"], other.id)


# --- time ------------------------------------------------------------------------------------------


def test_updated_at_is_the_moment_the_service_was_given(make_case, users):
    created = datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    case = make_case(now=created)
    case = reload(case.id)
    assert (case.created_at, case.updated_at) == (created, created)
    edited = created + timedelta(days=1)
    services.update_facts(
        case.id, users["mediator"], {"version": case.version, "title": "改"}, now=edited
    )
    assert reload(case.id).updated_at == edited
    accepted = created + timedelta(days=2)
    services.fire_trigger(
        case.id, "accept", users["mediator"], trigger_payload("accept", users), now=accepted
    )
    case = reload(case.id)
    assert case.updated_at == accepted
    assert [e.at for e in events_of(case.id)] == [created, edited, accepted]


def test_datetimes_read_back_are_timezone_aware_utc(make_case, users):
    case = make_case(received_at="2025-03-01T09:00:00")  # China time, as a person typed it
    services.fire_trigger(case.id, "reject", users["mediator"], trigger_payload("reject", users))
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.received_at == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    event = events_of(case.id)[-1]
    user = db.session.get(User, users["mediator"].id)
    for value in (case.received_at, case.created_at, case.updated_at, case.closed_at, event.at):
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
    assert user.created_at.tzinfo is not None
    # also through a plain column query
    raw = db.session.execute(select(Case.received_at, Case.closed_at)).one()
    assert all(v.tzinfo is not None for v in raw)
    assert raw.received_at == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def test_an_aware_received_at_is_converted_to_utc(make_case):
    case = make_case(received_at="2025-03-01T09:00:00+08:00")
    assert reload(case.id).received_at == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    case = make_case(received_at="2025-03-01T09:00:00Z")
    assert reload(case.id).received_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
