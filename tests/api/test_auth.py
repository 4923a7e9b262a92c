"""API authentication: tokens (hashed, expiring, revocable), the session, CSRF (throttling: tests/accounts/test_throttling.py)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from mediation.accounts.models import ApiToken
from mediation.accounts.tokens import user_for_token
from mediation.core.clock import utcnow
from mediation.extensions import db
from tests.api.conftest import error_of
from tests.conftest import PASSWORD, login
from tests.helpers import count


def test_a_token_is_issued_for_valid_credentials_and_stored_only_hashed(api, users):
    response = api.post(
        "/auth/tokens", json={"username": "mediator", "password": PASSWORD, "name": "phone"}
    )
    assert response.status_code == 201
    body = response.get_json()
    token = body["token"]
    assert token.startswith("med_") and len(token) > 40
    assert body["expires_at"]
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.name}
    me = api.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json() == {
        "id": users["mediator"].id,
        "username": "mediator",
        "display_name": users["mediator"].display_name,
        "role": "mediator",
        "organization_id": users["mediator"].organization_id,
    }


def test_wrong_credentials_answer_401_and_issue_nothing(api, users):
    for body in (
        {"username": "mediator", "password": "wrong-password"},
        {"username": "nobody", "password": PASSWORD},
    ):
        response = api.post("/auth/tokens", json=body)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"
    assert count(ApiToken) == 0


def test_token_request_bad_input(api, users):
    assert error_of(api.post("/auth/tokens", data="{nope", content_type="application/json"))
    assert (
        api.post("/auth/tokens", data="{nope", content_type="application/json").status_code == 400
    )
    response = api.post("/auth/tokens", data="username=mediator", content_type="text/plain")
    assert response.status_code == 415
    response = api.post("/auth/tokens", json={"username": "mediator"})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"password": ["Missing data for required field."]}
    response = api.post(
        "/auth/tokens", json={"username": "mediator", "password": PASSWORD, "admin": True}
    )
    assert response.status_code == 422
    assert "admin" in error_of(response)["fields"]
    response = api.post("/auth/tokens", json=["mediator", PASSWORD])
    assert response.status_code == 400
    assert count(ApiToken) == 0


def test_requests_without_or_with_a_bad_token_answer_401(api, users):
    assert api.get("/cases").status_code == 401
    for header in ("Bearer med_not-a-token", "Basic bWVkaWF0b3I6eA==", "Bearer", "token"):
        response = api.get("/cases", headers={"Authorization": header})
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused(api, users):
    token = api.token(users["mediator"])
    row = db.session.scalar(select(ApiToken))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_revoked_token_is_refused(api, users):
    token = api.token(users["mediator"])
    headers = {"Authorization": f"Bearer {token}"}
    assert api.delete("/auth/tokens/current", headers=headers).status_code == 204
    assert api.get("/me", headers=headers).status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None


def test_a_deactivated_users_token_stops_working(api, users):
    token = api.token(users["mediator"])
    users["mediator"].active = False
    db.session.commit()
    assert user_for_token(token) is None
    assert api.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_browser_session_authenticates_the_api(client, api, users):
    login(client, users["officer"])
    response = api.get("/me")
    assert response.status_code == 200
    assert response.get_json()["username"] == "officer"
    # a bad bearer token is judged on its own, even with a session cookie present
    assert api.get("/me", headers={"Authorization": "Bearer med_wrong"}).status_code == 401


def test_cookie_writes_need_the_csrf_token_bearer_writes_do_not(csrf_app, users, case_payload):
    from tests.api.conftest import Api

    client = csrf_app.test_client()
    with csrf_app.app_context():
        page = client.get("/login")
        token = _csrf_from(page.get_data(as_text=True))
        client.post(
            "/login", data={"username": "mediator", "password": PASSWORD, "csrf_token": token}
        )
        payload = case_payload()
        refused = client.post("/api/v1/cases", json=payload)
        assert refused.status_code == 400
        assert "CSRF" in error_of(refused)["message"]
        # the token rotated at sign-in: the one from the login page no longer works
        stale = client.post("/api/v1/cases", json=payload, headers={"X-CSRFToken": token})
        assert stale.status_code == 400
        token = _csrf_from(client.get("/cases").get_data(as_text=True))
        accepted = client.post("/api/v1/cases", json=payload, headers={"X-CSRFToken": token})
        assert accepted.status_code == 201, accepted.get_json()
        # reads need no token
        assert client.get("/api/v1/cases").status_code == 200

        bearer = Api(csrf_app.test_client())
        response = bearer.post("/cases", as_=users["mediator"], json=case_payload())
        assert response.status_code == 201


def _csrf_from(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
