"""The read replica (DATABASE_REPLICA_URL, core.db.init_replica): GET requests read from it,
writes and the reads inside a transaction go to the primary. The replica is a copy of the
primary (a second SQLite file, or on PostgreSQL a second schema reached by its own URL), then
changed behind its back, so that what a request shows proves which database it read."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from mediation import create_app
from mediation.core.db import engines
from mediation.extensions import REPLICA_ENGINE, db
from tests.api.conftest import Api
from tests.conftest import ON_POSTGRES, login

ON_REPLICA = "只在副本上的案由"


@dataclass
class Replica:
    """Where the primary and the replica are, and how to read a row from each directly."""

    primary_url: str
    url: str
    primary_schema: str | None = None
    schema: str | None = None

    def scalar(self, which: str, sql: str, **params: object) -> object:
        url = self.url if which == "replica" else self.primary_url
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        finally:
            engine.dispose()


def _copy_sqlite(primary_url: str, tmp_path) -> Replica:
    """A consistent copy of a SQLite database (its WAL included), as replication would make."""
    source = primary_url.removeprefix("sqlite:///")
    target = tmp_path / "replica.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return Replica(primary_url, f"sqlite:///{target}")


def _copy_postgres_schema(primary_url: str) -> Replica:
    """The primary's tables and rows copied into a schema of their own, reached by a URL whose
    search path names it (as a replica is reached by a host of its own)."""
    schema = db.session.scalar(text("SELECT current_schema()"))
    copy = f"{schema}_replica"
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {copy}"))
        for table in db.metadata.sorted_tables:
            conn.execute(text(f'CREATE TABLE {copy}."{table.name}" (LIKE {schema}."{table.name}")'))
            conn.execute(
                text(f'INSERT INTO {copy}."{table.name}" SELECT * FROM {schema}."{table.name}"')
            )
    return Replica(
        primary_url, primary_url.replace(f"%3D{schema}%2C", f"%3D{copy}%2C"), schema, copy
    )


@pytest.fixture
def replica_app(app, tmp_path, users, make_case) -> Iterator[tuple[Flask, int, Replica, Api]]:
    """A second app on the same primary with a replica; one case whose title differs there."""
    case = make_case(title="主库上的案由")
    api = Api(app.test_client())
    api.token(users["mediator"])  # issued before the copy, so the replica knows it too
    db.session.commit()
    primary_url = app.config["SQLALCHEMY_DATABASE_URI"]
    replica = (
        _copy_postgres_schema(primary_url) if ON_POSTGRES else _copy_sqlite(primary_url, tmp_path)
    )
    assert replica.url != primary_url
    engine = create_engine(replica.url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE cases SET title = :t WHERE id = :id"), {"t": ON_REPLICA, "id": case.id}
        )
    engine.dispose()
    routed = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=primary_url,
        DATABASE_REPLICA_URL=replica.url,
        ATTACHMENT_FOLDER=app.config["ATTACHMENT_FOLDER"],
    )
    routed_api = Api(routed.test_client())
    routed_api._tokens = api._tokens
    try:
        yield routed, case.id, replica, routed_api
    finally:
        with routed.app_context():
            db.session.remove()
            for routed_engine in engines():
                routed_engine.dispose()
        if replica.schema:
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {replica.schema} CASCADE"))


def test_without_a_replica_url_there_is_no_replica_engine(app, client):
    assert app.config["DATABASE_REPLICA_URL"] == ""
    assert REPLICA_ENGINE not in app.extensions
    client.get("/login")
    assert "replica" not in db.session.info


def test_an_api_get_reads_from_the_replica(replica_app, users):
    routed, case_id, _replica, api = replica_app
    with routed.app_context():
        response = api.get(f"/cases/{case_id}", as_=users["mediator"])
        assert response.status_code == 200
        assert response.get_json()["title"] == ON_REPLICA
        listed = api.get("/cases", as_=users["mediator"]).get_json()["items"]
        assert [c["title"] for c in listed] == [ON_REPLICA]


def test_a_page_get_reads_from_the_replica(replica_app, users):
    routed, case_id, _replica, _api = replica_app
    with routed.app_context():
        client = routed.test_client()
        login(client, users["mediator"])
        page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200
        assert ON_REPLICA in page.get_data(as_text=True)
        assert ON_REPLICA in client.get("/cases").get_data(as_text=True)


def test_a_post_reads_and_writes_the_primary_only(replica_app, users):
    routed, case_id, replica, api = replica_app
    with routed.app_context():
        current = api.get(f"/cases/{case_id}", as_=users["mediator"]).get_json()
        response = api.patch(
            f"/cases/{case_id}",
            as_=users["mediator"],
            json={"title": "改过的案由", "version": current["version"]},
        )
        assert response.status_code == 200, response.get_json()
        # the PATCH answered from the primary, where it wrote
        assert response.get_json()["title"] == "改过的案由"
        note = api.post(f"/cases/{case_id}/notes", as_=users["mediator"], json={"body": "回访"})
        assert note.status_code == 201
    title = "SELECT title FROM cases WHERE id = :id"
    notes = "SELECT count(*) FROM case_events WHERE kind = 'note'"
    assert replica.scalar("primary", title, id=case_id) == "改过的案由"
    assert replica.scalar("primary", notes) == 1
    assert replica.scalar("replica", title, id=case_id) == ON_REPLICA  # nothing written there
    assert replica.scalar("replica", notes) == 0
