"""The session cookie and the CSRF token are checked and signed once per value
(mediation.core.signed_cookies): a remembered cookie must still be refused when tampered with,
too old, signed in the future or signed with a retired key, and no request may change what
another request with the same cookie sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, flash, get_flashed_messages, jsonify, session

from mediation import create_app
from mediation.core import signed_cookies
from mediation.core.db import engines
from mediation.extensions import db
from tests.accounts.test_auth import csrf_token_of, session_user_id
from tests.conftest import PASSWORD, login

COOKIE = "session"


@pytest.fixture
def cookie_app(app) -> Iterator[Flask]:
    """An app on the test database with two routes that write to and read the session."""
    second = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        PERMANENT_SESSION_LIFETIME=600,
    )

    @second.route("/_test/flash/<word>")
    def add_flash(word: str):
        flash(word)
        return "ok"

    @second.route("/_test/session")
    def read_session():
        return jsonify(
            flashes=[text for _category, text in session.get("_flashes", [])],
            user=session.get("_user_id"),
        )

    @second.route("/_test/flashes")
    def take_flashes():
        return jsonify(get_flashed_messages())

    yield second
    with second.app_context():
        db.session.remove()
        for engine in engines():
            engine.dispose()


def cookie_of(response) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            return rest.split(";", 1)[0]
    raise AssertionError("the response set no session cookie")


def with_cookie(app: Flask, value: str, path: str):
    """A request that carries exactly this session cookie (no cookie jar)."""
    client = app.test_client(use_cookies=False)
    return client.get(path, headers={"Cookie": f"{COOKIE}={value}"})


def signed_in_cookie(app: Flask, user) -> str:
    client = app.test_client(use_cookies=False)
    return cookie_of(login(client, user))


def test_a_signed_in_cookie_is_accepted_again_and_again(cookie_app, users):
    value = signed_in_cookie(cookie_app, users["mediator"])
    for _ in range(3):
        assert with_cookie(cookie_app, value, "/cases").status_code == 200


def test_a_tampered_cookie_is_refused_even_after_the_real_one_was_accepted(cookie_app, users):
    value = signed_in_cookie(cookie_app, users["mediator"])
    assert with_cookie(cookie_app, value, "/cases").status_code == 200
    payload, _, signature = value.rpartition(".")
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    for forged in (f"{payload}.{forged_signature}", value[:-1], "x" + value):
        response = with_cookie(cookie_app, forged, "/cases")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_replayed_cookie_does_not_see_what_another_request_added(cookie_app):
    # the session holds a list (the flashed messages), which Flask's flash appends to
    first = cookie_of(cookie_app.test_client(use_cookies=False).get("/_test/flash/first"))
    assert with_cookie(cookie_app, first, "/_test/session").get_json()["flashes"] == ["first"]
    second = cookie_of(with_cookie(cookie_app, first, "/_test/flash/second"))
    assert with_cookie(cookie_app, second, "/_test/session").get_json()["flashes"] == [
        "first",
        "second",
    ]
    # the first cookie still holds one message, however often it comes back
    assert with_cookie(cookie_app, first, "/_test/session").get_json()["flashes"] == ["first"]
    assert with_cookie(cookie_app, first, "/_test/flashes").get_json() == ["first"]
    assert with_cookie(cookie_app, first, "/_test/flashes").get_json() == ["first"]


def test_a_remembered_cookie_still_grows_old(cookie_app, users, monkeypatch):
    value = signed_in_cookie(cookie_app, users["mediator"])
    assert with_cookie(cookie_app, value, "/_test/session").get_json()["user"] is not None
    now = signed_cookies._now()
    lifetime = 600  # the fixture's PERMANENT_SESSION_LIFETIME
    monkeypatch.setattr(signed_cookies, "_now", lambda: now + lifetime - 5)
    assert with_cookie(cookie_app, value, "/_test/session").get_json()["user"] is not None
    monkeypatch.setattr(signed_cookies, "_now", lambda: now + lifetime + 5)
    assert with_cookie(cookie_app, value, "/_test/session").get_json()["user"] is None
    assert with_cookie(cookie_app, value, "/cases").status_code == 302
    # a signature from the future (a clock set back) is refused too, as itsdangerous does
    monkeypatch.setattr(signed_cookies, "_now", lambda: now - 60)
    assert with_cookie(cookie_app, value, "/_test/session").get_json()["user"] is None


def test_a_cookie_of_a_retired_secret_key_is_refused_unless_kept_as_a_fallback(cookie_app, users):
    value = signed_in_cookie(cookie_app, users["mediator"])
    assert with_cookie(cookie_app, value, "/cases").status_code == 200
    old_key = cookie_app.secret_key
    cookie_app.secret_key = "a-new-secret-key-for-this-test"
    assert with_cookie(cookie_app, value, "/cases").status_code == 302
    cookie_app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert with_cookie(cookie_app, value, "/cases").status_code == 200
    cookie_app.config["SECRET_KEY_FALLBACKS"] = []
    assert with_cookie(cookie_app, value, "/cases").status_code == 302


def test_the_csrf_token_is_signed_once_per_session_and_works(csrf_app, users):
    client = csrf_app.test_client()
    token = csrf_token_of(client.get("/login"))
    assert client.post(
        "/login", data={"username": "mediator", "password": PASSWORD, "csrf_token": token}
    ).status_code == 302  # fmt: skip
    first = csrf_token_of(client.get("/cases"))
    assert csrf_token_of(client.get("/cases")) == first
    assert csrf_token_of(client.get("/cases/new")) == first

    other = csrf_app.test_client()
    assert csrf_token_of(other.get("/login")) != first  # another session, another token

    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert session_user_id(client) == str(users["mediator"].id)
    assert client.post("/logout", data={"csrf_token": first}).status_code == 302
    assert session_user_id(client) is None
