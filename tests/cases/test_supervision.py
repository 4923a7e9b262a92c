"""Mediator (re)assignment, officer take-over and manual escalation: services and pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.cases.enums import EventKind
from mediation.cases.models import CaseEvent
from mediation.core.clock import utcnow
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings import services as warning_services
from mediation.warnings.models import Alert, AlertStatus, Notification
from mediation.warnings.sweep import sweep
from tests.helpers import DAY, count, reload


def events_of(case_id: int, kind: EventKind) -> list[CaseEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
        )
    )


def snapshot(case_id: int) -> tuple:
    c = reload(case_id)
    return (c.version, c.event_seq, c.mediator_id, c.handling_org_id, c.tier, count(Alert))


# --- mediator assignment ----------------------------------------------------------------------


def test_assign_mediator_records_an_assignment_event(users, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")
    assert case.mediator_id == users["mediator"].id
    case = services.assign_mediator(
        case.id, users["officer"],
        {"mediator_id": users["g1_mediator"].id, "version": case.version},
    )  # fmt: skip
    case = reload(case)
    assert case.mediator_id == users["g1_mediator"].id
    [ev] = [e for e in events_of(case.id, EventKind.assignment) if "mediator_id" in e.data]
    assert ev.data["mediator_id"] == [users["mediator"].id, users["g1_mediator"].id]
    assert ev.actor_id == users["officer"].id


@pytest.mark.parametrize(
    ("who", "body", "error"),
    [
        ("advocate", {}, PermissionDenied),
        ("other_officer", {}, NotFound),
        ("officer", {"version": 0}, Conflict),
        ("officer", {"mediator_id": "other_mediator"}, ValidationFailed),
        ("officer", {"mediator_id": None}, ValidationFailed),
    ],
)
def test_assign_mediator_refusals_write_nothing(users, make_case, who, body, error):
    case = make_case(workers_involved=1)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    payload = {"mediator_id": users["g1_mediator"].id, "version": reload(case).version}
    payload.update(body)
    if payload.get("mediator_id") == "other_mediator":
        payload["mediator_id"] = users["other_mediator"].id
    if payload["mediator_id"] is None:
        del payload["mediator_id"]
    before = snapshot(case.id)
    with pytest.raises(error):
        services.assign_mediator(case.id, users[who], payload)
    assert snapshot(case.id) == before


def test_assign_mediator_refused_on_a_closed_case(users, make_case, drive):
    case = drive(make_case(workers_involved=1), "closed")
    before = snapshot(case.id)
    with pytest.raises(Conflict):
        services.assign_mediator(
            case.id,
            users["officer"],
            {"mediator_id": users["mediator"].id, "version": case.version},
        )
    assert snapshot(case.id) == before


# --- take-over --------------------------------------------------------------------------------


def test_takeover_moves_the_case_and_the_alerts_follow(users, orgs, make_case, drive):
    # accepted by the G1 mediator, handled at G1; a blue "handling" alert targets G1
    case = make_case(workers_involved=1)
    case = services.fire_trigger(
        case.id, "accept", users["officer"], {"mediator_id": users["g1_mediator"].id}
    )
    services.take_over(case.id, users["officer"], {"version": case.version, "reason": "重大"})
    case = reload(case)
    assert case.handling_org_id == orgs["T1"].id
    assert case.tier == Tier.town
    assert case.mediator_id is None  # the G1 mediator cannot see a case handled at T1
    [ev] = events_of(case.id, EventKind.takeover)
    assert ev.body == "重大"
    assert ev.data["handling_org_id"] == [orgs["G1"].id, orgs["T1"].id]
    assert ev.data["mediator_id"] == [users["g1_mediator"].id, None]
    # the city takes it over from the town; a town mediator is also unassigned
    case = services.fire_trigger(case.id, "begin_mediation", users["officer"], {})
    services.assign_mediator(
        case.id, users["officer"], {"mediator_id": users["mediator"].id, "version": case.version}
    )
    services.take_over(
        case.id, users["city_officer"], {"version": reload(case).version, "reason": "市总督办"}
    )
    case = reload(case)
    assert (case.handling_org_id, case.tier, case.mediator_id) == (orgs["C"].id, Tier.city, None)


def test_takeover_keeps_a_mediator_who_still_sees_the_case(users, orgs, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")  # mediator at T1
    services.take_over(case.id, users["officer"], {"version": case.version, "reason": "督办"})
    assert reload(case).mediator_id == users["mediator"].id


def test_takeover_retargets_alerts(users, orgs, make_case, drive):
    # 25 days after receipt and not yet agreed: "mediation period ending soon" (blue) is
    # addressed to the handling organization, G1 (25 days: past the 15 days' last day whatever
    # weekends or holidays moved it)
    received = (utcnow() - 25 * DAY).isoformat()
    case = drive(make_case(workers_involved=1, received_at=received), "accepted")
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == case.id, Alert.rule == "mediation_due_soon")
    )
    assert (alert.target_org_id, alert.status) == (orgs["G1"].id, AlertStatus.open)
    services.take_over(case.id, users["officer"], {"version": case.version, "reason": "督办"})
    db.session.expire_all()
    rows = db.session.scalars(
        select(Alert).where(Alert.case_id == case.id, Alert.rule == "mediation_due_soon")
    ).all()
    by_org = {a.target_org_id: a.status for a in rows}
    assert by_org == {orgs["G1"].id: AlertStatus.resolved, orgs["T1"].id: AlertStatus.open}


@pytest.mark.parametrize(
    ("who", "body", "error"),
    [
        ("mediator", {}, PermissionDenied),
        ("advocate", {}, PermissionDenied),
        ("other_officer", {}, NotFound),
        ("officer", {"version": 0}, Conflict),
        ("officer", {"reason": ""}, ValidationFailed),
    ],
)
def test_takeover_refusals_write_nothing(users, make_case, who, body, error):
    case = make_case(workers_involved=1)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    payload = {"version": reload(case).version, "reason": "督办"} | body
    before = snapshot(case.id)
    with pytest.raises(error):
        services.take_over(case.id, users[who], payload)
    assert snapshot(case.id) == before


def test_takeover_refused_when_already_ours_or_closed(users, make_case, drive):
    case = make_case(workers_involved=1, org="T1")
    with pytest.raises(Conflict):
        services.take_over(case.id, users["officer"], {"version": case.version, "reason": "x"})
    closed = drive(make_case(workers_involved=1), "closed")
    before = snapshot(closed.id)
    with pytest.raises(Conflict):
        services.take_over(closed.id, users["officer"], {"version": closed.version, "reason": "x"})
    assert snapshot(closed.id) == before


# --- manual escalation ------------------------------------------------------------------------


def test_escalation_reaches_the_city_inbox_and_outbox(users, orgs, make_case, make_user):
    make_user("officer", "C", email="city@example.org")
    case = make_case(workers_involved=1)
    alert = warning_services.escalate(
        case.id, users["officer"], {"level": "orange", "reason": "企业主失联风险"}
    )
    assert (alert.rule, alert.level.value, alert.target_tier, alert.target_org_id) == (
        "manual_escalation", "orange", Tier.city, orgs["C"].id,
    )  # fmt: skip
    inbox = db.session.scalars(warning_services.inbox_query(users["city_officer"])).all()
    assert alert.id in [a.id for a in inbox]
    town_inbox = db.session.scalars(warning_services.inbox_query(users["officer"])).all()
    assert alert.id not in [a.id for a in town_inbox]
    assert (
        db.session.scalar(select(Notification).where(Notification.alert_id == alert.id)).recipient
        == "city@example.org"
    )
    [ev] = [e for e in events_of(case.id, EventKind.alert) if e.data.get("action") == "人工升级"]
    assert ev.actor_id == users["officer"].id and "企业主失联风险" in ev.body
    case = reload(case)
    assert (case.warning_level.value, case.tier) == ("orange", Tier.city)
    # acknowledgeable by the city officer
    warning_services.acknowledge(alert.id, users["city_officer"], {"note": "已督办"})
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status == AlertStatus.acknowledged


def test_the_sweep_does_not_resolve_a_manual_escalation(app, users, make_case):
    case = make_case(workers_involved=1)
    alert = warning_services.escalate(
        case.id, users["officer"], {"level": "yellow", "reason": "跟进"}
    )
    for days in (1, 5, 40):
        sweep(utcnow() + days * DAY)
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status != AlertStatus.resolved
    # an edit runs the rules again: still open
    services.update_facts(
        case.id, users["mediator"], {"version": reload(case).version, "title": "新标题"}
    )
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status != AlertStatus.resolved


def test_a_second_escalation_to_the_same_tier_is_a_conflict(users, make_case):
    case = make_case(workers_involved=1)
    warning_services.escalate(case.id, users["officer"], {"level": "yellow", "reason": "跟进"})
    before = snapshot(case.id)
    with pytest.raises(Conflict):
        warning_services.escalate(case.id, users["officer"], {"level": "red", "reason": "再次"})
    assert snapshot(case.id) == before


@pytest.mark.parametrize(
    ("who", "body", "error"),
    [
        ("mediator", {}, PermissionDenied),
        ("advocate", {}, PermissionDenied),
        ("city_officer", {}, PermissionDenied),  # nothing above the city
        ("other_officer", {}, NotFound),
        ("officer", {"level": "purple"}, ValidationFailed),
        ("officer", {"reason": ""}, ValidationFailed),
    ],
)
def test_escalation_refusals_write_nothing(users, make_case, who, body, error):
    case = make_case(workers_involved=1)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    before = snapshot(case.id), count(Notification)
    with pytest.raises(error):
        warning_services.escalate(case.id, users[who], {"level": "orange", "reason": "跟进"} | body)
    assert (snapshot(case.id), count(Notification)) == before


def test_escalation_refused_on_a_closed_case(users, make_case, drive):
    case = drive(make_case(workers_involved=1), "closed")
    before = snapshot(case.id)
    with pytest.raises(Conflict):
        warning_services.escalate(case.id, users["officer"], {"level": "red", "reason": "x"})
    assert snapshot(case.id) == before
