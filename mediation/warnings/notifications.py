"""Notifications through an outbox.

`queue_alert_notifications` writes one outbox row per recipient and channel inside the
transaction that raised the alerts; `deliver_due` (a scheduler job) sends what is due, leasing
rows first so no transaction stays open while a mail server is slow, and retries with backoff.
A rolled-back alert therefore sends nothing, and a mail server that is down loses nothing.
E-mail goes through Flask-Mailman, over one connection for each batch.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.request
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from pathlib import Path
from smtplib import SMTPRecipientsRefused
from typing import Any, cast

from flask import Flask, current_app
from flask_mailman import DNS_NAME, EmailMessage, make_msgid
from flask_mailman.backends.base import BaseEmailBackend
from sqlalchemy import CursorResult, bindparam, select, update

from mediation.accounts.models import Role, User
from mediation.cases.enums import State, WarningLevel
from mediation.core.clock import ensure_utc, local_zone, to_local
from mediation.core.db import bulk_insert, take_write_lock
from mediation.core.i18n import DEFAULT_LOCALE, LANGUAGES, _, force_locale
from mediation.core.money import format_yuan
from mediation.extensions import db, mail
from mediation.warnings import rules
from mediation.warnings.models import (
    ACTIVE_STATUSES,
    Alert,
    AlertLike,
    Notification,
    NotificationStatus,
)

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)


def _parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, quiet_start: str, quiet_end: str) -> datetime | None:
    """If `now` falls in the quiet hours (China time), the moment they end; else None."""
    local = to_local(now)
    start, end = _parse_hhmm(quiet_start), _parse_hhmm(quiet_end)
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return ensure_utc(datetime.combine(end_day, end, tzinfo=local_zone()))


# built once: every case whose creation raises an alert asks it
_ACTIVE_OFFICERS_OF = select(User).where(
    User.organization_id.in_(bindparam("org_ids", expanding=True)),
    User.role == Role.officer,
    User.active.is_(True),
)


def _officers_by_org(org_ids: set[int]) -> dict[int, list[User]]:
    result: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(_ACTIVE_OFFICERS_OF, {"org_ids": sorted(org_ids)}):
        result[user.organization_id].append(user)
    return result


def recipient_locale(user: User) -> str:
    """The language of messages to a user: their preference, else Chinese."""
    return user.locale if user.locale in LANGUAGES else DEFAULT_LOCALE


def alert_message(alert: AlertLike) -> tuple[str, str]:
    """Subject and body of an alert notice: what a warning report states (cause, nature, people
    involved, amount, where it stands) and where to act. In the current locale: the callers
    render it under `force_locale` of the recipient (Chinese by default)."""
    case = alert.case
    level = WarningLevel(alert.level)
    rule = rules.RULE_LABELS.get(alert.rule, alert.rule)
    state = State(case.state).label
    subject = _("[%(level)s] %(number)s %(rule)s", level=level.label, number=case.number, rule=rule)
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    lines = [
        _("%(org)s:", org=alert.target_org.name),
        "",
        _(
            "Case %(number)s \"%(title)s\" raised a %(level)s (%(rule)s).",
            number=case.number, title=case.title, level=level.label, rule=rule,
        ),
        _("Employer: %(name)s", name=case.enterprise.name),
        _(
            "Workers involved: %(workers)s; amount claimed: %(amount)s",
            workers=case.workers_involved, amount=format_yuan(case.claim_amount_fen),
        ),
        _("State: %(state)s; handled by: %(org)s", state=state, org=case.handling_org.name),
        _("Application received: %(at)s", at=to_local(case.received_at).strftime("%Y-%m-%d %H:%M")),
    ]  # fmt: skip
    if alert.climbed_from_id:
        lines.append(
            _("The lower tier did not acknowledge in time; the alert has climbed to this tier.")
        )
    lines += [
        "",
        _("Please sign in to acknowledge and supervise: %(url)s", url=base + "/alerts")
        if base
        else _("Please sign in to acknowledge and supervise."),
    ]
    return subject, "\n".join(lines)


def queue_alert_notifications(
    alerts: Sequence[AlertLike], now: datetime, settings: dict | None = None
) -> int:
    """Outbox rows for new alerts, one per officer of the target organization and channel,
    in the caller's transaction (one executemany). `settings`: the rule settings the caller
    has read already."""
    config = current_app.config
    settings_quiet = _quiet_settings(settings)
    officers = _officers_by_org({a.target_org_id for a in alerts})
    rows = []
    for alert in alerts:
        recipients = officers.get(alert.target_org_id, [])
        if not recipients:
            continue
        due = now
        if WarningLevel(alert.level) != WarningLevel.red:
            due = quiet_until(now, *settings_quiet) or now
        messages: dict[str, tuple[str, str]] = {}  # per language
        for user in recipients:
            locale = recipient_locale(user)
            if locale not in messages:
                with force_locale(locale):
                    messages[locale] = alert_message(alert)
            subject, body = messages[locale]
            targets = []
            if user.email:
                targets.append(("email", user.email))
            if config.get("SMS_WEBHOOK_URL") and user.phone:
                targets.append(("sms", user.phone))
            rows += [
                {
                    "alert_id": alert.id, "user_id": user.id, "channel": channel,
                    "recipient": recipient, "subject": subject, "body": body,
                    "status": NotificationStatus.pending, "attempts": 0,
                    "next_attempt_at": due, "created_at": now,
                }
                for channel, recipient in targets
            ]  # fmt: skip
    if rows:
        bulk_insert(Notification.__table__, rows)
    return len(rows)


def _quiet_settings(settings: dict | None = None) -> tuple[str, str]:
    from mediation.warnings.settings import current_settings

    cfg = (settings or current_settings())["notifications"]
    return cfg["quiet_start"], cfg["quiet_end"]


# --- delivery -----------------------------------------------------------------------------------


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
            headers={"Message-ID": make_msgid(idstring=f"n{notification.id}", domain=DNS_NAME)},
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


def queue_daily_digest(now: datetime) -> int:
    """One summary per officer of the alerts still open at their organization."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, level in db.session.execute(
        select(Alert.target_org_id, Alert.level).where(Alert.status.in_(ACTIVE_STATUSES))
    ):
        counts[org_id][str(level)] += 1
    if not counts:
        return 0
    officers = _officers_by_org(set(counts))
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    rows = []
    for org_id, by_level in counts.items():
        for user in officers.get(org_id, []):
            if not user.email:
                continue
            with force_locale(recipient_locale(user)):
                summary = _(", ").join(
                    _("%(level)s: %(count)s", level=lv.label, count=by_level[lv.value])
                    for lv in reversed(WarningLevel)
                    if by_level.get(lv.value)
                )
                subject = _("Daily alert summary %(day)s", day=to_local(now).strftime("%Y-%m-%d"))
                body = _(
                    "%(name)s:\n\nAlerts of your organization not yet resolved: %(summary)s."
                    "\n\n%(url)s",
                    name=user.display_name, summary=summary, url=base + "/alerts",
                )  # fmt: skip
            rows.append(
                Notification(
                    user_id=user.id,
                    channel="email",
                    recipient=user.email,
                    subject=subject,
                    body=body,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    db.session.add_all(rows)
    db.session.commit()
    return len(rows)
