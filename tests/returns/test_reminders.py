"""The due-date reminder reaches a real SMTP server, once per period, and only the officers of
the towns whose return is not submitted (docs/returns.md "Reminder")."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from mediation.extensions import db
from mediation.inbox.models import RETURN_DUE, InAppNotice
from mediation.returns import services
from mediation.returns.reminders import queue_due_reminders
from mediation.warnings.delivery import deliver_due

# 8 December 2026, 10:00 in China: November's return is due on the 10th, reminders from the 7th
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
NOVEMBER = {"kind": "month", "year": 2026, "number": 11}


def test_the_reminder_reaches_the_smtp_server_once(app, users, smtp):
    app.config.update(RETURNS_DUE_DAY=10, RETURNS_REMINDER_DAYS=3)
    for key, address in (("officer", "t1@example.cn"), ("other_officer", "t2@example.cn"),
                         ("city_officer", "city@example.cn")):  # fmt: skip
        users[key].email = address
    db.session.commit()
    # T2 has submitted November's return; T1 has only a draft
    submitted = services.create_draft(users["other_officer"], NOVEMBER, now=NOW)
    services.fire(users["other_officer"], submitted.id, "submit", now=NOW)
    services.create_draft(users["officer"], NOVEMBER, now=NOW)

    # two days earlier is too early
    assert queue_due_reminders(datetime(2026, 12, 5, 2, 0, tzinfo=UTC)) == 0
    assert queue_due_reminders(NOW) == 1
    assert queue_due_reminders(NOW) == 0  # once per period
    deliver_due(NOW)

    assert [m for m in smtp.received] and smtp.to("t2@example.cn") == []
    assert smtp.to("city@example.cn") == []
    (message,) = smtp.to("t1@example.cn")
    assert "2026-12-10" in str(message["Subject"])
    assert "2026年11月" in str(message["Subject"])
    body = message.get_body(("plain",)).get_content()
    assert "一镇工会" in body and "/returns" in body

    notices = db.session.scalars(select(InAppNotice).where(InAppNotice.kind == RETURN_DUE)).all()
    assert [n.user_id for n in notices] == [users["officer"].id]
    assert notices[0].params == {"period": "2026-11", "due": "2026-12-10"}
