"""Two scheduler processes on one database (docs/architecture.md "Scheduler"): real processes,
started together, each running the sweep, the daily digest and the deliverer several times
against the same database (the test's SQLite file, or PostgreSQL with TEST_DATABASE_URL) and the
same SMTP server. The job leases and the digest's day marker must give one digest per officer
and day, and the outbox one delivery per notification: exactly once, counted at the server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from mediation.core.clock import utcnow
from mediation.extensions import db
from mediation.warnings.models import Notification, NotificationStatus

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 4

# one scheduler process: builds its app, says it is ready, waits for the start signal (a file,
# so that both start at the same moment), then runs every job ROUNDS times as its timer would
SCHEDULER = r"""
import sys, time
from pathlib import Path
from mediation import create_app
from mediation.warnings import jobs

url, port, go, rounds = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
app = create_app(
    "testing", SQLALCHEMY_DATABASE_URI=url,
    MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=10,
)
jobs.bind_app(app)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
for _ in range(rounds):
    jobs.sweep_job()
    jobs.digest_job()
    jobs.deliver_job()
print("done", flush=True)
"""

MESSAGE_ID = re.compile(r"<notification-(\d+)\.\d+@")


def _start(url: str, port: int, go: Path, instance: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MEDIATION_INSTANCE_PATH": str(instance)}
    return subprocess.Popen(
        [sys.executable, "-c", SCHEDULER, url, str(port), str(go), str(ROUNDS)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_scheduler_processes_send_one_digest_and_each_notification_once(
    app, make_case, make_user, smtp, tmp_path
):
    for n in range(3):
        make_user("officer", "C", f"city{n}", email=f"city{n}@union.example")
        make_user("officer", "T1", f"town{n}", email=f"town{n}@union.example")
    for workers in (60, 45, 12):
        make_case(now=utcnow() - timedelta(hours=1), workers_involved=workers)
    db.session.commit()

    go = tmp_path / "go"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    schedulers = [_start(url, smtp.port, go, tmp_path / f"instance{i}") for i in (1, 2)]
    try:
        for process in schedulers:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        go.touch()
        outcomes = [process.communicate(timeout=120) for process in schedulers]
    finally:
        for process in schedulers:
            if process.poll() is None:
                process.kill()
    for process, (out, err) in zip(schedulers, outcomes, strict=True):
        assert process.returncode == 0 and "done" in out, err

    db.session.expire_all()
    rows = list(db.session.scalars(select(Notification).where(Notification.channel == "email")))
    digests = Counter(n.recipient for n in rows if n.alert_id is None)
    # one digest a day for each officer with open alerts in scope, whoever ran the job
    assert digests and set(digests.values()) == {1}, digests
    # every notification reached the server once if it was sent, never if it waits (quiet hours)
    received = Counter(
        int(MESSAGE_ID.match(message["Message-ID"]).group(1))  # type: ignore[union-attr]
        for _rcpt, message in smtp.received
    )
    sent = {n.id for n in rows if n.status == NotificationStatus.sent}
    assert sent, "nothing was delivered"
    assert {n.id for n in rows if n.alert_id is None} <= sent  # the digests went out
    assert received == Counter(dict.fromkeys(sent, 1)), received
    deliveries = sum(len(rcpt) for rcpt, _message in smtp.received)
    print(f"two schedulers: {len(rows)} notifications, {len(sent)} sent, {deliveries} deliveries")
