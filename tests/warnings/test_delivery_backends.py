"""Where mail goes without a mail server, and how delivery treats a server that is down."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import delete, select

from mediation.extensions import db
from mediation.warnings import delivery
from mediation.warnings.delivery import deliver_due, init_mail
from mediation.warnings.models import Notification, NotificationStatus
from tests.helpers import local
from tests.warnings.conftest import use_mail_server

DAYTIME = local(2026, 3, 2, 10, 0)  # outside quiet hours


def _collective_case_with_officers(make_user, make_case, officers: int = 1):
    for n in range(officers):
        make_user("officer", "T1", email=f"officer{n}@t1.example")
    return make_case(workers_involved=12, now=DAYTIME, received_at=DAYTIME.isoformat())


def test_without_a_mail_server_mail_is_written_to_the_instance_folder(
    app, tmp_path, make_user, make_case
):
    """The demo's settings: Flask-Mailman's file backend, one file for the run's messages."""
    app.config.update(MAIL_SERVER="", MAIL_BACKEND="", MAIL_FILE_PATH="")
    app.instance_path = str(tmp_path)
    init_mail(app)
    assert app.config["MAIL_BACKEND"] == "file"
    case = _collective_case_with_officers(make_user, make_case, officers=2)

    rows = list(db.session.scalars(select(Notification)))
    assert len(rows) >= 2  # two officers, at least one alert each

    assert deliver_due(DAYTIME) == {"sent": len(rows), "retrying": 0, "failed": 0}

    [file] = (tmp_path / "mail").iterdir()
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = [
        message_from_bytes(raw, policy=policy.default)
        for raw in file.read_bytes().split(separator)
        if raw
    ]
    assert sorted(m["To"] for m in messages) == sorted(row.recipient for row in rows)
    for message in messages:
        assert case.number in message["Subject"]
        assert case.number in message.get_content()
    db.session.expire_all()
    assert {row.status for row in rows} == {NotificationStatus.sent}


class _SlammingServer:
    """Accepts connections and closes them at once, counting them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def test_a_server_that_is_down_is_tried_once_per_run_and_every_row_waits(app, make_user, make_case):
    server = _SlammingServer()
    try:
        use_mail_server(app, server.port, timeout=2)
        _collective_case_with_officers(make_user, make_case, officers=3)
        counts = deliver_due(DAYTIME)
    finally:
        server.stop()
    rows = list(db.session.scalars(select(Notification)))
    assert len(rows) >= 3  # three officers, at least one alert each
    assert counts == {"sent": 0, "retrying": len(rows), "failed": 0}
    assert server.accepted == 1, "one refused connection is enough to know the server is down"
    for row in rows:
        assert row.status == NotificationStatus.pending
        assert row.attempts == 1 and row.last_error
        assert row.next_attempt_at > DAYTIME + timedelta(seconds=30)


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
    app, make_user, make_case, smtp, monkeypatch
):
    """The server accepted the mail, then the process died before it recorded that: the retry
    sends it again, and the copy carries the first one's Message-ID, so mail programs and
    servers recognise it as the same message."""
    make_user("officer", "T1", email="officer@t1.example")
    make_case(workers_involved=12, now=DAYTIME, received_at=DAYTIME.isoformat())
    row = db.session.scalars(select(Notification).order_by(Notification.id)).first()
    db.session.execute(delete(Notification).where(Notification.id != row.id))  # one message
    db.session.commit()

    accepted = []
    send = delivery._MailConnection.send

    def send_then_crash(self, notification):
        send(self, notification)
        accepted.append(notification.id)

    commit = db.session.commit

    def commit_or_crash():
        if accepted:
            accepted.clear()
            raise RuntimeError("the process died before it recorded the delivery")
        commit()

    with monkeypatch.context() as patch:
        patch.setattr(delivery._MailConnection, "send", send_then_crash)
        patch.setattr(db.session, "commit", commit_or_crash)
        with pytest.raises(RuntimeError, match="died"):
            deliver_due(DAYTIME)
    db.session.rollback()
    db.session.expire_all()
    assert row.status == NotificationStatus.pending  # nothing recorded

    # the next run after the lease expired
    assert deliver_due(DAYTIME + delivery.LEASE + timedelta(minutes=1))["sent"] == 1
    first, second = smtp.to("officer@t1.example")
    assert first["Message-ID"] == second["Message-ID"]
    created = int(row.created_at.timestamp())
    assert first["Message-ID"] == f"<notification-{row.id}.{created}@127.0.0.1>"  # BASE_URL's host


def test_the_message_id_domain_can_be_set(app, make_user, make_case, mailbox):
    app.config["MAIL_MESSAGE_ID_DOMAIN"] = "mediation.example.cn"
    _collective_case_with_officers(make_user, make_case)
    deliver_due(DAYTIME)
    ids = {m["Message-ID"] for _rcpt, m in mailbox.received}
    assert ids and all(i.endswith("@mediation.example.cn>") for i in ids)
    assert len(ids) == len(mailbox.received)  # one per notification
