"""Browser sessions end on the server: a cookie saved before sign-out, a password reset, a
deactivation or a change of role is worth nothing afterwards (docs/security.md "Sessions"),
and X-Forwarded-For is believed only behind the configured proxies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from mediation import create_app
from mediation.accounts import services as accounts
from mediation.accounts.models import Role, User
from mediation.core.db import engines
from mediation.extensions import db
from tests.conftest import PASSWORD, login

SIGNED_IN_PAGE = "/cases"


def signed_in(client) -> bool:
    return client.get(SIGNED_IN_PAGE).status_code == 200


def saved_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(client, value: str) -> None:
    client.set_cookie("session", value)


def test_a_session_cookie_saved_before_logout_is_refused_afterwards(client, users):
    login(client, users["mediator"])
    assert signed_in(client)
    saved = saved_cookie(client)
    assert client.post("/logout").status_code == 302
    replay(client, saved)
    assert not signed_in(client)
    for address in ("10.0.0.1", "127.0.0.1"):  # whatever the client claims to be
        assert client.get(SIGNED_IN_PAGE, headers={"X-Forwarded-For": address}).status_code != 200


def test_logout_ends_the_users_other_browser_sessions(app, users):
    phone, desk = app.test_client(), app.test_client()
    login(phone, users["mediator"])
    login(desk, users["mediator"])
    phone.post("/logout")
    assert not signed_in(desk)
    login(desk, users["mediator"])  # signing in again works
    assert signed_in(desk)


def test_a_password_reset_ends_the_users_browser_sessions(client, users):
    login(client, users["mediator"])
    accounts.reset_password(users["admin"], users["mediator"].id, "a-new-password-1")
    assert not signed_in(client)


def test_deactivating_then_reactivating_does_not_revive_a_session(client, users):
    login(client, users["mediator"])
    saved = saved_cookie(client)
    accounts.set_active(users["admin"], users["mediator"].id, False)
    accounts.set_active(users["admin"], users["mediator"].id, True)
    replay(client, saved)
    assert not signed_in(client)


@pytest.mark.parametrize(
    "change",
    [
        lambda user, orgs: setattr(user, "role", Role.advocate),
        lambda user, orgs: setattr(user, "organization_id", orgs["T2"].id),
    ],
    ids=["role", "organization"],
)
def test_a_change_of_role_or_organization_ends_the_users_sessions(
    client, users, orgs, change: Callable
):
    login(client, users["mediator"])
    user = db.session.get(User, users["mediator"].id)
    change(user, orgs)
    db.session.commit()
    assert not signed_in(client)


def test_a_change_of_language_keeps_the_session(client, users):
    login(client, users["mediator"])
    client.post("/language", data={"lang": "en"})
    assert signed_in(client)


def test_a_session_from_before_generations_existed_is_refused(client, users):
    login(client, users["mediator"])
    with client.session_transaction() as session:
        del session["_session_generation"]
    assert not signed_in(client)


def _app_behind(app: Flask, proxies: int) -> Flask:
    return create_app(
        "testing",
        PROXY_COUNT=proxies,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )


@pytest.mark.parametrize("proxies, survives", [(0, True), (1, False)])
def test_x_forwarded_for_counts_only_behind_a_configured_proxy(app, users, proxies, survives):
    """Strong session protection binds a session to its client's address: without a proxy the
    header is the client's own claim and changes nothing; behind one it is the address."""
    other = _app_behind(app, proxies)
    try:
        client = other.test_client()  # (each request in an app context of its own)
        response = client.post(
            "/login",
            data={"username": "mediator", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        assert response.status_code == 302
        same = client.get(SIGNED_IN_PAGE, headers={"X-Forwarded-For": "203.0.113.7"})
        assert same.status_code == 200
        moved = client.get(SIGNED_IN_PAGE, headers={"X-Forwarded-For": "198.51.100.9"})
        assert (moved.status_code == 200) is survives
    finally:
        with other.app_context():
            db.session.remove()
            for engine in engines():
                engine.dispose()


def _raw_csrf(client) -> str | None:
    with client.session_transaction() as saved:
        return saved.get("csrf_token")


def _form_token(client, path: str) -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_csrf_token_rotates_at_sign_in_and_sign_out(csrf_app, users):
    client = csrf_app.test_client()
    with csrf_app.app_context():
        before = _form_token(client, "/login")
        raw_before = _raw_csrf(client)
        signed = client.post(
            "/login", data={"username": "mediator", "password": PASSWORD, "csrf_token": before}
        )
        assert signed.status_code == 302
        assert _raw_csrf(client) != raw_before
        after = _form_token(client, "/cases")
        assert after != before
        raw_signed_in = _raw_csrf(client)
        # a form posted with the token from before the sign-in is refused; the new one works
        assert client.post("/logout", data={"csrf_token": before}).status_code == 400
        assert client.post("/logout", data={"csrf_token": after}).status_code == 302
        assert _raw_csrf(client) != raw_signed_in
        # signed out: the signed-in token is worth nothing at the login form
        refused = client.post(
            "/login", data={"username": "mediator", "password": PASSWORD, "csrf_token": after}
        )
        assert refused.status_code == 400
        db.session.remove()
