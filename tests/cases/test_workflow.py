"""The lifecycle (design.md §5): every trigger from every state, roles, payloads and guards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mediation.cases import services, workflow
from mediation.cases.enums import EventKind, Outcome, ReferralTarget
from mediation.cases.models import Case, CaseEvent
from mediation.cases.workflow import MACHINE, State, allowed_triggers
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from tests.conftest import PATH_TO, trigger_payload

ALL_STATES = ["reported", "accepted", "mediating", "agreement", "failed", "referred", "closed"]
OPEN = {"reported", "accepted", "mediating", "agreement", "failed", "referred"}

# The table of design.md §5, written out independently of workflow.TRIGGERS.
EXPECTED: dict[str, tuple[set[str], str]] = {
    "accept": ({"reported"}, "accepted"),
    "reject": ({"reported"}, "closed"),
    "begin_mediation": ({"accepted"}, "mediating"),
    "record_agreement": ({"mediating"}, "agreement"),
    "confirm_performance": ({"agreement"}, "closed"),
    "report_default": ({"agreement"}, "failed"),
    "fail_mediation": ({"accepted", "mediating"}, "failed"),
    "refer": ({"failed"}, "referred"),
    "record_ruling": ({"referred"}, "closed"),
    "withdraw": (OPEN, "closed"),
    "reopen": ({"closed"}, "accepted"),
}
ALL_TRIGGERS = list(EXPECTED)
# Outcome a closing trigger sets.
CLOSING_OUTCOME = {
    "reject": Outcome.not_accepted,
    "confirm_performance": Outcome.agreement_performed,
    "record_ruling": Outcome.worker_won,
    "withdraw": Outcome.withdrawn,
}


def source_state(trigger: str) -> str:
    """One state the trigger is allowed from (the first in ALL_STATES order)."""
    return next(s for s in ALL_STATES if s in EXPECTED[trigger][0])


def count_events(case_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
    )


def reload(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def snapshot(case_id: int) -> tuple:
    case = reload(case_id)
    return (str(case.state), case.version, count_events(case_id), case.outcome, case.closed_at)


@pytest.fixture
def case_in(make_case, drive):
    def factory(state: str, **overrides) -> Case:
        return drive(make_case(**overrides), state)

    return factory


def test_the_expected_table_covers_every_trigger_and_state():
    assert {t.name for t in workflow.TRIGGERS} == set(EXPECTED)
    assert [s.value for s in State] == ALL_STATES
    assert set(PATH_TO) == set(ALL_STATES)


# --- the full matrix: 7 states × 11 triggers ---------------------------------------------------


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("trigger", ALL_TRIGGERS)
def test_trigger_from_state(trigger, state, case_in, users):
    case = case_in(state)
    assert str(case.state) == state
    actor = users["officer"] if trigger == "reopen" else users["mediator"]
    version, events = case.version, count_events(case.id)
    sources, dest = EXPECTED[trigger]

    if state in sources:
        result = services.fire_trigger(
            case.id, trigger, actor, trigger_payload(trigger, users), expected_version=version
        )
        assert str(result.state) == dest
        case = reload(case.id)
        assert str(case.state) == dest
        assert case.version == version + 1
        assert count_events(case.id) == events + 1
        last = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
        ).first()
        assert last.kind == EventKind.transition
        assert last.seq == events + 1
        assert (last.from_state, last.to_state, last.trigger) == (state, dest, trigger)
        assert last.actor_id == actor.id
        if dest == "closed":
            assert case.closed_at is not None
            assert case.outcome == CLOSING_OUTCOME[trigger]
        else:
            assert case.closed_at is None
            assert case.outcome is None
    else:
        before = snapshot(case.id)
        with pytest.raises(Conflict) as info:
            services.fire_trigger(case.id, trigger, actor, trigger_payload(trigger, users))
        assert info.value.status_code == 409
        assert info.value.extra["current_state"] == state
        assert info.value.extra["current_version"] == version
        assert snapshot(case.id) == before
        assert before[:3] == (state, version, events)


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
    event = case.events[-1]
    assert event.body == "分两期支付"
    assert event.data["agreement_amount_fen"] == [None, 500050]
    assert event.data["agreement_due_on"] == [None, due.isoformat()]


def test_accept_records_the_mediator(case_in, users):
    case = case_in("reported")
    services.fire_trigger(
        case.id, "accept", users["mediator"], {"mediator_id": users["g1_mediator"].id}
    )
    case = reload(case.id)
    assert case.mediator_id == users["g1_mediator"].id
    assert case.events[-1].data == {"mediator_id": [None, users["g1_mediator"].id]}


# --- roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ALL_TRIGGERS)
def test_advocates_may_fire_no_trigger(trigger, case_in, users):
    case = case_in(source_state(trigger))
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    before = snapshot(case.id)
    with pytest.raises(PermissionDenied) as info:
        services.fire_trigger(case.id, trigger, users["advocate"], trigger_payload(trigger, users))
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
    with pytest.raises(PermissionDenied):
        services.fire_trigger(case.id, "reopen", users["mediator"], {"reason": "新证据"})
    assert snapshot(case.id) == before


@pytest.mark.parametrize("who", ["officer", "city_officer", "admin"])
def test_reopen_is_allowed_for_officers_and_admins(who, case_in, users):
    case = case_in("closed")
    assert case.outcome == Outcome.not_accepted
    result = services.fire_trigger(case.id, "reopen", users[who], {"reason": "新证据"})
    assert result.state == State.accepted
    case = reload(case.id)
    assert case.state == State.accepted
    assert case.outcome is None
    assert case.closed_at is None
    assert case.events[-1].data["outcome"] == ["not_accepted", None]


@pytest.mark.parametrize("who", ["other_mediator", "other_officer", "other_advocate"])
def test_out_of_scope_staff_get_not_found(who, case_in, users):
    case = case_in("accepted")
    before = snapshot(case.id)
    with pytest.raises(NotFound):
        services.fire_trigger(case.id, "begin_mediation", users[who], {})
    assert snapshot(case.id) == before


@pytest.mark.parametrize("who", ["officer", "city_officer", "admin", "g1_mediator"])
def test_handlers_in_scope_may_fire(who, case_in, users):
    case = case_in("accepted")
    assert services.fire_trigger(case.id, "begin_mediation", users[who], {}).state == (
        State.mediating
    )


# --- payload validation --------------------------------------------------------------------------

REQUIRED_FIELDS = [
    ("reject", "reason"),
    ("record_agreement", "terms"),
    ("record_agreement", "agreement_due_on"),
    ("confirm_performance", "paid_amount"),
    ("report_default", "reason"),
    ("fail_mediation", "reason"),
    ("refer", "referral_target"),
    ("refer", "referral_reference"),
    ("record_ruling", "result"),
    ("record_ruling", "amount"),
    ("withdraw", "reason"),
    ("reopen", "reason"),
]


@pytest.mark.parametrize(("trigger", "field"), REQUIRED_FIELDS)
def test_missing_required_field_is_named_and_nothing_is_written(trigger, field, case_in, users):
    case = case_in(source_state(trigger))
    payload = trigger_payload(trigger, users)
    del payload[field]
    actor = users["officer"]
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, trigger, actor, payload)
    assert info.value.status_code == 422
    assert field in info.value.fields
    assert snapshot(case.id) == before


@pytest.mark.parametrize("trigger", ALL_TRIGGERS)
def test_unknown_payload_fields_are_refused(trigger, case_in, users):
    case = case_in(source_state(trigger))
    payload = trigger_payload(trigger, users) | {"state": "closed"}
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, trigger, users["officer"], payload)
    assert "state" in info.value.fields
    assert snapshot(case.id) == before


@pytest.mark.parametrize(
    ("trigger", "bad", "field"),
    [
        ("reject", {"reason": ""}, "reason"),
        ("reject", {"reason": "x" * 2001}, "reason"),
        ("record_agreement", {"agreement_due_on": "not-a-date"}, "agreement_due_on"),
        ("record_agreement", {"agreement_amount": "-1"}, "agreement_amount"),
        ("record_agreement", {"agreement_amount": "1.001"}, "agreement_amount"),
        ("confirm_performance", {"paid_amount": "abc"}, "paid_amount"),
        ("refer", {"referral_target": "ufo"}, "referral_target"),
        ("refer", {"referral_reference": "x" * 201}, "referral_reference"),
        ("record_ruling", {"result": "undecided"}, "result"),
        ("record_ruling", {"amount": "-0.01"}, "amount"),
        ("accept", {"mediator_id": "someone"}, "mediator_id"),
    ],
)
def test_invalid_payload_values_are_refused(trigger, bad, field, case_in, users):
    case = case_in(source_state(trigger))
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(
            case.id, trigger, users["officer"], trigger_payload(trigger, users) | bad
        )
    assert field in info.value.fields
    assert snapshot(case.id) == before


def test_an_optional_note_goes_into_the_event(case_in, users):
    case = case_in("accepted")
    services.fire_trigger(
        case.id,
        "fail_mediation",
        users["mediator"],
        {"reason": "分歧过大", "note": "已告知仲裁途径"},
    )
    event = reload(case.id).events[-1]
    assert event.body == "分歧过大"
    assert event.data["note"] == "已告知仲裁途径"


# --- guards --------------------------------------------------------------------------------------


def test_accept_without_a_mediator_is_refused(case_in, users):
    case = case_in("reported")
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "accept", users["mediator"], {})
    assert list(info.value.fields) == ["mediator_id"]
    assert snapshot(case.id) == before


def test_accept_without_mediator_id_keeps_an_already_assigned_mediator(case_in, users):
    case = case_in("reported")
    case.mediator_id = users["g1_mediator"].id  # set up directly: e.g. assigned by a takeover
    db.session.commit()
    services.fire_trigger(case.id, "accept", users["mediator"], {})
    case = reload(case.id)
    assert case.state == State.accepted
    assert case.mediator_id == users["g1_mediator"].id


@pytest.mark.parametrize(
    "who",
    [
        "other_mediator",  # another town: out of scope for a G1 case
        "officer",  # not a mediator
        "advocate",  # not a mediator
        "inactive",  # a deactivated mediator
        "missing",  # no such user
    ],
)
def test_accept_with_an_ineligible_mediator_is_refused(who, case_in, users, make_user):
    case = case_in("reported")
    if who == "inactive":
        mediator_id = make_user("mediator", "T1", active=False).id
    elif who == "missing":
        mediator_id = 999_999
    else:
        mediator_id = users[who].id
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "accept", users["mediator"], {"mediator_id": mediator_id})
    assert "mediator_id" in info.value.fields
    assert snapshot(case.id) == before
    assert reload(case.id).mediator_id is None


def test_accept_refuses_a_grassroots_mediator_for_a_town_case(make_case, users):
    # A G1 mediator cannot see a case handled by T1, so cannot mediate it.
    case = make_case(org="T1")
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(
            case.id, "accept", users["mediator"], {"mediator_id": users["g1_mediator"].id}
        )
    assert "mediator_id" in info.value.fields


def test_record_agreement_due_in_the_past_is_refused(case_in, users):
    case = case_in("mediating")
    yesterday = local_date(utcnow()) - timedelta(days=1)
    payload = trigger_payload("record_agreement", users) | {
        "agreement_due_on": yesterday.isoformat()
    }
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "record_agreement", users["mediator"], payload)
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


@pytest.mark.parametrize(
    ("kind", "category"),
    [("arrears", "remuneration"), ("dispute", "remuneration"), ("arrears", "other")],
)
def test_record_agreement_needs_an_amount_on_remuneration_or_arrears_cases(
    kind, category, case_in, users
):
    case = case_in("mediating", kind=kind, category=category)
    payload = trigger_payload("record_agreement", users)
    del payload["agreement_amount"]
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
    assert reload(case.id).agreement_amount_fen is None


def test_refer_to_payment_order_is_refused_for_a_dismissal_case(case_in, users):
    case = case_in("failed", kind="dispute", category="dismissal")
    payload = trigger_payload("refer", users) | {"referral_target": "payment_order"}
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "refer", users["mediator"], payload)
    assert list(info.value.fields) == ["referral_target"]
    assert snapshot(case.id) == before
    assert reload(case.id).referral_target is None


@pytest.mark.parametrize("category", ["remuneration", "injury_compensation"])
def test_refer_to_payment_order_is_allowed_for_pay_claims(category, case_in, users):
    case = case_in("failed", kind="dispute", category=category)
    payload = trigger_payload("refer", users) | {"referral_target": "payment_order"}
    result = services.fire_trigger(case.id, "refer", users["mediator"], payload)
    assert result.state == State.referred
    case = reload(case.id)
    assert case.referral_target == ReferralTarget.payment_order
    assert case.referral_reference == payload["referral_reference"]


@pytest.mark.parametrize(
    "result", ["worker_won", "employer_won", "partly", "mediated_in_arbitration", "dismissed"]
)
def test_record_ruling_sets_the_outcome_from_the_result(result, case_in, users):
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
    services.fire_trigger(case.id, "confirm_performance", users["mediator"], {"paid_amount": "1"})
    case = reload(case.id)
    assert case.outcome == Outcome.agreement_performed
    assert case.closed_at is not None
    services.fire_trigger(case.id, "reopen", users["officer"], {"reason": "未实际到账"})
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
    stale = case.version - 1
    before = snapshot(case.id)
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
            case.id, "reject", users["mediator"], {"reason": "重复"}, expected_version=seen
        )
    assert info.value.extra["current_version"] == seen + 1
    assert snapshot(case.id) == before


@pytest.mark.parametrize("name", ["explode", "", "ACCEPT", None])
def test_unknown_trigger_is_a_validation_error_on_trigger(name, case_in, users):
    case = case_in("reported")
    before = snapshot(case.id)
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, name, users["mediator"], {})
    assert list(info.value.fields) == ["trigger"]
    assert snapshot(case.id) == before


# --- allowed triggers per role and state ------------------------------------------------------


def allowed_names(case: Case, user) -> list[str]:
    return [t.name for t in allowed_triggers(case, user)]


@pytest.mark.parametrize(
    ("state", "mediator", "officer"),
    [
        ("reported", ["accept", "reject", "withdraw"], ["accept", "reject", "withdraw"]),
        ("accepted", ["begin_mediation", "fail_mediation", "withdraw"], None),
        ("mediating", ["record_agreement", "fail_mediation", "withdraw"], None),
        ("agreement", ["confirm_performance", "report_default", "withdraw"], None),
        ("failed", ["refer", "withdraw"], None),
        ("referred", ["record_ruling", "withdraw"], None),
        ("closed", [], ["reopen"]),
    ],
)
def test_allowed_triggers_per_role_and_state(state, mediator, officer, case_in, users):
    officer = mediator if officer is None else officer
    case = case_in(state)
    assert allowed_names(case, users["mediator"]) == mediator
    assert allowed_names(case, users["g1_mediator"]) == mediator
    assert allowed_names(case, users["officer"]) == officer
    assert allowed_names(case, users["city_officer"]) == officer
    assert allowed_names(case, users["admin"]) == officer
    assert allowed_names(case, users["advocate"]) == []


# --- one shared machine ---------------------------------------------------------------------------


def test_the_machine_is_shared_and_never_holds_cases(case_in, users):
    assert MACHINE.models == []
    assert not hasattr(Case, "trigger")
    first = case_in("agreement")
    second = case_in("referred")
    services.fire_trigger(first.id, "report_default", users["mediator"], {"reason": "未付"})
    services.fire_trigger(
        second.id, "record_ruling", users["mediator"], {"result": "partly", "amount": "1"}
    )
    assert MACHINE.models == []
    assert workflow.MACHINE is MACHINE
    # the cases carry no per-instance machine attributes (no `to_*`, `is_*` or trigger methods)
    for case in (reload(first.id), reload(second.id)):
        assert not hasattr(case, "report_default")
        assert not hasattr(case, "is_closed")
        assert not hasattr(case, "to_closed")
    assert str(reload(first.id).state) == "failed"
    assert str(reload(second.id).state) == "closed"


def test_the_machine_has_no_auto_transitions():
    for state in ALL_STATES:
        names = set(MACHINE.get_triggers(state))
        assert not any(n.startswith("to_") for n in names)
        assert names == {t for t, (sources, _) in EXPECTED.items() if state in sources}
