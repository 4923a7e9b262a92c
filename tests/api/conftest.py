"""API test helpers: a client that speaks JSON with a bearer token of any user."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mediation.accounts.models import User
from mediation.accounts.tokens import issue_token
from tests.conftest import PASSWORD


class Api:
    """`api.get("/cases", as_=user)`: JSON requests to /api/v1 with the user's bearer token."""

    def __init__(self, client) -> None:
        self.client = client
        self._tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = issue_token(user.username, PASSWORD)[0]
        return self._tokens[user.id]

    def request(self, method: str, path: str, as_: User | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.token(as_)}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, as_: User | None = None, **kw):
        return self.request("GET", path, as_, **kw)

    def post(self, path: str, as_: User | None = None, **kw):
        return self.request("POST", path, as_, **kw)

    def patch(self, path: str, as_: User | None = None, **kw):
        return self.request("PATCH", path, as_, **kw)

    def delete(self, path: str, as_: User | None = None, **kw):
        return self.request("DELETE", path, as_, **kw)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def error_of(response) -> dict:
    """The error object of an API answer, after checking it has the one error shape."""
    assert response.is_json, response.data[:200]
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert isinstance(error["fields"], dict)
    return error


@pytest.fixture
def case_json(case_payload) -> Callable[..., dict]:
    """A valid POST /cases body."""
    return case_payload
