"""The read replica (DATABASE_REPLICA_URL, core.db.init_replica): GET requests read from it,
writes and the reads inside a transaction go to the primary. Two SQLite files stand for the
primary and its replica; the replica is a copy of the primary, then changed behind its back,
so that what a request shows proves which database it read."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from mediation import create_app
from mediation.core.db import engines
from mediation.extensions import REPLICA_ENGINE, db
from tests.api.conftest import Api
from tests.conftest import ON_POSTGRES, login

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="two SQLite files stand for the two servers")

ON_REPLICA = "只在副本上的案由"


def _copy_database(source: str, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), as replication would make."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


@pytest.fixture
def replica_app(app, tmp_path, users, make_case) -> Iterator[tuple[Flask, int, Path, Api]]:
    """A second app on the same primary with a replica; one case whose title differs there."""
    case = make_case(title="主库上的案由")
    api = Api(app.test_client())
    api.token(users["mediator"])  # issued before the copy, so the replica knows it too
    db.session.commit()
    primary = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    replica = tmp_path / "replica.db"
    _copy_database(primary, replica)
    with create_engine(f"sqlite:///{replica}").begin() as conn:
        conn.execute(
            text("UPDATE cases SET title = :t WHERE id = :id"), {"t": ON_REPLICA, "id": case.id}
        )
    routed = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        DATABASE_REPLICA_URL=f"sqlite:///{replica}",
        ATTACHMENT_FOLDER=app.config["ATTACHMENT_FOLDER"],
    )
    routed_api = Api(routed.test_client())
    routed_api._tokens = api._tokens
    yield routed, case.id, replica, routed_api
    with routed.app_context():
        db.session.remove()
        for engine in engines():
            engine.dispose()


def _title_on(path: str | Path, case_id: int) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT title FROM cases WHERE id = ?", (case_id,)).fetchone()[0]


def test_without_a_replica_url_there_is_no_replica_engine(app):
    assert REPLICA_ENGINE not in app.extensions
    assert len(engines()) == 1


def test_an_api_get_reads_from_the_replica(replica_app, users):
    routed, case_id, _replica, api = replica_app
    with routed.app_context():
        response = api.get(f"/cases/{case_id}", as_=users["mediator"])
        assert response.status_code == 200
        assert response.get_json()["title"] == ON_REPLICA


def test_a_page_get_reads_from_the_replica(replica_app, users):
    routed, case_id, _replica, _api = replica_app
    with routed.app_context():
        client = routed.test_client()
        login(client, users["mediator"])
        page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200
        assert ON_REPLICA in page.get_data(as_text=True)
        assert ON_REPLICA in client.get("/cases").get_data(as_text=True)


def test_a_post_reads_and_writes_the_primary_only(app, replica_app, users):
    routed, case_id, replica, api = replica_app
    primary = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
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
    assert _title_on(primary, case_id) == "改过的案由"
    assert _title_on(replica, case_id) == ON_REPLICA  # nothing written to the replica
    with sqlite3.connect(replica) as conn:
        assert conn.execute("SELECT count(*) FROM case_events WHERE kind = 'note'").fetchone() == (
            0,
        )
