"""`GET /healthz` (core/health.py): 200 only while the database answers and a scheduler's
heartbeat is fresh; no login, nothing personal."""

from __future__ import annotations

from datetime import timedelta

from mediation import create_app
from mediation.core.clock import utcnow
from mediation.core.db import engines
from mediation.core.health import HEARTBEAT
from mediation.core.leases import beat, last_beat
from mediation.extensions import db
from mediation.warnings import jobs
from tests.conftest import login


def test_without_a_heartbeat_the_database_is_ok_and_the_answer_is_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "database": "ok",
        "scheduler": {"heartbeat_at": None, "fresh": False},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_the_scheduler_heartbeat_job_makes_it_healthy_without_a_login(app, client, monkeypatch):
    monkeypatch.setattr(jobs, "_app", None)
    jobs.bind_app(app)
    jobs.heartbeat_job()
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["scheduler"]["fresh"] is True
    assert body["scheduler"]["heartbeat_at"] == last_beat(HEARTBEAT).isoformat()
    assert set(body) == {"status", "database", "scheduler"}  # nothing else, nothing personal


def test_a_heartbeat_older_than_the_maximum_age_is_stale(app, client):
    max_age = app.config["HEALTH_HEARTBEAT_MAX_AGE_SECONDS"]
    beat(HEARTBEAT, utcnow() - timedelta(seconds=max_age - 5))
    assert client.get("/healthz").status_code == 200
    beat(HEARTBEAT, utcnow() - timedelta(seconds=max_age + 5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["scheduler"]["fresh"] is False


def test_a_beat_moves_the_one_heartbeat_row(app):
    first = utcnow() - timedelta(minutes=5)
    beat(HEARTBEAT, first)
    beat(HEARTBEAT, first + timedelta(minutes=1))
    assert last_beat(HEARTBEAT) == first + timedelta(minutes=1)


def test_an_unreachable_database_is_503_not_500(tmp_path):
    broken = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    )
    try:
        response = broken.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {
            "status": "unavailable",
            "database": "unreachable",
            "scheduler": {"heartbeat_at": None, "fresh": False},
        }
    finally:
        with broken.app_context():
            db.session.remove()
            for engine in engines():
                engine.dispose()


def test_a_logged_in_user_gets_the_same_answer(app, client, users):
    beat(HEARTBEAT)
    login(client, users["mediator"])
    assert client.get("/healthz").get_json()["status"] == "ok"
