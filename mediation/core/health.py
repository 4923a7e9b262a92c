"""`GET /healthz`: whether this web process reaches the database and some scheduler is alive,
for load balancers and monitoring (docs/deployment.md "Health").

No login, and nothing personal in the answer: the database's state and the time of the
scheduler's last heartbeat. 200 when the database answers and the heartbeat is fresh (not
older than HEALTH_HEARTBEAT_MAX_AGE_SECONDS), else 503. A scheduler, separate or embedded in a
web process, beats every SCHEDULER_HEARTBEAT_SECONDS (`beat(HEARTBEAT)`, core.leases).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from mediation.core.clock import utcnow
from mediation.core.leases import last_beat
from mediation.extensions import db

log = logging.getLogger(__name__)
HEARTBEAT = "scheduler.heartbeat"

bp = Blueprint("health", __name__)


@bp.route("/healthz", methods=["GET"])
def healthz() -> ResponseReturnValue:
    """The database's and the scheduler's state, as JSON; 200 when both are well."""
    database_ok = True
    heartbeat_at = None
    try:
        db.session.execute(text("SELECT 1"))
        heartbeat_at = last_beat(HEARTBEAT)
    except Exception as exc:  # any failure to reach the database is the answer, not a 500
        database_ok = False
        log.warning("healthz: the database is unreachable: %s", type(exc).__name__)
    finally:
        with contextlib.suppress(Exception):  # (the connection may be gone already)
            db.session.rollback()
    max_age = timedelta(seconds=current_app.config["HEALTH_HEARTBEAT_MAX_AGE_SECONDS"])
    fresh = heartbeat_at is not None and utcnow() - heartbeat_at <= max_age
    healthy = database_ok and fresh
    response = jsonify(
        {
            "status": "ok" if healthy else "unavailable",
            "database": "ok" if database_ok else "unreachable",
            "scheduler": {
                "heartbeat_at": heartbeat_at.isoformat() if heartbeat_at else None,
                "fresh": fresh,
            },
        }
    )
    response.status_code = 200 if healthy else 503
    return response
