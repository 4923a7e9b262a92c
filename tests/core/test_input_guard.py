"""Text no database can store (NUL, unpaired surrogates) is refused with a 422 naming the field,
on every backend, before it reaches a query."""

from __future__ import annotations

import logging

import pytest

from mediation.cases.models import Case, CaseEvent
from mediation.core.jsonio import JSONTooDeep, load_json, nesting_exceeds
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


DEEP_BODIES = ["[" * 600 + "]" * 600, '{"a":' * 5000 + "1" + "}" * 5000, "[" * 33 + "]" * 33]


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["600 arrays", "5000 objects", "33 arrays"])
@pytest.mark.parametrize("url", ["/api/v1/cases", "/api/v1/nowhere", "/login", "/cases/"])
def test_deeply_nested_json_is_a_short_400_not_a_server_error(client, caplog, body, url):
    caplog.set_level(logging.DEBUG)
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert error_of(response)["code"] == "bad_request"
    else:
        assert response.mimetype == "text/html"
    logged = sum(len(record.getMessage()) + len(record.exc_text or "") for record in caplog.records)
    assert logged < 2_000
    assert not any(record.exc_info for record in caplog.records)


def test_json_nested_within_the_limit_still_reaches_the_api(client, users, case_payload):
    payload = case_payload(extra=[[[[{"a": [1]}]]]])  # unknown field: a 422, not a 400
    response = Api(client).post("/cases", as_=users["mediator"], json=payload)
    assert response.status_code == 422


def test_nesting_is_measured_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert nesting_exceeds(deep, 32)
    assert not nesting_exceeds([[{"a": [1]}]], 4)
    with pytest.raises(JSONTooDeep):
        load_json("[" * 100_000 + "]" * 100_000)
