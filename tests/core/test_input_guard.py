"""Text no database can store (NUL, unpaired surrogates) is refused with a 422 naming the field,
on every backend, before it reaches a query."""

from __future__ import annotations

from mediation.cases.models import Case, CaseEvent
from tests.api.conftest import Api, error_of
from tests.helpers import count


def test_json_strings_with_nul_or_lone_surrogates_are_refused(client, users, case_payload):
    api = Api(client)
    for bad in ("工资\x00条", "\ud8a7x"):
        payload = case_payload(title=bad)
        response = api.post("/cases", as_=users["mediator"], json=payload)
        assert response.status_code == 422
        assert list(error_of(response)["fields"]) == ["title"]
    nested = case_payload(enterprise_id=None, enterprise={"name": "a\x00", "credit_code": "x"})
    response = api.post("/cases", as_=users["mediator"], json=nested)
    assert "enterprise.name" in error_of(response)["fields"]
    assert count(Case) == 0 and count(CaseEvent) == 0


def test_forms_and_query_strings_with_nul_are_refused(client, users):
    response = client.post("/login", data={"username": "admin\x00", "password": "x"})
    assert response.status_code == 422
    response = client.get("/api/v1/cases?q=%00")
    assert response.status_code == 422
    assert "q" in error_of(response)["fields"]
