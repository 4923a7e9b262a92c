"""Notifications through an outbox: what to tell whom, written as rows.

`queue_alert_notifications` writes one outbox row per recipient and channel inside the
transaction that raised the alerts (after the recipients' quiet hours), and
`queue_daily_digest` the officers' morning summary; a rolled-back alert therefore sends
nothing. `warnings.delivery` sends the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.cases.enums import State, WarningLevel
from mediation.cases.models import Case
from mediation.core.clock import ensure_utc, local_zone, to_local
from mediation.core.db import bulk_insert
from mediation.core.i18n import DEFAULT_LOCALE, LANGUAGES, _, force_locale
from mediation.core.leases import mark_once
from mediation.core.money import format_yuan
from mediation.core.text import one_line
from mediation.extensions import db
from mediation.orgs.models import Organization
from mediation.surveys.models import LabourSurvey
from mediation.warnings import rules
from mediation.warnings.models import (
    ACTIVE_STATUSES,
    Alert,
    AlertLike,
    Notification,
    NotificationStatus,
)


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
    if alert.incident_id is not None:
        return incident_alert_message(alert)
    if alert.project_id is not None:
        return project_alert_message(alert)
    if alert.notice_id is not None:
        return notice_alert_message(alert)
    case = alert.case
    level = WarningLevel(alert.level)
    rule = rules.RULE_LABELS.get(alert.rule, alert.rule)
    state = State(case.state).label
    subject = _("[%(level)s] %(number)s %(rule)s", level=level.label, number=case.number, rule=rule)
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    # people's text on one line each: a line break in a title must not write lines (or mail
    # headers) of its own into the notice
    lines = [
        _("%(org)s:", org=one_line(alert.target_org.name)),
        "",
        _(
            "Case %(number)s \"%(title)s\" raised a %(level)s (%(rule)s).",
            number=case.number, title=one_line(case.title), level=level.label, rule=rule,
        ),
        _("Employer: %(name)s", name=one_line(case.enterprise.name)),
        _(
            "Workers involved: %(workers)s; amount claimed: %(amount)s",
            workers=case.workers_involved, amount=format_yuan(case.claim_amount_fen),
        ),
        _("State: %(state)s; handled by: %(org)s", state=state, org=one_line(case.handling_org.name)),
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


def incident_alert_message(alert: AlertLike) -> tuple[str, str]:
    """Subject and body of a mass incident's alert: what happened, where, how many, and where
    to act (the incident's page)."""
    incident = alert.incident
    assert incident is not None
    level = WarningLevel(alert.level)
    rule = rules.RULE_LABELS.get(alert.rule, alert.rule)
    subject = _("[%(level)s] %(rule)s: %(employer)s", level=level.label, rule=rule,
                employer=one_line(incident.employer))  # fmt: skip
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    lines = [
        _("%(org)s:", org=one_line(alert.target_org.name)),
        "",
        _("%(rule)s (%(level)s).", rule=rule, level=level.label),
        _("Employer: %(name)s", name=one_line(incident.employer)),
        _("Place: %(place)s", place=one_line(incident.place)),
        _(
            "Started: %(at)s; participants: %(n)s",
            at=to_local(incident.started_at).strftime("%Y-%m-%d %H:%M"), n=incident.participants,
        ),
        _("Reported by: %(org)s", org=one_line(incident.organization.name)),
    ]  # fmt: skip
    if alert.climbed_from_id:
        lines.append(
            _("The lower tier did not acknowledge in time; the alert has climbed to this tier.")
        )
    url = f"{base}/incidents/{incident.id}"
    lines += [
        "",
        _("Please sign in to acknowledge and supervise: %(url)s", url=url)
        if base
        else _("Please sign in to acknowledge and supervise."),
    ]
    return subject, "\n".join(lines)


def project_alert_message(alert: AlertLike) -> tuple[str, str]:
    """Subject and body of a construction project's alert: the project, its general contractor
    and where to act (the project's page)."""
    project = alert.project
    assert project is not None
    level = WarningLevel(alert.level)
    rule = rules.RULE_LABELS.get(alert.rule, alert.rule)
    subject = _("[%(level)s] %(rule)s: %(project)s", level=level.label, rule=rule,
                project=one_line(project.name))  # fmt: skip
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    lines = [
        _("%(org)s:", org=one_line(alert.target_org.name)),
        "",
        _("%(rule)s (%(level)s).", rule=rule, level=level.label),
        _("Project: %(name)s, %(location)s", name=one_line(project.name),
          location=one_line(project.location)),
        _("General contractor: %(name)s", name=one_line(project.general_contractor.name)),
    ]  # fmt: skip
    if alert.climbed_from_id:
        lines.append(
            _("The lower tier did not acknowledge in time; the alert has climbed to this tier.")
        )
    url = f"{base}/projects/{project.id}"
    lines += [
        "",
        _("Please sign in to acknowledge and supervise: %(url)s", url=url)
        if base
        else _("Please sign in to acknowledge and supervise."),
    ]
    return subject, "\n".join(lines)


def notice_alert_message(alert: AlertLike) -> tuple[str, str]:
    """Subject and body of a supervision notice's overdue alert: which enterprise, what it was
    to rectify by when, and where to act (the notice's page)."""
    notice = alert.notice
    assert notice is not None
    level = WarningLevel(alert.level)
    rule = rules.RULE_LABELS.get(alert.rule, alert.rule)
    employer = one_line(notice.enterprise.name)
    subject = _("[%(level)s] %(rule)s: %(employer)s", level=level.label, rule=rule,
                employer=employer)  # fmt: skip
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    lines = [
        _("%(org)s:", org=one_line(alert.target_org.name)),
        "",
        _("%(rule)s (%(level)s).", rule=rule, level=level.label),
        _("Employer: %(name)s", name=employer),
        _(
            "Supervision notice %(number)s of %(date)s; rectification due by %(deadline)s.",
            number=notice.number, date=notice.issued_on.isoformat(),
            deadline=notice.deadline.isoformat(),
        ),
        _("Issued by: %(org)s", org=one_line(notice.organization.name)),
    ]  # fmt: skip
    if alert.climbed_from_id:
        lines.append(
            _("The lower tier did not acknowledge in time; the alert has climbed to this tier.")
        )
    url = f"{base}/supervision-notices/{notice.id}"
    lines += [
        "",
        _("Please sign in to acknowledge and supervise: %(url)s", url=url)
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
    # and on screen: the in-app notices (docs/notifications.md)
    signals.alerts_notified.send(None, alerts=list(alerts), now=now)
    return len(rows)


def _quiet_settings(settings: dict | None = None) -> tuple[str, str]:
    from mediation.warnings.settings import current_settings

    cfg = (settings or current_settings())["notifications"]
    return cfg["quiet_start"], cfg["quiet_end"]


# --- delivery -----------------------------------------------------------------------------------


def queue_daily_digest(now: datetime) -> int:
    """One summary per officer of the alerts still open at their organization, once a day:
    the day's marker is committed with the summaries, so a second run that day (a second
    scheduler, a restart) finds it and queues nothing."""
    if not mark_once(f"warnings.digest:{to_local(now).date().isoformat()}", now):
        db.session.rollback()
        return 0
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, level in db.session.execute(
        select(Alert.target_org_id, Alert.level).where(Alert.status.in_(ACTIVE_STATUSES))
    ):
        counts[org_id][str(level)] += 1
    if not counts:
        db.session.commit()
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


def queue_takeover_notifications(
    case: Case, *, from_org: Organization, previous_mediator_id: int | None, user: User,
    now: datetime, path_org_ids: Sequence[int] = (), **_kw: object,
) -> int:  # fmt: skip
    """Outbox rows when a higher union takes a case over (`signals.case_taken_over`): the
    officers of the union that handled it and its previous mediator hear of it by e-mail (and
    SMS where configured), each in their language, in the take-over's transaction. The one who
    took it over is not told of their own act (docs/notifications.md)."""
    config = current_app.config
    # the officers of every union on the case's path below the new one (the handling union
    # and the one where the case originated)
    recipients = {
        u.id: u for users in _officers_by_org({from_org.id, *path_org_ids}).values() for u in users
    }
    if previous_mediator_id is not None and previous_mediator_id not in recipients:
        mediator = db.session.get(User, previous_mediator_id)
        if mediator is not None and mediator.active:
            recipients[mediator.id] = mediator
    recipients.pop(user.id, None)
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    rows = []
    for recipient in recipients.values():
        with force_locale(recipient_locale(recipient)):
            subject = _("%(number)s taken over by %(org)s", number=case.number,
                        org=one_line(case.handling_org.name))  # fmt: skip
            body = "\n".join(
                [
                    _("%(name)s:", name=one_line(recipient.display_name)),
                    "",
                    _(
                        'Case %(number)s "%(title)s" was taken over from %(from_org)s by '
                        "%(org)s, which handles it from now on.",
                        number=case.number,
                        title=one_line(case.title),
                        from_org=one_line(from_org.name),
                        org=one_line(case.handling_org.name),
                    ),  # fmt: skip
                    "",
                    f"{base}/cases/{case.id}" if base else _("Please sign in to follow it."),
                ]
            )
        targets = [("email", recipient.email)] if recipient.email else []
        if config.get("SMS_WEBHOOK_URL") and recipient.phone:
            targets.append(("sms", recipient.phone))
        rows += [
            {
                "alert_id": None, "user_id": recipient.id, "channel": channel,
                "recipient": address, "subject": subject, "body": body,
                "status": NotificationStatus.pending, "attempts": 0,
                "next_attempt_at": now, "created_at": now,
            }
            for channel, address in targets
        ]  # fmt: skip
    bulk_insert(Notification.__table__, rows)
    return len(rows)


def queue_contract_expiry_notifications(
    survey: LabourSurvey, *, town: Organization, now: datetime, **_kw: object
) -> int:
    """Outbox rows when an enterprise's collective contract expires within 60 days
    (`signals.collective_contract_expiring`): the town union's officers hear of it by e-mail
    (and SMS where configured), each in their language, in the transaction that marks the
    reminder sent, so it is sent once (docs/enterprise-file.md "Reminder")."""
    config = current_app.config
    base = config.get("BASE_URL", "").rstrip("/")
    enterprise = survey.enterprise
    expires = survey.collective_expires_on.isoformat() if survey.collective_expires_on else ""
    kind = survey.collective_contract.label if survey.collective_contract else ""
    rows = []
    for recipient in _officers_by_org({town.id}).get(town.id, []):
        with force_locale(recipient_locale(recipient)):
            subject = _("Collective contract of %(name)s expires on %(day)s",
                        name=one_line(enterprise.name),
                        day=expires)  # fmt: skip
            body = "\n".join(
                [
                    _("%(name)s:", name=one_line(recipient.display_name)),
                    "",
                    _(
                        "The %(kind)s of %(name)s (%(area)s) expires on %(day)s. Either side "
                        "may ask for its renewal now; please follow up with the enterprise.",
                        kind=kind,
                        name=one_line(enterprise.name),
                        area=one_line(enterprise.organization.name),
                        day=expires,
                    ),  # fmt: skip
                    "",
                    f"{base}/enterprises/{enterprise.id}"
                    if base
                    else _("Please sign in to follow it."),
                ]
            )
        targets = [("email", recipient.email)] if recipient.email else []
        if config.get("SMS_WEBHOOK_URL") and recipient.phone:
            targets.append(("sms", recipient.phone))
        rows += [
            {
                "alert_id": None, "user_id": recipient.id, "channel": channel,
                "recipient": address, "subject": subject[:300], "body": body,
                "status": NotificationStatus.pending, "attempts": 0,
                "next_attempt_at": now, "created_at": now,
            }
            for channel, address in targets
        ]  # fmt: skip
    bulk_insert(Notification.__table__, rows)
    return len(rows)
