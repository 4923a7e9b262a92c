"""Wage arrears through the API: the first unpaid pay day as a fact, and a delay of wages agreed
with the union (`POST /cases/{id}/wage-delay`)."""

from __future__ import annotations

from datetime import date, timedelta

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
