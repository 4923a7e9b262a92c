"""A held hearing's outcome moves the case through its own lifecycle triggers, or is refused
with the case's state named, writing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mediation.cases.enums import Outcome, State
from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from mediation.hearings import services
from mediation.hearings.enums import HearingOutcome, HearingStatus
from tests.conftest import future_date, login
from tests.hearings.conftest import hearing_payload, local_moment


@pytest.fixture
def held(users, make_point):
    """A case's hearing scheduled yesterday for today, its outcome recorded after it began."""

    def factory(case):
        start = local_moment(0, 0, 30)
        hearing = services.schedule_hearing(
            users["mediator"], case.id, hearing_payload(make_point(name=f"点{case.id}"), start),
            now=start - timedelta(days=1),
        )  # fmt: skip
        return hearing, start + timedelta(minutes=30)

    return factory


def test_an_agreement_at_the_hearing_records_the_cases_agreement(users, make_case, drive, held):
    case = drive(make_case(), "mediating")
    hearing, after = held(case)
    services.record_outcome(
        users["mediator"], hearing.id,
        {"outcome": "agreement", "workers_attending": 12, "terms": "单位于月底前支付全部工资",
         "agreement_amount": "48000.00", "agreement_due_on": future_date()},
        now=after,
    )  # fmt: skip
    db.session.expire_all()
    assert hearing.status == HearingStatus.held and hearing.outcome == HearingOutcome.agreement
    assert hearing.case.state == State.agreement
    assert hearing.case.agreement_amount_fen == 4_800_000
    assert hearing.workers_attending == 12


def test_a_withdrawal_closes_the_case_as_withdrawn(users, make_case, drive, held):
    case = drive(make_case(), "accepted")
    hearing, after = held(case)
    services.record_outcome(
        users["mediator"], hearing.id,
        {"outcome": "withdrawn", "workers_attending": 3, "reason": "申请人当庭撤回申请"},
        now=after,
    )  # fmt: skip
    db.session.expire_all()
    assert hearing.case.state == State.closed and hearing.case.outcome == Outcome.withdrawn


def test_a_judgment_records_the_ruling_of_a_referred_case(users, make_case, drive, held):
    case = drive(make_case(), "referred")
    hearing, after = held(case)
    services.record_outcome(
        users["mediator"], hearing.id,
        {"outcome": "judgment", "workers_attending": 8, "result": "worker_won",
         "amount": "48000.00"},
        now=after,
    )  # fmt: skip
    db.session.expire_all()
    assert hearing.case.state == State.closed and hearing.case.ruling_amount_fen == 4_800_000


def test_an_outcome_the_cases_state_does_not_allow_is_refused_and_nothing_changes(
    users, make_case, held
):
    case = make_case()  # only reported: no agreement can be recorded yet
    hearing, after = held(case)
    with pytest.raises(ValidationFailed) as refused:
        services.record_outcome(
            users["mediator"], hearing.id,
            {"outcome": "agreement", "workers_attending": 5, "terms": "一次性支付",
             "agreement_amount": "1000.00", "agreement_due_on": future_date()},
            now=after,
        )  # fmt: skip
    assert list(refused.value.fields) == ["outcome"]
    db.session.expire_all()
    assert hearing.status == HearingStatus.scheduled and hearing.outcome is None
    assert hearing.workers_attending is None and hearing.case.state == State.reported


def test_a_trigger_payload_error_comes_back_on_its_field(users, make_case, drive, held):
    case = drive(make_case(), "mediating")
    hearing, after = held(case)
    with pytest.raises(ValidationFailed) as refused:
        services.record_outcome(
            users["mediator"], hearing.id, {"outcome": "agreement", "workers_attending": 5},
            now=after,
        )  # fmt: skip
    assert "terms" in refused.value.fields
    db.session.expire_all()
    assert hearing.status == HearingStatus.scheduled and hearing.case.state == State.mediating


def test_the_outcome_form_shows_the_refusal_beside_the_field(
    client, users, make_case, held, monkeypatch
):
    case = make_case()
    hearing, after = held(case)
    monkeypatch.setattr(services, "utcnow", lambda: after)
    login(client, users["mediator"])
    response = client.post(
        f"/hearings/{hearing.id}/outcome", data={"outcome": "withdrawn", "workers_attending": "4"}
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "field-error" in response.get_data(as_text=True)
    ok = client.post(
        f"/hearings/{hearing.id}/outcome",
        data={"outcome": "withdrawn", "workers_attending": "4", "reason": "撤回"},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert hearing.case.state == State.closed


def test_the_report_counts_hearings_held_cases_resolved_and_workers(
    client, users, make_case, drive, held
):
    agreed, talked = drive(make_case(), "mediating"), drive(make_case(), "mediating")
    first, after = held(agreed)
    services.record_outcome(
        users["mediator"], first.id,
        {"outcome": "agreement", "workers_attending": 10, "terms": "分两次支付",
         "agreement_amount": "48000.00", "agreement_due_on": future_date()},
        now=after,
    )  # fmt: skip
    second, after = held(talked)
    services.record_outcome(
        users["mediator"], second.id, {"outcome": "none", "workers_attending": 7}, now=after
    )
    rows = services.hearing_report(users["officer"], first.starts_at.year)
    assert sum(r["held"] for r in rows) == 2
    assert sum(r["resolved"] for r in rows) == 1
    assert sum(r["workers"] for r in rows) == 17
    # a town officer elsewhere counts nothing of T1's
    assert services.hearing_report(users["other_officer"], first.starts_at.year) == []

    login(client, users["officer"])
    page = client.get(f"/hearings/report?year={first.starts_at.year}").get_data(as_text=True)
    assert 'id="report-totals"' in page and ">17<" in page


def test_the_hearing_notice_prints_for_the_parties_and_the_cases_advocate(
    client, users, make_case, held
):
    from mediation.cases import services as case_services

    case = make_case()
    case_services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    hearing, _after = held(case)
    login(client, users["advocate"])
    sheet = client.get(f"/hearings/{hearing.id}/notice").get_data(as_text=True)
    assert 'id="hearing-notice"' in sheet and case.number in sheet
    assert hearing.point.address in sheet and case.enterprise.name in sheet
