"""The lifecycle (docs/domain.md "Case lifecycle"): every trigger from every state, roles, payloads and guards.

Each test builds a fresh app and database, which costs far more than a transition, so the
refusal checks share one case per state (a refusal must write nothing, which every check
asserts) and report each cell as a subtest.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mediation.cases import services, workflow
from mediation.cases.enums import EventKind, Outcome, State
from mediation.cases.models import Case, CaseEvent
from mediation.cases.workflow import MACHINE, allowed_triggers
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from tests.conftest import PATH_TO, trigger_payload
from tests.helpers import reload

ALL_STATES = ["reported", "accepted", "mediating", "agreement", "failed", "referred", "closed"]
OPEN = {"reported", "accepted", "mediating", "agreement", "failed", "referred"}

# The lifecycle table (docs/domain.md "Case lifecycle"), written out independently of workflow.TRIGGERS.
EXPECTED: dict[str, tuple[set[str], str]] = {
    "accept": ({"reported"}, "accepted"),
    "reject": ({"reported"}, "closed"),
    "begin_mediation": ({"accepted"}, "mediating"),
    "record_agreement": ({"mediating"}, "agreement"),
    "confirm_performance": ({"agreement"}, "closed"),
    "record_payment": ({"agreement"}, "agreement"),
    "close_partly_performed": ({"agreement"}, "closed"),
    "report_default": ({"agreement"}, "failed"),
    "fail_mediation": ({"accepted", "mediating"}, "failed"),
    "refer": ({"failed"}, "referred"),
    "record_ruling": ({"referred"}, "closed"),
    "withdraw": (OPEN, "closed"),
    "reopen": ({"closed"}, "accepted"),
}
ALL_TRIGGERS = list(EXPECTED)
# Rows fired only by their own operation, which moves two cases (docs/collective.md): never
# offered among a case's actions nor accepted by POST .../transitions.
INDIRECT: dict[str, tuple[set[str], str]] = {
    "merge": (OPEN, "closed"),
    "split": ({"closed"}, "reported"),
}
# The outcome each closing trigger sets (with the default payloads of conftest.trigger_payload).
CLOSING_OUTCOME = {
    "reject": Outcome.not_accepted,
    "confirm_performance": Outcome.agreement_performed,
    "close_partly_performed": Outcome.partly_performed,
    "record_ruling": Outcome.worker_won,
    "withdraw": Outcome.withdrawn,
}


def source_state(trigger: str) -> str:
    """One state the trigger is allowed from (the first in ALL_STATES order)."""
    return next(s for s in ALL_STATES if s in EXPECTED[trigger][0])


def count_events(case_id: int, kind: EventKind | None = None) -> int:
    stmt = select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
    if kind is not None:
        stmt = stmt.where(CaseEvent.kind == kind)
    return db.session.scalar(stmt)


def last_transition(case_id: int, kind: EventKind = EventKind.transition) -> CaseEvent:
    """The newest `transition` event (warning rules may append `alert` events after it)."""
    return db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).one()


def snapshot(case_id: int) -> tuple:
    """Everything a transition could change, read back from the database."""
    case = reload(case_id)
    return (
        str(case.state),
        case.version,
        count_events(case_id),
        case.event_seq,
        case.outcome,
        case.closed_at,
        case.updated_at,
        case.mediator_id,
        case.agreement_terms,
        case.agreement_amount_fen,
        case.agreement_due_on,
        case.paid_amount_fen,
        case.referral_target,
        case.referral_reference,
        case.ruling_result,
        case.ruling_amount_fen,
    )


def allowed_names(case: Case, user) -> list[str]:
    return [t.name for t in allowed_triggers(case, user)]


@pytest.fixture
def case_in(make_case, drive):
    def factory(state: str, **overrides) -> Case:
        return drive(make_case(**overrides), state)

    return factory


@pytest.fixture
def case_per_state(case_in) -> dict[str, Case]:
    return {state: case_in(state) for state in ALL_STATES}


def test_the_expected_table_covers_every_trigger_and_state():
    assert {t.name for t in workflow.TRIGGERS if t.direct} == set(EXPECTED)
    assert {t.name for t in workflow.TRIGGERS if not t.direct} == set(INDIRECT)
    assert [s.value for s in State] == ALL_STATES
    assert set(PATH_TO) == set(ALL_STATES)


# --- the full matrix: 7 states × 13 triggers ---------------------------------------------------


def check_allowed(case: Case, trigger: str, actor, users) -> None:
    state = str(case.state)
    dest = EXPECTED[trigger][1]
    version, seq = case.version, case.event_seq
    kind = workflow.get_trigger(trigger).event_kind
    transitions = count_events(case.id, kind)
    result = services.fire_trigger(
        case.id, trigger, actor, trigger_payload(trigger, users), expected_version=version
    )
    assert str(result.state) == dest
    case = reload(case.id)
    assert str(case.state) == dest
    assert case.version == version + 1
    assert count_events(case.id, kind) == transitions + 1
    last = last_transition(case.id, kind)
    assert last.seq == seq + 1  # the transition is the first event the call appended
    assert (last.from_state, last.to_state, last.trigger) == (state, dest, trigger)
    assert last.actor_id == actor.id
    if dest == "closed":
        assert case.closed_at is not None
        assert case.outcome == CLOSING_OUTCOME[trigger]
    else:
        assert case.closed_at is None
        assert case.outcome is None


def check_refused(case: Case, trigger: str, actor, users) -> None:
    state, version = str(case.state), case.version
    before = snapshot(case.id)
    with pytest.raises(Conflict) as info:
        services.fire_trigger(case.id, trigger, actor, trigger_payload(trigger, users))
    assert info.value.status_code == 409
    assert info.value.extra["current_state"] == state
    assert info.value.extra["current_version"] == version
    assert snapshot(case.id) == before


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_trigger_from_state(state, case_in, users, subtests):
    """One parametrized row per state, one subtest per trigger: 91 cells in all.

    Refusals write nothing, so they all try the same case first (and it must come out
    unchanged); then each allowed trigger fires on a case of its own (the first reuses it)."""
    shared = case_in(state)
    start = snapshot(shared.id)
    assert start[0] == state
    refused = [t for t in ALL_TRIGGERS if state not in EXPECTED[t][0]]
    allowed = [t for t in ALL_TRIGGERS if state in EXPECTED[t][0]]
    assert len(refused) + len(allowed) == 13
    for trigger in refused:
        with subtests.test(trigger=trigger, state=state, expected="409"):
            actor = users["officer"] if trigger == "reopen" else users["mediator"]
            check_refused(reload(shared.id), trigger, actor, users)
    assert snapshot(shared.id) == start
    for n, trigger in enumerate(allowed):
        with subtests.test(trigger=trigger, state=state, expected=EXPECTED[trigger][1]):
            actor = users["officer"] if trigger == "reopen" else users["mediator"]
            case = reload(shared.id) if n == 0 else case_in(state)
            check_allowed(case, trigger, actor, users)


def test_transition_event_records_the_changed_fields(case_in, users):
    case = case_in("mediating")
    due = (utcnow() + timedelta(days=10)).date()
    services.fire_trigger(
        case.id,
        "record_agreement",
        users["mediator"],
        {"terms": "分两期支付", "agreement_amount": "5000.50", "agreement_due_on": due.isoformat()},
    )
    case = reload(case.id)
    assert case.agreement_terms == "分两期支付"
    assert case.agreement_amount_fen == 500050
    assert case.agreement_due_on == due
    event = last_transition(case.id)
    assert event.body == "分两期支付"
    assert event.data["agreement_amount_fen"] == [None, 500050]
    assert event.data["agreement_due_on"] == [None, due.isoformat()]
    assert event.data["agreement_terms"] == [None, "分两期支付"]


def test_accept_records_the_mediator_and_an_optional_note(case_in, users):
    case = case_in("reported")
    services.fire_trigger(
        case.id,
        "accept",
        users["mediator"],
        {"mediator_id": users["g1_mediator"].id, "note": "材料齐全"},
    )
    case = reload(case.id)
    assert case.mediator_id == users["g1_mediator"].id
    event = last_transition(case.id)
    assert event.data == {"mediator_id": [None, users["g1_mediator"].id]}
    assert event.body == "材料齐全"


def test_a_reason_and_a_note_both_go_into_the_event(case_in, users):
    case = case_in("accepted")
    services.fire_trigger(
        case.id,
        "fail_mediation",
        users["mediator"],
        {"reason": "分歧过大", "note": "已告知仲裁途径"},
    )
    event = last_transition(case.id)
    assert event.body == "分歧过大"
    assert event.data["note"] == "已告知仲裁途径"


# --- roles ---------------------------------------------------------------------------------------


def test_advocates_may_fire_no_trigger(case_per_state, users, subtests, make_case, drive):
    cases = dict(case_per_state)
    # advocates are assigned while a case is open; the closed one is closed after assignment
    cases["closed"] = make_case()
    for case in cases.values():
        services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    cases["closed"] = drive(cases["closed"], "closed")
    for trigger in ALL_TRIGGERS:
        case = cases[source_state(trigger)]
        with subtests.test(trigger=trigger):
            before = snapshot(case.id)
            with pytest.raises(PermissionDenied) as info:
                services.fire_trigger(
                    case.id, trigger, users["advocate"], trigger_payload(trigger, users)
                )
            assert info.value.status_code == 403
            assert snapshot(case.id) == before


def test_an_unassigned_advocate_gets_not_found(case_in, users):
    case = case_in("reported")
    before = snapshot(case.id)
    with pytest.raises(NotFound):
        services.fire_trigger(
            case.id, "accept", users["advocate"], trigger_payload("accept", users)
        )
    assert snapshot(case.id) == before


def test_reopen_is_refused_for_a_mediator(case_in, users):
    case = case_in("closed")
    before = snapshot(case.id)
    for who in ("mediator", "g1_mediator"):
        with pytest.raises(PermissionDenied):
            services.fire_trigger(case.id, "reopen", users[who], {"reason": "新证据"})
    assert snapshot(case.id) == before
    assert allowed_names(reload(case.id), users["mediator"]) == []


def test_reopen_is_allowed_for_officers_and_admins(case_in, users, subtests):
    for who in ("officer", "city_officer", "admin"):
        with subtests.test(who=who):
            case = case_in("closed")
            assert case.outcome == Outcome.not_accepted
            result = services.fire_trigger(
                case.id, "reopen", users[who], trigger_payload("reopen", users)
            )
            assert result.state == State.accepted
            case = reload(case.id)
            assert case.state == State.accepted
            assert case.outcome is None
            assert case.closed_at is None
            event = last_transition(case.id)
            assert (event.from_state, event.to_state, event.trigger) == (
                "closed",
                "accepted",
                "reopen",
            )
            assert event.actor_id == users[who].id
            assert event.data["outcome"] == ["not_accepted", None]
            assert event.data["closed_at"][1] is None


def test_out_of_scope_staff_get_not_found(case_in, users, subtests):
    case = case_in("accepted")
    before = snapshot(case.id)
    for who in ("other_mediator", "other_officer", "other_advocate"):
        with subtests.test(who=who), pytest.raises(NotFound):
            services.fire_trigger(case.id, "begin_mediation", users[who], {})
    assert snapshot(case.id) == before


def test_handlers_in_scope_may_fire(case_in, users, subtests):
    for who in ("officer", "city_officer", "admin", "g1_mediator"):
        with subtests.test(who=who):
            case = case_in("accepted")
            result = services.fire_trigger(case.id, "begin_mediation", users[who], {})
            assert result.state == State.mediating
            assert last_transition(case.id).actor_id == users[who].id


# --- payload validation --------------------------------------------------------------------------

REQUIRED_FIELDS = [
    ("reject", "reason"),
    ("record_agreement", "terms"),
    ("record_agreement", "agreement_due_on"),
    ("confirm_performance", "paid_amount"),
    ("record_payment", "paid_amount"),
    ("close_partly_performed", "reason"),
    ("report_default", "reason"),
    ("fail_mediation", "reason"),
    ("refer", "referral_target"),
    ("refer", "referral_reference"),
    ("record_ruling", "result"),
    ("record_ruling", "amount"),
    ("withdraw", "reason"),
    ("reopen", "reason"),
    ("reopen", "reopen_reason"),
]


def test_missing_required_field_is_named_and_nothing_is_written(case_per_state, users, subtests):
    for trigger, field in REQUIRED_FIELDS:
        case = case_per_state[source_state(trigger)]
        with subtests.test(trigger=trigger, field=field):
            payload = trigger_payload(trigger, users)
            del payload[field]
            before = snapshot(case.id)
            with pytest.raises(ValidationFailed) as info:
                services.fire_trigger(case.id, trigger, users["officer"], payload)
            assert info.value.status_code == 422
            assert field in info.value.fields
            assert snapshot(case.id) == before


def test_unknown_payload_fields_are_refused(case_per_state, users, subtests):
    for trigger in ALL_TRIGGERS:
        case = case_per_state[source_state(trigger)]
        with subtests.test(trigger=trigger):
            payload = trigger_payload(trigger, users) | {"state": "closed"}
            before = snapshot(case.id)
            with pytest.raises(ValidationFailed) as info:
                services.fire_trigger(case.id, trigger, users["officer"], payload)
            assert "state" in info.value.fields
            assert snapshot(case.id) == before


INVALID_VALUES = [
    ("reject", {"reason": ""}, "reason"),
    ("reject", {"reason": "x" * 2001}, "reason"),
    ("record_agreement", {"agreement_due_on": "not-a-date"}, "agreement_due_on"),
    ("record_agreement", {"agreement_amount": "-1"}, "agreement_amount"),
    ("record_agreement", {"agreement_amount": "1.001"}, "agreement_amount"),
    ("confirm_performance", {"paid_amount": "abc"}, "paid_amount"),
    ("record_payment", {"paid_on": "someday"}, "paid_on"),
    ("report_default", {"refused_on": "2026-02-30"}, "refused_on"),
    ("reopen", {"reopen_reason": "whim"}, "reopen_reason"),
    ("refer", {"referral_target": "ufo"}, "referral_target"),
    ("refer", {"referral_reference": "x" * 201}, "referral_reference"),
    ("record_ruling", {"result": "undecided"}, "result"),
    ("record_ruling", {"amount": "-0.01"}, "amount"),
    ("accept", {"mediator_id": "someone"}, "mediator_id"),
    ("withdraw", {"note": "x" * 10_001}, "note"),
]


def test_invalid_payload_values_are_refused(case_per_state, users, subtests):
    for trigger, bad, field in INVALID_VALUES:
        case = case_per_state[source_state(trigger)]
        with subtests.test(trigger=trigger, field=field):
            before = snapshot(case.id)
            with pytest.raises(ValidationFailed) as info:
                services.fire_trigger(
                    case.id, trigger, users["officer"], trigger_payload(trigger, users) | bad
                )
            assert field in info.value.fields
            assert snapshot(case.id) == before


# --- guards --------------------------------------------------------------------------------------


def test_accept_without_a_mediator_is_refused(case_in, users):
    case = case_in("reported")
    before = snapshot(case.id)
    for payload in ({}, {"note": "先受理"}):
        with pytest.raises(ValidationFailed) as info:
            services.fire_trigger(case.id, "accept", users["mediator"], payload)
        assert list(info.value.fields) == ["mediator_id"]
    assert snapshot(case.id) == before


def test_accept_without_mediator_id_keeps_an_already_assigned_mediator(case_in, users):
    case = case_in("reported")
    case.mediator_id = users["g1_mediator"].id  # set up directly (e.g. assigned by a takeover)
    db.session.commit()
    services.fire_trigger(case.id, "accept", users["mediator"], {})
    case = reload(case.id)
    assert case.state == State.accepted
    assert case.mediator_id == users["g1_mediator"].id


def test_accept_with_an_ineligible_mediator_is_refused(case_in, users, make_user, subtests):
    case = case_in("reported")
    candidates = {
        "another town (out of scope)": users["other_mediator"].id,
        "an officer, not a mediator": users["officer"].id,
        "an advocate": users["advocate"].id,
        "a deactivated mediator": make_user("mediator", "T1", active=False).id,
        "no such user": 999_999,
    }
    before = snapshot(case.id)
    for label, mediator_id in candidates.items():
        with subtests.test(label):
            with pytest.raises(ValidationFailed) as info:
                services.fire_trigger(
                    case.id, "accept", users["mediator"], {"mediator_id": mediator_id}
                )
            assert list(info.value.fields) == ["mediator_id"]
            assert snapshot(case.id) == before


def test_accept_refuses_a_grassroots_mediator_for_a_town_case(make_case, users):
    # A G1 mediator cannot see a case handled by T1, so cannot mediate it.
    case = make_case(org="T1")
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(
            case.id, "accept", users["mediator"], {"mediator_id": users["g1_mediator"].id}
        )
    assert "mediator_id" in info.value.fields
    assert reload(case.id).state == State.reported


def test_record_agreement_due_in_the_past_is_refused(case_in, users):
    case = case_in("mediating")
    now = utcnow()
    yesterday = local_date(now) - timedelta(days=1)
    payload = trigger_payload("record_agreement", users) | {
        "agreement_due_on": yesterday.isoformat()
    }
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "record_agreement", users["mediator"], payload, now=now)
    assert list(info.value.fields) == ["agreement_due_on"]
    assert snapshot(case.id) == before
    case = reload(case.id)
    assert case.agreement_terms is None
    assert case.agreement_due_on is None


def test_record_agreement_due_today_is_allowed(case_in, users):
    case = case_in("mediating")
    now = utcnow()
    payload = trigger_payload("record_agreement", users) | {
        "agreement_due_on": local_date(now).isoformat()
    }
    result = services.fire_trigger(case.id, "record_agreement", users["mediator"], payload, now=now)
    assert result.state == State.agreement
    assert reload(case.id).agreement_due_on == local_date(now)


def test_record_agreement_needs_an_amount_on_remuneration_or_arrears_cases(
    case_in, users, subtests
):
    payload = trigger_payload("record_agreement", users)
    del payload["agreement_amount"]
    for kind, category in [
        ("arrears", "remuneration"),
        ("dispute", "remuneration"),
        ("arrears", "other"),
    ]:
        with subtests.test(kind=kind, category=category):
            case = case_in("mediating", kind=kind, category=category)
            before = snapshot(case.id)
            with pytest.raises(ValidationFailed) as info:
                services.fire_trigger(case.id, "record_agreement", users["mediator"], payload)
            assert list(info.value.fields) == ["agreement_amount"]
            assert snapshot(case.id) == before


def test_record_agreement_without_amount_is_fine_for_a_dismissal_dispute(case_in, users):
    case = case_in("mediating", kind="dispute", category="dismissal")
    payload = trigger_payload("record_agreement", users)
    del payload["agreement_amount"]
    result = services.fire_trigger(case.id, "record_agreement", users["mediator"], payload)
    assert result.state == State.agreement
    case = reload(case.id)
    assert case.agreement_amount_fen is None
    assert case.agreement_terms == payload["terms"]


def test_refer_to_payment_order_is_refused_for_a_dismissal_case(case_in, users):
    case = case_in("failed", kind="dispute", category="dismissal")
    payload = trigger_payload("refer", users) | {"referral_target": "payment_order"}
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "refer", users["mediator"], payload)
    assert list(info.value.fields) == ["referral_target"]
    assert snapshot(case.id) == before
    assert reload(case.id).referral_target is None
    # arbitration stays open to the same case
    payload["referral_target"] = "arbitration"
    assert services.fire_trigger(case.id, "refer", users["mediator"], payload).state == (
        State.referred
    )


def test_record_ruling_sets_the_outcome_from_the_result(case_in, users, subtests):
    for result in ("worker_won", "employer_won", "partly", "mediated_in_arbitration", "dismissed"):
        with subtests.test(result=result):
            case = case_in("referred")
            services.fire_trigger(
                case.id, "record_ruling", users["mediator"], {"result": result, "amount": "1234.56"}
            )
            case = reload(case.id)
            assert case.state == State.closed
            assert case.outcome == Outcome(result)
            assert str(case.ruling_result) == result
            assert case.ruling_amount_fen == 123456
            assert case.closed_at is not None


def test_reopen_after_performance_clears_outcome_and_closed_at(case_in, users):
    case = case_in("agreement")
    services.fire_trigger(
        case.id, "confirm_performance", users["mediator"], {"paid_amount": "90000"}
    )
    case = reload(case.id)
    assert case.outcome == Outcome.agreement_performed
    assert case.paid_amount_fen == 9_000_000
    assert case.closed_at is not None
    services.fire_trigger(
        case.id, "reopen", users["officer"],
        {"reopen_reason": "default_after_closure", "reason": "未实际到账"},
    )  # fmt: skip
    case = reload(case.id)
    assert case.state == State.accepted
    assert case.outcome is None
    assert case.closed_at is None
    assert allowed_names(case, users["mediator"]) == [
        "begin_mediation",
        "fail_mediation",
        "withdraw",
    ]


# --- stale versions, unknown triggers ---------------------------------------------------------


def test_stale_expected_version_is_a_conflict_and_writes_nothing(case_in, users):
    case = case_in("accepted")
    before = snapshot(case.id)
    for stale in (case.version - 1, case.version + 1):
        with pytest.raises(Conflict) as info:
            services.fire_trigger(
                case.id, "begin_mediation", users["mediator"], {}, expected_version=stale
            )
        assert info.value.extra["current_version"] == case.version
    assert snapshot(case.id) == before


def test_version_from_before_someone_elses_transition_is_stale(case_in, users):
    case = case_in("reported")
    seen = case.version
    services.fire_trigger(case.id, "accept", users["officer"], trigger_payload("accept", users))
    before = snapshot(case.id)
    with pytest.raises(Conflict) as info:
        services.fire_trigger(
            case.id, "withdraw", users["mediator"], {"reason": "重复"}, expected_version=seen
        )
    assert info.value.extra["current_version"] == seen + 1
    assert snapshot(case.id) == before


def test_unknown_trigger_is_a_validation_error_on_trigger(case_in, users, subtests):
    case = case_in("reported")
    before = snapshot(case.id)
    for name in ("explode", "", "ACCEPT", "to_closed", None):
        with subtests.test(name=name):
            with pytest.raises(ValidationFailed) as info:
                services.fire_trigger(case.id, name, users["mediator"], {})
            assert list(info.value.fields) == ["trigger"]
    assert snapshot(case.id) == before


# --- allowed triggers per role and state ------------------------------------------------------

ALLOWED_FOR_MEDIATOR = {
    "reported": ["accept", "reject", "withdraw"],
    "accepted": ["begin_mediation", "fail_mediation", "withdraw"],
    "mediating": ["record_agreement", "fail_mediation", "withdraw"],
    "agreement": [
        "confirm_performance",
        "record_payment",
        "close_partly_performed",
        "report_default",
        "withdraw",
    ],
    "failed": ["refer", "withdraw"],
    "referred": ["record_ruling", "withdraw"],
    "closed": [],
}


def test_allowed_triggers_per_role_and_state(case_per_state, users, subtests):
    for state, case in case_per_state.items():
        with subtests.test(state=state):
            mediator = ALLOWED_FOR_MEDIATOR[state]
            officer = ["reopen"] if state == "closed" else mediator
            assert allowed_names(case, users["mediator"]) == mediator
            assert allowed_names(case, users["g1_mediator"]) == mediator
            assert allowed_names(case, users["officer"]) == officer
            assert allowed_names(case, users["city_officer"]) == officer
            assert allowed_names(case, users["admin"]) == officer
            assert allowed_names(case, users["advocate"]) == []
            # and they agree with the transition table
            assert set(officer) == {t for t, (src, _) in EXPECTED.items() if state in src}


# --- one shared machine ---------------------------------------------------------------------------


def test_the_machine_is_shared_and_never_holds_cases(case_in, users):
    assert MACHINE.models == []
    first = case_in("agreement")
    second = case_in("referred")
    services.fire_trigger(
        first.id, "report_default", users["mediator"], trigger_payload("report_default", users)
    )
    services.fire_trigger(
        second.id, "record_ruling", users["mediator"], {"result": "partly", "amount": "1"}
    )
    assert MACHINE.models == []
    assert workflow.MACHINE is MACHINE
    # cases get no per-instance machine methods (triggers, `to_*`, `is_*`)
    for case in (reload(first.id), reload(second.id)):
        assert not hasattr(case, "report_default")
        assert not hasattr(case, "is_closed")
        assert not hasattr(case, "to_closed")
        assert not hasattr(case, "trigger")
    assert str(reload(first.id).state) == "failed"
    assert str(reload(second.id).state) == "closed"


def test_the_machine_has_no_auto_transitions():
    for state in ALL_STATES:
        names = set(MACHINE.get_triggers(state))
        assert not any(n.startswith("to_") for n in names)
        table = EXPECTED | INDIRECT
        assert names == {t for t, (sources, _) in table.items() if state in sources}


def test_merge_and_split_are_refused_by_the_transitions_operation(users, make_case):
    case = make_case()
    for trigger in INDIRECT:
        with pytest.raises(ValidationFailed) as info:
            services.fire_trigger(case.id, trigger, users["officer"], {})
        assert "trigger" in info.value.fields
        assert trigger not in {t.name for t in allowed_triggers(reload(case.id), users["officer"])}


def test_reopening_a_rejected_case_needs_a_mediator(users, make_case, drive):
    """`reopen` lands in `accepted`, which (like `accept`) needs a mediator assigned."""
    case = drive(make_case(), "closed")  # closed by `reject`, never had a mediator
    assert case.mediator_id is None
    payload = {"reopen_reason": "new_application", "reason": "新证据"}
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "reopen", users["officer"], payload)
    assert "mediator_id" in info.value.fields
    case = services.fire_trigger(
        case.id, "reopen", users["officer"], payload | {"mediator_id": users["mediator"].id}
    )
    assert case.state == State.accepted and case.mediator_id == users["mediator"].id
