"""Fixtures of the warning tests: where the app's e-mail goes.

`mailbox`: Flask-Mailman's locmem outbox (the testing config's backend), for the tests of what is
sent and when. `smtp`: a real SMTP server (aiosmtpd) on 127.0.0.1, stopped at teardown, for the
tests of the transport itself.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask_mailman.backends import locmem

from mediation.warnings.delivery import init_mail
from tests.helpers import free_port

Received = list[tuple[list[str], email.message.EmailMessage]]
_POLICY = email.policy.default


def subject(message: email.message.EmailMessage) -> str:
    """The decoded Subject. Flask-Mailman folds a long encoded one onto the line after the
    name; Python's parser keeps that fold's space in front, mail programs drop it."""
    return str(message["Subject"]).lstrip()


def use_mail_server(app: Flask, port: int, timeout: float = 5, **settings) -> None:
    """Send the app's mail by SMTP to 127.0.0.1:`port`."""
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=timeout
    )
    app.config.update(settings)
    init_mail(app)


# --- Flask-Mailman's outbox -----------------------------------------------------------------------


class OutageEmailBackend(locmem.EmailBackend):
    """The locmem backend with a server that can be down: while it is, opening a connection is
    refused as smtplib's is."""

    def open(self):
        if getattr(self.mailman, "server_down", False):
            raise ConnectionRefusedError(111, "Connection refused")
        return super().open()


class Mailbox:
    """The mail the app has sent, read back as a server would receive it."""

    def __init__(self, app: Flask) -> None:
        app.config["MAIL_BACKEND"] = OutageEmailBackend
        init_mail(app)
        self._state = app.extensions["mailman"]
        self._state.outbox = []

    @property
    def received(self) -> Received:
        return [
            (m.recipients(), email.message_from_bytes(m.message().as_bytes(), policy=_POLICY))
            for m in self._state.outbox
        ]

    def clear(self) -> None:
        self._state.outbox.clear()

    def stop(self) -> None:
        self._state.server_down = True

    def start(self) -> None:
        self._state.server_down = False

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]

    def subjects(self, address: str) -> list[str]:
        return [subject(m) for m in self.to(address)]


@pytest.fixture
def mailbox(app) -> Mailbox:
    """The app's sent mail; `mailbox.stop()` takes the mail server down."""
    return Mailbox(app)


# --- a real SMTP server ---------------------------------------------------------------------------


class Collect:
    """aiosmtpd handler: keeps what arrives and counts the connections (one EHLO each)."""

    def __init__(self, inbox: Received) -> None:
        self.inbox = inbox
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=_POLICY)
        self.inbox.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on a fixed free port of 127.0.0.1 that can be stopped and started again."""

    def __init__(self, handler: type[Collect] = Collect) -> None:
        self.port = free_port()
        self.received: Received = []
        self.handler = handler(self.received)
        self._controller: Controller | None = None

    @property
    def connections(self) -> int:
        return self.handler.connections

    def start(self) -> None:
        assert self._controller is None
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=5
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]

    def subjects(self, address: str) -> list[str]:
        return [subject(m) for m in self.to(address)]


@pytest.fixture
def smtp(app) -> Iterator[SMTPServer]:
    """A running SMTP server the app sends its mail to."""
    server = SMTPServer()
    server.start()
    use_mail_server(app, server.port)
    yield server
    server.stop()
