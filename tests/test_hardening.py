"""Inputs and sequences a review found could hurt: each answers cleanly and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.cases.models import Case, CaseEvent
from mediation.core.errors import Conflict, ValidationFailed
from mediation.extensions import db
from mediation.warnings.models import Alert, AlertStatus, Notification
from mediation.warnings.services import update_rule_settings
from mediation.warnings.sweep import sweep
from tests.conftest import login, trigger_payload
from tests.helpers import DAY, HOUR, T0, count, reload

HUGE = 10**12


@pytest.mark.parametrize(
    "url",
    [f"/cases/{HUGE}", f"/cases/{HUGE}/edit", "/cases?page=999999999999999999"],
)
def test_huge_numbers_in_urls_are_not_server_errors(client, users, url):
    login(client, users["mediator"])
    assert client.get(url).status_code in (200, 404)


def test_huge_ids_posted_are_not_server_errors(client, users, make_case):
    login(client, users["officer"])
    assert client.post(f"/alerts/{HUGE}/acknowledge", data={"note": "x"}).status_code == 404
    case = make_case()
    response = client.post(
        f"/cases/{case.id}/transitions/accept",
        data={"version": case.version, "mediator_id": str(HUGE)},
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "field, value",
    [
        ("enterprise_id", HUGE),
        ("handling_org_id", HUGE),
        ("received_at", "0001-01-01T00:00"),
        ("infringement_known_at", "1200-05-01"),
    ],
)
def test_absurd_values_on_a_new_case_are_field_errors(users, case_payload, field, value):
    payload = case_payload(**{field: value})
    before = count(Case)
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], payload)
    assert field in info.value.fields
    assert count(Case) == before


def test_an_agreement_due_in_the_year_9999_is_a_field_error(users, make_case, drive):
    case = drive(make_case(), "mediating")
    payload = trigger_payload("record_agreement", users) | {"agreement_due_on": "9999-12-31"}
    with pytest.raises(ValidationFailed) as info:
        services.fire_trigger(case.id, "record_agreement", users["mediator"], payload)
    assert "agreement_due_on" in info.value.fields
    assert reload(case.id).state.value == "mediating"


def test_a_transition_form_without_its_version_is_refused(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    response = client.post(
        f"/cases/{case.id}/transitions/accept", data={"mediator_id": users["mediator"].id}
    )
    assert response.status_code == 422
    assert reload(case.id).state.value == "reported"


def test_a_threshold_too_large_for_the_calendar_is_refused(users, make_case):
    with pytest.raises(ValidationFailed) as info:
        update_rule_settings(users["admin"], {"mediation_stalled": {"days": 999_999_999}})
    assert "mediation_stalled.days" in info.value.fields
    make_case()  # cases can still be written


def test_a_case_whose_rules_fail_does_not_stop_the_sweep(users, make_case, monkeypatch):
    from mediation.warnings import rules

    bad = make_case(workers_involved=7, now=T0)  # 7 workers marks the case the rules choke on
    good = make_case(workers_involved=12, now=T0)
    original = rules.evaluate

    def evaluate(facts, now, settings):
        if facts.workers_involved == 7:
            raise RuntimeError("a rule blew up")
        return original(facts, now, settings)

    monkeypatch.setattr(rules, "evaluate", evaluate)
    db.session.execute(
        Case.__table__.update().where(Case.id.in_([bad.id, good.id])).values(next_check_at=T0)
    )
    db.session.commit()
    now = T0 + DAY
    outcome = sweep(now)
    assert outcome.checked == 1  # the good case, checked on its own after the batch failed
    assert reload(good.id).next_check_at > now
    assert reload(bad.id).next_check_at == now + HOUR  # looked at again later, not every minute


def test_assigning_an_advocate_to_a_closed_case_is_a_conflict(users, make_case, drive):
    case = drive(make_case(), "closed")
    with pytest.raises(Conflict):
        services.assign_advocate(case.id, users["mediator"], users["advocate"].id)


def test_an_arrears_case_keeps_its_months(users, make_case):
    case = make_case()
    with pytest.raises(ValidationFailed) as info:
        services.update_facts(
            case.id, users["mediator"], {"version": case.version, "arrears_months": None}
        )
    assert "arrears_months" in info.value.fields


def test_a_credit_code_of_another_area_does_not_reveal_the_enterprise(
    users, case_payload, make_enterprise
):
    other = make_enterprise("G2", name="别处的秘密企业有限公司")
    payload = case_payload(enterprise={"name": "新名字", "credit_code": other.credit_code})
    payload.pop("enterprise_id")
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], payload)
    message = " ".join(info.value.fields["enterprise.credit_code"])
    assert "别处的秘密企业" not in message


def test_months_in_arrears_change_the_alert_level_both_ways(users, make_case):
    case = make_case(arrears_months=2, workers_involved=1, now=T0)  # orange, town
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == case.id, Alert.rule == "arrears_duration")
    )
    assert alert.level.value == "orange"
    from mediation.warnings.services import acknowledge

    acknowledge(alert.id, users["officer"], {"note": "已了解"}, now=T0 + HOUR)
    case = services.update_facts(
        case.id,
        users["mediator"],
        {"version": reload(case.id).version, "arrears_months": 1},
        now=T0 + 2 * HOUR,
    )
    alert = db.session.scalar(select(Alert).where(Alert.id == alert.id))
    assert alert.level.value == "yellow"
    assert alert.status == AlertStatus.acknowledged  # better news needs no new acknowledgement
    notifications_before = count(Notification)
    services.update_facts(
        case.id,
        users["mediator"],
        {"version": reload(case.id).version, "arrears_months": 2},
        now=T0 + 3 * HOUR,
    )
    alert = db.session.scalar(select(Alert).where(Alert.id == alert.id))
    assert alert.level.value == "orange"
    assert alert.status == AlertStatus.open  # worse news must be acknowledged again
    bodies = [
        e.body for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    ]
    assert sum("级别调整" in (b or "") for b in bodies) == 2
    assert count(Notification) >= notifications_before  # officers without e-mail get none
