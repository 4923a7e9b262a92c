"""`read_only` views run without a transaction around their statements; they cannot write
through `transaction()`, and the session is normal again after them."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from config.default import DefaultConfig
from mediation import create_app
from mediation.core.db import engines, read_only, transaction
from mediation.extensions import db
from tests.api.conftest import Api
from tests.conftest import login, requires_postgres


@pytest.fixture
def writing_read_only_view(app):
    @app.get("/test-read-only-write")
    @read_only
    def _write():
        with transaction():
            pass
        return "wrote"

    return "/test-read-only-write"


def test_a_read_only_view_cannot_write_through_a_transaction(app, writing_read_only_view):
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="read-only"):
        app.test_client().get(writing_read_only_view)


def test_the_case_list_reads_without_begin_and_the_next_write_is_transactional(
    app, client, users, make_case
):
    first = make_case()
    login(client, users["mediator"])
    api = Api(client)
    api.token(users["mediator"])
    api.get("/cases", as_=users["mediator"])  # the first use of a token writes last_used_at
    bearer = {"Authorization": f"Bearer {api.token(users['mediator'])}"}
    db.session.commit()  # and nothing below touches an expired object before the requests
    levels: list[bool] = []  # whether each statement's connection was in autocommit

    def record(conn, *rest):
        driver = conn.connection.driver_connection
        levels.append(
            driver.isolation_level is None if conn.dialect.name == "sqlite" else driver.autocommit
        )

    listened = engines()  # (on PostgreSQL, read-only requests have their own)
    for engine in listened:
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/api/v1/cases", headers=bearer).get_json()["total"] == 1
        db.session.commit()
        assert client.get("/cases").status_code == 200
        api_and_page = list(levels)
        levels.clear()
        second = make_case(title="after the list")  # a service's write, after the lists
    finally:
        for engine in listened:
            event.remove(engine, "before_cursor_execute", record)
    assert api_and_page and all(api_and_page)
    assert levels and not any(levels)  # the session is transactional again
    assert api.get("/cases", as_=users["mediator"]).get_json()["total"] == 2
    assert {first.id, second.id} == {
        item["id"] for item in api.get("/cases", as_=users["mediator"]).get_json()["items"]
    }


@requires_postgres
def test_read_only_requests_keep_the_prepared_statements_of_their_connection(
    app, client, users, make_case
):
    """psycopg deallocates every prepared statement of a connection on ROLLBACK, and the pool
    rolls back a connection returned inside a transaction: the case list would then be planned
    anew on every request. A read-only request hands its connection back idle, so the list's
    statement stays prepared with its generic plan (docs/performance.md, "Read-only requests
    keep their plans"). Here each request has an application context of its own, as in
    production (the `app` fixture holds one across requests)."""
    make_case()
    bearer = {"Authorization": f"Bearer {Api(client).token(users['mediator'])}"}
    db.session.commit()
    served = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    lists = served.test_client()
    for _ in range(8):
        assert lists.get("/api/v1/cases", headers=bearer).status_code == 200
    with served.app_context():
        with engines()[-1].connect() as conn:  # the read-only requests' engine
            prepared = conn.execute(
                text("SELECT generic_plans, statement FROM pg_prepared_statements")
            ).all()
        for engine in engines():
            engine.dispose()
    assert any(generic > 0 and "page_keys" in sql for generic, sql in prepared), prepared


# --- pooled connections: tested at every checkout, or (pool_pre_ping off) after sitting idle ----------------------


def _kill_pooled_connection(app, url: str) -> None:
    """Take a connection, give it back to the pool, and end its server process behind its back."""
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.rollback()
        db.session.close()
    killer = create_engine(url, poolclass=NullPool)  # another engine: not from that pool
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    killer.dispose()


@requires_postgres
@pytest.mark.parametrize("idle_seconds, survives", [(0.0, True), (3600.0, False)])
def test_an_idle_connection_that_died_is_replaced_before_use(_postgres_url, idle_seconds, survives):
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=_postgres_url, SQLALCHEMY_ENGINE_OPTIONS={},
        DATABASE_PING_AFTER_IDLE_SECONDS=idle_seconds,
    )  # fmt: skip
    _kill_pooled_connection(app, _postgres_url)
    time.sleep(0.05)
    with app.app_context():
        if survives:  # pinged, found dead, replaced: the request never sees it
            assert db.session.execute(text("SELECT 1")).scalar_one() == 1
        else:  # the control: without the ping the dead connection reaches the statement
            with pytest.raises(OperationalError):
                db.session.execute(text("SELECT 1"))
        db.session.rollback()
        for engine in engines():
            engine.dispose()


def test_pooled_connections_are_tested_at_every_checkout_by_default():
    assert DefaultConfig.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True


@requires_postgres
@pytest.mark.parametrize("pre_ping", [True, False])
def test_a_request_after_the_database_cut_the_connections_answers(
    _postgres_url, app, users, pre_ping
):
    """The database ends the app's connections (a restart, a failover, an idle timeout) while
    they wait in the pool: with pool_pre_ping the next request gets new ones and answers 200;
    the control, without it (and a connection not idle long enough for the idle ping), fails.
    Only this app's connections are ended: they carry an application_name of their own."""
    name = f"cut-{uuid.uuid4().hex[:10]}"
    url = make_url(_postgres_url).update_query_dict({"application_name": name})
    settings = {} if pre_ping else {"SQLALCHEMY_ENGINE_OPTIONS": {}}
    cut = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False), **settings
    )
    headers = {"Authorization": f"Bearer {Api(app.test_client()).token(users['mediator'])}"}
    client = cut.test_client()
    try:
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # pools them
        admin = create_engine(_postgres_url, poolclass=NullPool)
        with admin.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar_one()
            conn.commit()
        admin.dispose()
        assert ended >= 1
        time.sleep(0.05)
        try:
            status = client.get("/api/v1/me", headers=headers).status_code
        except OperationalError:  # (where TESTING propagates what would be a 500)
            status = 500
        assert status == (200 if pre_ping else 500)
    finally:
        with cut.app_context():
            for engine in engines():
                engine.dispose()


@requires_postgres
def test_the_read_only_engine_takes_the_pool_options_and_stays_in_autocommit(_postgres_url):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=_postgres_url,
        SQLALCHEMY_ENGINE_OPTIONS={"isolation_level": "READ COMMITTED", "pool_size": 2},
    )
    with app.app_context():
        default, read_only_engine = engines()
        assert read_only_engine.pool.size() == 2 and default.pool.size() == 2
        with read_only_engine.connect() as conn:
            assert conn.connection.driver_connection.autocommit
        with default.connect() as conn:
            assert not conn.connection.driver_connection.autocommit
        for engine in engines():
            engine.dispose()
