"""Sign-in throttling (docs/security.md "Sign-in throttling"): failures counted in storage
shared by every worker, per account and per address together, web and API as one counter, and
a correct password from an address that did not flood is never locked out."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask

from mediation import create_app
from mediation.core import throttle
from mediation.core.clock import utcnow
from mediation.core.db import engines
from mediation.extensions import db
from tests.conftest import PASSWORD

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "LOGIN_FAILURES_PER_PAIR": 3,
    "LOGIN_FAILURES_PER_ADDRESS": 6,
    "LOGIN_FAILURES_PER_ACCOUNT": 4,
    "LOGIN_THROTTLE_WINDOW_SECONDS": 600,
}


@pytest.fixture
def worker(app) -> Iterator[Callable[..., Flask]]:
    """`worker()`: another app on the test database with throttling on, as a second gunicorn
    worker (or host) would be."""
    made: list[Flask] = []

    def factory(**settings) -> Flask:
        other = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            **{**LIMITS, **settings},
        )
        made.append(other)
        return other

    yield factory
    for other in made:
        with other.app_context():
            db.session.remove()
            for engine in engines():
                engine.dispose()


def web(app: Flask, username: str, password: str, address: str) -> int:
    client = app.test_client()
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def api(app: Flask, username: str, password: str, address: str):
    return app.test_client().post(
        "/api/v1/auth/tokens",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_two_workers_share_one_count(users, worker):
    first, second = worker(), worker()
    statuses = [web(app, "mediator", "bad", "10.0.0.1") for app in (first, second, first, second)]
    assert statuses == [401, 401, 401, 429]
    # locked for this address even with the right password, in either worker
    assert web(first, "mediator", PASSWORD, "10.0.0.1") == 429
    assert web(second, "mediator", PASSWORD, "10.0.0.1") == 429


def test_web_and_api_failures_count_together(users, worker):
    app = worker()
    assert web(app, "mediator", "bad", "10.0.0.2") == 401
    assert api(app, "mediator", "bad", "10.0.0.2").status_code == 401
    assert web(app, "mediator", "bad", "10.0.0.2") == 401
    refused = api(app, "mediator", PASSWORD, "10.0.0.2")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    page = app.test_client().post(
        "/login",
        data={"username": "mediator", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert page.status_code == 429 and page.headers["Retry-After"]
    assert 'name="username"' in page.get_data(as_text=True)  # the form, with a message


def test_the_account_limit_counts_failures_from_every_address(users, worker):
    app = worker()
    for n in range(4):  # one guess each from four addresses: under the pair limit everywhere
        assert web(app, "mediator", "bad", f"10.1.0.{n}") == 401
    # past the account's limit, an address that guessed wrong is locked for the account …
    assert web(app, "mediator", PASSWORD, "10.1.0.0") == 429
    assert api(app, "mediator", PASSWORD, "10.1.0.3").status_code == 429
    # … but not for others
    assert web(app, "advocate", PASSWORD, "10.1.0.0") == 302
    # a new address gets its one try, and then it is locked too
    assert web(app, "mediator", "bad", "10.1.0.9") == 401
    assert web(app, "mediator", "bad", "10.1.0.9") == 429


def test_a_flooding_address_does_not_lock_out_the_owner(users, worker):
    app = worker()
    flood = [web(app, "mediator", "bad", "203.0.113.7") for _ in range(10)]
    assert flood[:3] == [401, 401, 401] and set(flood[3:]) == {429}
    # the owner, from their own address, signs in with the right password (web and API)
    assert web(app, "mediator", PASSWORD, "10.2.0.1") == 302
    assert api(app, "mediator", PASSWORD, "10.2.0.2").status_code == 201


def test_the_address_limit_stops_spraying_across_accounts(users, worker):
    app = worker()
    names = ["mediator", "advocate", "officer", "admin", "g1_mediator", "other_mediator"]
    assert [web(app, name, "bad", "198.51.100.5") for name in names] == [401] * 6
    # the address is now locked for every account, even with a right password
    assert web(app, "other_advocate", PASSWORD, "198.51.100.5") == 429
    assert web(app, "other_advocate", PASSWORD, "10.3.0.1") == 302


def test_a_right_password_clears_its_own_pair_only(users, worker):
    app = worker()
    assert web(app, "mediator", "bad", "10.4.0.1") == 401
    assert web(app, "mediator", "bad", "10.4.0.1") == 401
    assert web(app, "mediator", PASSWORD, "10.4.0.1") == 302
    # the pair starts again from zero: three more failures before the lock
    assert [web(app, "mediator", "bad", "10.4.0.1") for _ in range(3)] == [401, 401, 429]


def test_the_lock_ends_with_its_window(users, worker, monkeypatch):
    app = worker()
    for _ in range(3):
        web(app, "mediator", "bad", "10.5.0.1")
    assert web(app, "mediator", PASSWORD, "10.5.0.1") == 429
    later = utcnow() + timedelta(seconds=601)
    monkeypatch.setattr(throttle, "utcnow", lambda: later)
    assert web(app, "mediator", PASSWORD, "10.5.0.1") == 302


REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_or_skip():
    try:
        import redis
    except ImportError:  # pragma: no cover
        pytest.skip("the redis client is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    return client


def test_redis_shares_the_count_between_workers(users, worker, monkeypatch):
    client = _redis_or_skip()
    # keys of this test only: another run (or helper) may use the same Redis
    monkeypatch.setattr(throttle, "REDIS_PREFIX", f"test:{uuid.uuid4().hex}:")
    try:
        first = worker(RATELIMIT_STORAGE_URI=REDIS_URL)
        second = worker(RATELIMIT_STORAGE_URI=REDIS_URL)
        statuses = [
            web(first, "mediator", "bad", "10.6.0.1"),
            api(second, "mediator", "bad", "10.6.0.1").status_code,
            web(second, "mediator", "bad", "10.6.0.1"),
            api(first, "mediator", PASSWORD, "10.6.0.1").status_code,
        ]
        assert statuses == [401, 401, 401, 429]
        assert web(second, "mediator", PASSWORD, "10.6.0.2") == 302
        with first.app_context():
            assert isinstance(throttle.counter_store(), throttle.RedisStore)
            assert db.session.query(throttle.ThrottleCounter).count() == 0  # nothing in the DB
    finally:
        for key in client.scan_iter(f"{throttle.REDIS_PREFIX}*"):
            client.delete(key)


def test_an_unreachable_redis_falls_back_to_the_database(users, worker):
    app = worker(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # nothing listens on port 1
    statuses = [web(app, "mediator", "bad", "10.7.0.1") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert web(app, "mediator", PASSWORD, "10.7.0.2") == 302
    assert db.session.query(throttle.ThrottleCounter).count() > 0
