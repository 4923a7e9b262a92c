"""Delivering the outbox: `deliver_due` (a scheduler job) sends what is due, leasing rows first
so no transaction stays open while a mail server is slow, and retries with backoff; a mail
server that is down loses nothing. E-mail goes through Flask-Mailman, over one connection for
each batch; SMS through an optional webhook."""

from __future__ import annotations

import json
import logging
import secrets
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from smtplib import SMTPRecipientsRefused
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_mailman import DNS_NAME, EmailMessage
from flask_mailman.backends.base import BaseEmailBackend
from sqlalchemy import CursorResult, select, update

from mediation.core.clock import ensure_utc
from mediation.core.db import take_write_lock
from mediation.extensions import db, mail
from mediation.warnings.models import (
    Notification,
    NotificationStatus,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


MAX_BACKOFF = timedelta(hours=1)


def init_mail(app: Flask) -> None:
    """Flask-Mailman from the MAIL_* settings: SMTP with a MAIL_SERVER, files in instance/mail
    without one (the demo). Flask-Mailman reads the settings once: call again after changing them."""
    config = app.config
    if not config["MAIL_BACKEND"]:
        config["MAIL_BACKEND"] = "smtp" if config["MAIL_SERVER"] else "file"
    if not config["MAIL_FILE_PATH"]:
        config["MAIL_FILE_PATH"] = str(Path(app.instance_path) / "mail")
    config["MAIL_DEFAULT_SENDER"] = config["MAIL_SENDER"]
    mail.init_app(app)


class _MailConnection:
    """One mail connection for a delivery run instead of one for each message: opened on the
    first e-mail (never when the batch has none), closed at the end of the run. After a failed
    send it is dropped, whatever state the session was left in, and the next e-mail opens a
    new one."""

    def __init__(self) -> None:
        self._backend: BaseEmailBackend | None = None

    def send(self, notification: Notification) -> None:
        if self._backend is None:
            self._backend = self._open()
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            to=[notification.recipient],
            headers={"Message-ID": message_id(notification)},
        )
        try:
            self._backend.send_messages([message])
        except Exception:
            self.close()
            raise

    @staticmethod
    def _open() -> BaseEmailBackend:
        try:
            backend = mail.get_connection()  # fail_silently=False: every error reaches us
        except Exception as exc:  # a misconfiguration (TLS with SSL, a folder we cannot write)
            raise _CannotConnect(exc) from exc
        try:
            backend.open()
        except Exception as exc:
            # Flask-Mailman leaves the socket of a failed STARTTLS or login open
            _close_quietly(backend)
            raise _CannotConnect(exc) from exc
        return backend

    def close(self) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            _close_quietly(backend)


def message_id(notification: Notification) -> str:
    """The notification's Message-ID, the same at every attempt: a mail the server accepted
    just before a crash kept us from recording it is sent again, and the copy is recognisably
    the same message (mail programs and servers drop a Message-ID they already have). The domain
    is MAIL_MESSAGE_ID_DOMAIN, else BASE_URL's host, else this machine's name."""
    config = current_app.config
    domain = (
        config.get("MAIL_MESSAGE_ID_DOMAIN")
        or urlsplit(config.get("BASE_URL", "")).hostname
        or str(DNS_NAME)
    )
    created = int(ensure_utc(notification.created_at).timestamp())
    return f"<notification-{notification.id}.{created}@{domain}>"


def _close_quietly(backend: BaseEmailBackend) -> None:
    """Close a connection that may be broken: what has been sent stays sent."""
    try:
        backend.close()
    except OSError as exc:
        log.info("closing the mail connection: %s: %s", type(exc).__name__, exc)


def _send_sms(notification: Notification) -> None:
    url = current_app.config["SMS_WEBHOOK_URL"]
    payload = json.dumps(
        {
            "to": notification.recipient,
            "text": f"{notification.subject}\n{notification.body[:300]}",
        },
        ensure_ascii=False,
    ).encode()
    request = urllib.request.Request(
        url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=current_app.config["MAIL_TIMEOUT"]) as response:
        if response.status >= 300:
            raise OSError(f"SMS webhook answered {response.status}")


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(now: datetime, limit: int = 50) -> dict[str, int]:
    """Send the outbox rows that are due, the e-mails over one connection. Returns counts of
    sent / retrying / failed."""
    now = ensure_utc(now)
    stmt = (
        select(Notification.id)
        .where(
            Notification.status == NotificationStatus.pending, Notification.next_attempt_at <= now
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    take_write_lock()
    ids = list(db.session.scalars(stmt))
    if not ids:
        db.session.rollback()
        return {"sent": 0, "retrying": 0, "failed": 0}
    # lease the rows, so another deliverer leaves them alone while we talk to the server; the
    # lease's odd microseconds tell this run's lease from any other's
    lease = now + LEASE + timedelta(microseconds=secrets.randbelow(999_999) + 1)
    db.session.execute(
        update(Notification).where(Notification.id.in_(ids)).values(next_attempt_at=lease),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()

    mail_connection = _MailConnection()
    try:
        return _deliver(ids, lease, now, mail_connection)
    finally:
        mail_connection.close()


def _deliver(
    ids: list[int], lease: datetime, now: datetime, mail_connection: _MailConnection
) -> dict[str, int]:
    """Send the leased rows, committing each one's outcome as soon as it is known."""
    senders = {"email": mail_connection.send, "sms": _send_sms}
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    max_attempts = current_app.config["NOTIFY_MAX_ATTEMPTS"]
    unreachable: dict[str, str] = {}  # channel → error, once its server could not be reached
    for notification in db.session.scalars(select(Notification).where(Notification.id.in_(ids))):
        if not _still_ours(notification.id, lease):
            continue  # a slow run: another deliverer has taken the row over
        try:
            if notification.channel in unreachable:
                raise _Unreachable(unreachable[notification.channel])
            senders[notification.channel](notification)
        except OSError as exc:  # smtplib's errors are OSErrors too
            if isinstance(exc, (_Unreachable, _CannotConnect)):
                error = str(exc)
            else:
                error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, (_CannotConnect, ConnectionError, TimeoutError)):
                # the server is down: don't knock on its door for every row of the batch
                unreachable[notification.channel] = error
            notification.attempts += 1
            notification.last_error = error[:1000]
            permanent = isinstance(exc, SMTPRecipientsRefused)
            if permanent or notification.attempts >= max_attempts:
                notification.status = NotificationStatus.failed
                counts["failed"] += 1
            else:
                notification.next_attempt_at = now + backoff(notification.attempts)
                counts["retrying"] += 1
            if not isinstance(exc, _Unreachable):
                log.warning("notification %s not delivered: %s", notification.id, error)
        except Exception as exc:  # a message that can never be sent (bad header, bad URL …)
            notification.attempts += 1
            notification.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            notification.status = NotificationStatus.failed
            counts["failed"] += 1
            log.exception("notification %s cannot be sent", notification.id)
        else:
            notification.attempts += 1
            notification.status = NotificationStatus.sent
            notification.sent_at = now
            notification.last_error = None
            counts["sent"] += 1
        db.session.commit()
    return counts


def _still_ours(notification_id: int, lease: datetime) -> bool:
    """Is the row still pending under this run's lease?"""
    # an UPDATE answers a cursor result (with its row count)
    result = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.status == NotificationStatus.pending,
                Notification.next_attempt_at == lease,
            )
            .values(next_attempt_at=lease),
            execution_options={"synchronize_session": False},
        ),
    )
    db.session.commit()
    return result.rowcount == 1


class _Unreachable(OSError):
    """Stands for the connection error already met in this delivery run."""


class _CannotConnect(OSError):
    """No mail connection could be opened (server down, STARTTLS or login refused, a backend
    misconfigured): the same for every e-mail of the run, and worth a retry later."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
