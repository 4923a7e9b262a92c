"""Fixtures of the warning tests: a real SMTP server (aiosmtpd) on 127.0.0.1, stopped at
teardown."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import free_port


class Collect:
    def __init__(self, inbox: list) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.inbox.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on a fixed free port of 127.0.0.1 that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self._controller: Controller | None = None

    def start(self) -> None:
        assert self._controller is None
        self._controller = Controller(
            Collect(self.received), hostname="127.0.0.1", port=self.port, ready_timeout=5
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]

    def subjects(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in self.to(address)]


@pytest.fixture
def smtp(app) -> Iterator[SMTPServer]:
    """A running SMTP server the app sends its mail to; `smtp.stop()` takes it down."""
    server = SMTPServer()
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5)
    yield server
    server.stop()
