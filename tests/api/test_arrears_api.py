"""Wage arrears through the API: the first unpaid pay day as a fact, and a delay of wages agreed
with the union (`POST /cases/{id}/wage-delay`)."""

from __future__ import annotations

from datetime import date, timedelta

from mediation.cases import services
from mediation.cases.arrears import months_owed
from mediation.core.clock import local_date, utcnow
from tests.api.conftest import error_of
from tests.helpers import reload


def today() -> date:
    return local_date(utcnow())


def test_a_case_registered_with_the_first_unpaid_pay_day(api, users, case_json):
    body = case_json(wages_unpaid_since="2026-01-31")
    del body["arrears_months"]
    response = api.post("/cases", as_=users["mediator"], json=body)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["wages_unpaid_since"] == "2026-01-31"
    assert case["arrears_months"] is None
    assert case["months_owed"] == months_owed(date(2026, 1, 31), today())
    assert case["wage_delay_until"] is None
    got = api.get(f"/cases/{case['id']}", as_=users["mediator"]).get_json()
    assert got["months_owed"] == case["months_owed"]


def test_an_older_client_without_the_pay_day_gets_no_months_owed(api, users, case_json):
    response = api.post("/cases", as_=users["mediator"], json=case_json())
    assert response.status_code == 201
    assert (response.get_json()["arrears_months"], response.get_json()["months_owed"]) == (2, None)


def test_an_arrears_case_without_either_is_422(api, users, case_json):
    body = case_json()
    del body["arrears_months"]
    error = error_of(api.post("/cases", as_=users["mediator"], json=body))
    assert list(error["fields"]) == ["arrears_months"]


def test_a_pay_day_in_the_future_is_422(api, users, case_json):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = api.post(
        "/cases", as_=users["mediator"], json=case_json(wages_unpaid_since=tomorrow)
    )
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"wages_unpaid_since": ["Must not be in the future."]}


def test_the_pay_day_is_edited_with_patch(api, users, make_case):
    case = make_case()
    response = api.patch(
        f"/cases/{case.id}", as_=users["mediator"],
        json={"version": case.version, "wages_unpaid_since": "2026-02-01"},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert reload(case.id).wages_unpaid_since == date(2026, 2, 1)


# --- a delay of wages agreed with the union -------------------------------------------------------


def delay(api, user, case, until: date | str, **kw):
    body = {"until": str(until), "reason": "资金周转困难，经工会同意延期", "version": case.version}
    return api.post(f"/cases/{case.id}/wage-delay", as_=user, json=body | kw)


def test_recording_a_delay_answers_the_case(api, users, make_case):
    case = make_case()
    version = case.version
    until = today() + timedelta(days=10)
    response = delay(api, users["mediator"], case, until)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["wage_delay_until"] == until.isoformat()
    assert body["version"] == version + 1
    events = api.get(f"/cases/{case.id}/events", as_=users["mediator"]).get_json()["items"]
    edit = next(e for e in events if e["kind"] == "edit")
    assert edit["data"]["wage_delay_until"] == [None, until.isoformat()]


def test_a_delay_at_the_cap_is_accepted_and_one_day_more_is_not(api, users, make_case):
    case = make_case()
    response = delay(api, users["mediator"], case, today() + timedelta(days=31))
    assert response.status_code == 422
    last = (today() + timedelta(days=30)).isoformat()
    assert error_of(response)["fields"] == {"until": [f"Must be on or before {last}."]}
    assert delay(api, users["mediator"], case, last).status_code == 200


def test_a_delay_ending_today_or_before_is_422_with_nothing_written(api, users, make_case):
    case = make_case()
    seq = reload(case.id).event_seq
    for until in (today(), today() - timedelta(days=3)):
        response = delay(api, users["mediator"], case, until)
        assert response.status_code == 422
        assert error_of(response)["fields"] == {"until": ["Must be after today."]}
    stored = reload(case.id)
    assert (stored.wage_delay_until, stored.event_seq, stored.version) == (None, seq, case.version)


def test_a_delay_body_is_checked_field_by_field(api, users, make_case):
    case = make_case()
    response = api.post(f"/cases/{case.id}/wage-delay", as_=users["mediator"],
                        json={"until": "someday", "version": case.version, "extra": 1})  # fmt: skip
    fields = error_of(response)["fields"]
    assert response.status_code == 422
    assert set(fields) == {"until", "reason", "extra"}


def test_a_stale_version_is_409(api, users, make_case):
    case = make_case()
    response = delay(api, users["mediator"], case, today() + timedelta(days=5),
                     version=case.version + 1)  # fmt: skip
    assert response.status_code == 409
    assert reload(case.id).wage_delay_until is None


def test_roles_and_scope(api, users, make_case):
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    until = today() + timedelta(days=5)
    assert delay(api, users["advocate"], case, until).status_code == 403
    assert delay(api, users["other_mediator"], case, until).status_code == 404
    assert delay(api, None, case, until).status_code == 401
    assert reload(case.id).wage_delay_until is None
