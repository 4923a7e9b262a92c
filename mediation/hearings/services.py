"""The circuit court's services: hearing points, scheduling without clashes, outcomes that move
the case through its lifecycle, and the day-before reminders (docs/circuit-court-and-meetings.md).

Each public function is one transaction (`core.db.transaction`): it checks role and scope first,
and leaves nothing written when it refuses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError
from sqlalchemy import Select, and_, func, select

from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases import workflow
from mediation.cases.access import CASE_WRITERS, lock_case
from mediation.cases.enums import EventKind, State
from mediation.cases.models import Case
from mediation.cases.scope import scope_filter, visible_cases
from mediation.cases.services import append_event, fire_trigger
from mediation.core.clock import ensure_utc, local_date, local_zone, to_local, utcnow
from mediation.core.db import claim_unset, take_write_lock, transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.i18n import _, force_locale, stored_text
from mediation.core.messages import N_, Message
from mediation.core.money import fen_to_yuan
from mediation.core.text import one_line
from mediation.extensions import db
from mediation.hearings.enums import HearingOutcome, HearingStatus
from mediation.hearings.models import Hearing, HearingPoint
from mediation.hearings.schemas import (
    HearingInputSchema,
    OutcomeInputSchema,
    PointInputSchema,
)
from mediation.orgs.models import Tier
from mediation.orgs.services import subtree_ids_select
from mediation.warnings.models import Notification, NotificationStatus
from mediation.warnings.outbox import recipient_locale

POINT_MANAGERS = frozenset({Role.officer, Role.admin})
STAFF = frozenset({Role.officer, Role.mediator, Role.admin})

# the lifecycle trigger each decisive outcome fires, and the payload fields it takes
OUTCOME_TRIGGERS: dict[HearingOutcome, tuple[str, tuple[str, ...]]] = {
    HearingOutcome.agreement: (
        "record_agreement",
        ("terms", "agreement_amount", "agreement_due_on"),
    ),
    HearingOutcome.judgment: ("record_ruling", ("result", "amount")),
    HearingOutcome.withdrawn: ("withdraw", ("reason",)),
}
RESOLVING_OUTCOMES = tuple(OUTCOME_TRIGGERS)


def _load(schema: type[Schema], payload: dict | None) -> dict:
    try:
        return schema().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def require_staff(user: User) -> None:
    """The points, calendars and reports are for the union's staff; advocates see the
    hearings of their own cases only (on those cases' pages)."""
    if user.role not in STAFF:
        raise PermissionDenied("Your role may not use the circuit court's points.")


# --- points ---------------------------------------------------------------------------------------


def _area_root_id(user: User) -> int | None:
    """The root of the user's area (their town, or the city for city staff); None: everything."""
    if user.role == Role.admin:
        return None
    root = user.organization.ancestor_at(Tier.town)
    return None if root.tier == Tier.city else root.id


def visible_points(user: User) -> Select:
    """Points a staff member may use: those hosted in their town's area (a grassroots mediator
    schedules at the town's points), all for the city and administrators."""
    stmt = select(HearingPoint)
    if user.role not in STAFF:
        return stmt.where(False)  # type: ignore[arg-type]
    root = _area_root_id(user)
    if root is None:
        return stmt
    return stmt.where(HearingPoint.organization_id.in_(subtree_ids_select(root)))


def get_visible_point(user: User, point_id: int) -> HearingPoint:
    point = db.session.scalar(visible_points(user).where(HearingPoint.id == point_id))
    if point is None:
        raise NotFound("Hearing point not found.")
    return point


def create_point(user: User, payload: dict) -> HearingPoint:
    """A new point, hosted by a union of the officer's own subtree."""
    if user.role not in POINT_MANAGERS:
        raise PermissionDenied("Your role may not set up hearing points.")
    data = _load(PointInputSchema, payload)
    if user.role != Role.admin and data["organization_id"] not in scope_org_ids(user):
        raise ValidationFailed({"organization_id": [N_("Not an organization of your area.")]})
    with transaction():
        point = HearingPoint(**data)
        db.session.add(point)
    return point


# --- hearings -------------------------------------------------------------------------------------


def visible_hearings(user: User) -> Select:
    """Hearings whose case the user sees (an advocate: the cases assigned to them)."""
    return scope_filter(select(Hearing).join(Hearing.case), user)


def get_visible_hearing(user: User, hearing_id: int) -> Hearing:
    hearing = db.session.scalar(visible_hearings(user).where(Hearing.id == hearing_id))
    if hearing is None:
        raise NotFound("Hearing not found.")
    return hearing


def _clash(point_id: int, starts_at: datetime, ends_at: datetime) -> Hearing | None:
    """A hearing at the point (not cancelled) whose time overlaps [starts_at, ends_at)."""
    return db.session.scalar(
        select(Hearing)
        .where(
            Hearing.point_id == point_id,
            Hearing.status != HearingStatus.cancelled,
            Hearing.starts_at < ends_at,
            Hearing.ends_at > starts_at,
        )
        .order_by(Hearing.starts_at)
        .limit(1)
    )


def _minute(value: datetime) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M")


def schedule_hearing(
    user: User, case_id: int, payload: dict, *, now: datetime | None = None
) -> Hearing:
    """Schedule a hearing of an open case at a point of the user's area. A time that overlaps
    another hearing at the point is refused on `starts_at`; two schedulers at once cannot both
    pass the check (the point's row is locked; SQLite takes its write lock first)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        take_write_lock()
        case = lock_case(user, case_id)  # out of scope: 404 before 403
        if user.role not in CASE_WRITERS:
            raise PermissionDenied("Your role may not schedule hearings.")
        data = _load(HearingInputSchema, payload)
        if not case.is_open:
            raise Conflict(N_("The case is closed; a hearing can no longer be scheduled."))
        point = db.session.scalar(
            visible_points(user)
            .where(HearingPoint.id == data["point_id"], HearingPoint.active.is_(True))
            .with_for_update(of=HearingPoint)
        )
        if point is None:
            raise ValidationFailed({"point_id": [N_("Not an active hearing point of your area.")]})
        starts_at = data["starts_at"]
        if starts_at <= now:
            raise ValidationFailed({"starts_at": [N_("Must be in the future.")]})
        ends_at = starts_at + timedelta(minutes=data["duration_minutes"])
        other = _clash(point.id, starts_at, ends_at)
        if other is not None:
            raise ValidationFailed(
                {
                    "starts_at": [
                        Message(
                            "The point is booked from %(start)s to %(end)s; choose another time.",
                            start=_minute(other.starts_at),
                            end=to_local(other.ends_at).strftime("%H:%M"),
                        )
                    ]
                }
            )
        hearing = Hearing(
            case_id=case.id, point_id=point.id, kind=data["kind"], starts_at=starts_at,
            ends_at=ends_at, note=data.get("note"), created_by_id=user.id, created_at=now,
            updated_at=now,
        )  # fmt: skip
        db.session.add(hearing)
        db.session.flush()
        with stored_text():
            body = _(
                "Circuit court %(kind)s scheduled at %(point)s on %(start)s.",
                kind=hearing.kind.label, point=point.name, start=_minute(starts_at),
            )  # fmt: skip
        append_event(case, EventKind.note, user, now, body=str(body),
                     data={"hearing_id": hearing.id, "point_id": point.id})  # fmt: skip
    return hearing


def _lock_hearing(user: User, hearing_id: int) -> Hearing:
    if user.role not in CASE_WRITERS:
        get_visible_hearing(user, hearing_id)  # out of scope: 404 before 403
        raise PermissionDenied("Your role may not change hearings.")
    hearing = db.session.scalar(
        visible_hearings(user)
        .where(Hearing.id == hearing_id)
        .with_for_update(of=Hearing)
        .execution_options(populate_existing=True)
    )
    if hearing is None:
        raise NotFound("Hearing not found.")
    return hearing


def cancel_hearing(user: User, hearing_id: int, *, now: datetime | None = None) -> Hearing:
    now = ensure_utc(now or utcnow())
    with transaction():
        hearing = _lock_hearing(user, hearing_id)
        if hearing.status != HearingStatus.scheduled:
            raise Conflict(N_("Only a scheduled hearing can be cancelled."))
        hearing.status = HearingStatus.cancelled
        hearing.updated_at = now
        with stored_text():
            body = _(
                "Circuit court hearing of %(start)s cancelled.", start=_minute(hearing.starts_at)
            )
        append_event(hearing.case, EventKind.note, user, now, body=str(body),
                     data={"hearing_id": hearing.id})  # fmt: skip
    return hearing


def record_outcome(
    user: User, hearing_id: int, payload: dict, *, now: datetime | None = None
) -> Hearing:
    """The hearing was held: its outcome and attendance; a decisive outcome moves the case
    through the lifecycle trigger of `OUTCOME_TRIGGERS`, in the same transaction. A trigger the
    case's state does not allow is refused on `outcome`, naming the state; nothing is written."""
    now = ensure_utc(now or utcnow())
    with transaction():
        hearing = _lock_hearing(user, hearing_id)
        data = _load(OutcomeInputSchema, payload)
        if hearing.status != HearingStatus.scheduled:
            raise Conflict(
                N_("The outcome of this hearing is recorded already, or it was cancelled.")
            )
        if hearing.starts_at > now:
            raise ValidationFailed({"outcome": [N_("The hearing has not begun yet.")]})
        outcome = data["outcome"]
        hearing.status = HearingStatus.held
        hearing.outcome = outcome
        hearing.workers_attending = data["workers_attending"]
        hearing.outcome_note = data.get("outcome_note")
        hearing.updated_at = now
        db.session.flush()
        if outcome in OUTCOME_TRIGGERS:
            name, names = OUTCOME_TRIGGERS[outcome]
            trigger = workflow.get_trigger(name)
            case = hearing.case
            if not workflow.is_allowed_from(trigger, case.state):
                raise ValidationFailed(
                    {
                        "outcome": [
                            Message(
                                "%(outcome)s cannot be recorded while the case is %(state)s: "
                                "the case must first be brought to where %(action)s is allowed.",
                                outcome=outcome.label, state=State(case.state).label,
                                action=trigger.label,
                            )
                        ]
                    }
                )  # fmt: skip
            trigger_payload: dict[str, Any] = {
                k: _as_payload(data[k]) for k in names if data.get(k) is not None
            }
            if name == "withdraw" and "reason" not in trigger_payload:
                trigger_payload["reason"] = data.get("outcome_note") or ""
            if name == "record_ruling" and "result" not in trigger_payload:
                trigger_payload["result"] = ""
            fire_trigger(case.id, name, user, trigger_payload, now=now)
        else:
            with stored_text():
                body = _("Circuit court hearing held; no decision.")
            append_event(hearing.case, EventKind.note, user, now, body=str(body),
                         data={"hearing_id": hearing.id})  # fmt: skip
    return hearing


def _as_payload(value: Any) -> Any:
    """A loaded value back into what the trigger's schema loads (amounts in fen → yuan text)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return fen_to_yuan(value)
    return value


# --- the calendar and the report ------------------------------------------------------------------


def point_hearings(point: HearingPoint, first: date, last: date) -> list[Hearing]:
    """The point's hearings (not cancelled) from the first to the last local day."""
    zone = local_zone()
    start = ensure_utc(datetime.combine(first, time(0), tzinfo=zone))
    end = ensure_utc(datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone))
    return list(
        db.session.scalars(
            select(Hearing)
            .where(
                Hearing.point_id == point.id,
                Hearing.status != HearingStatus.cancelled,
                Hearing.starts_at >= start,
                Hearing.starts_at < end,
            )
            .order_by(Hearing.starts_at, Hearing.id)
        )
    )


def visible_case_ids(user: User, case_ids: set[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(
        db.session.scalars(
            visible_cases(user).with_only_columns(Case.id).where(Case.id.in_(sorted(case_ids)))
        )
    )


def hearing_report(user: User, year: int) -> list[dict]:
    """Per point of the user's area, in the year: hearings held, cases resolved (a held hearing
    whose outcome moved the case to an agreement, a judgment or a withdrawal) and workers
    attending; counted over the hearings of the cases the user sees."""
    require_staff(user)
    zone = local_zone()
    start = ensure_utc(datetime(year, 1, 1, tzinfo=zone))
    end = ensure_utc(datetime(year + 1, 1, 1, tzinfo=zone))
    points = visible_points(user).subquery()
    held = and_(Hearing.status == HearingStatus.held, Hearing.starts_at >= start,
                Hearing.starts_at < end)  # fmt: skip
    stmt = scope_filter(
        select(
            Hearing.point_id,
            func.count(Hearing.id),
            func.count(func.distinct(Hearing.case_id)).filter(
                Hearing.outcome.in_(RESOLVING_OUTCOMES)
            ),
            func.coalesce(func.sum(Hearing.workers_attending), 0),
        )
        .join(Hearing.case)
        .where(held, Hearing.point_id.in_(select(points.c.id)))
        .group_by(Hearing.point_id),
        user,
    )
    counts = {row[0]: row[1:] for row in db.session.execute(stmt)}
    rows = []
    for point in db.session.scalars(visible_points(user).order_by(HearingPoint.name)):
        held_n, resolved, workers = counts.get(point.id, (0, 0, 0))
        rows.append({"point": point, "held": held_n, "resolved": resolved, "workers": workers})
    return rows


# --- reminders ------------------------------------------------------------------------------------


def _reminder_text(hearing: Hearing, locale: str) -> tuple[str, str]:
    with force_locale(locale):
        case, point = hearing.case, hearing.point
        subject = _(
            "Hearing tomorrow: %(number)s at %(point)s", number=case.number, point=point.name
        )
        body = _(
            "Case %(number)s \"%(title)s\": %(kind)s at %(point)s (%(address)s), %(start)s, "
            "with %(partner)s. Please arrive on time with your evidence.",
            number=case.number, title=one_line(case.title), kind=hearing.kind.label,
            point=point.name, address=one_line(point.address), start=_minute(hearing.starts_at),
            partner=point.partner_name,
        )  # fmt: skip
    return str(subject), str(body)


def _employer_reminder_text(hearing: Hearing, locale: str) -> tuple[str, str]:
    """The formal notice-style reminder to the employer: the case, time, place and the union
    that writes (the employer is a party, not the union's client: no "your evidence" advice)."""
    with force_locale(locale):
        case, point = hearing.case, hearing.point
        subject = _("Hearing notice: case %(number)s", number=case.number)
        body = _(
            "To %(enterprise)s: the %(kind)s of labour dispute case %(number)s (\"%(title)s\"), "
            "to which your organization is a party, will be held at %(start)s at %(point)s "
            "(%(address)s), with %(partner)s. Please send a representative on time with the "
            "relevant documents. %(union)s",
            enterprise=case.enterprise.name, kind=hearing.kind.label, number=case.number,
            title=one_line(case.title), start=_minute(hearing.starts_at), point=point.name,
            address=one_line(point.address), partner=point.partner_name,
            union=case.handling_org.name,
        )  # fmt: skip
    return str(subject), str(body)


def queue_reminders(now: datetime | None = None) -> int:
    """The day-before reminders: for every scheduled hearing starting before the end of
    tomorrow (China time) and not reminded yet, mark it reminded and write its outbox rows in
    one transaction: e-mail to the handling mediator, SMS to the worker's phone (and the
    mediator's) when the SMS webhook is configured, and to the employer's contact (e-mail, and
    SMS with the webhook) when the registry has one. Marking is a conditional UPDATE, so of two
    runs at once only one writes the rows: each hearing is reminded exactly once."""
    now = ensure_utc(now or utcnow())
    tomorrow_end = ensure_utc(
        datetime.combine(local_date(now) + timedelta(days=2), time(0), tzinfo=local_zone())
    )
    sms = bool(current_app.config.get("SMS_WEBHOOK_URL"))
    queued = 0
    with transaction():
        take_write_lock()
        due = list(
            db.session.scalars(
                select(Hearing.id).where(
                    Hearing.status == HearingStatus.scheduled,
                    Hearing.reminded_at.is_(None),
                    Hearing.starts_at > now,
                    Hearing.starts_at < tomorrow_end,
                )
            )
        )
        for hearing_id in due:
            if not claim_unset(Hearing.__table__, hearing_id, "reminded_at", now):
                continue
            hearing = db.session.get(Hearing, hearing_id)
            assert hearing is not None
            rows: list[tuple[int | None, str, str, str, str]] = []
            mediator = hearing.case.mediator
            if mediator is not None and mediator.active:
                subject, body = _reminder_text(hearing, recipient_locale(mediator))
                if mediator.email:
                    rows.append((mediator.id, "email", mediator.email, subject, body))
                if sms and mediator.phone:
                    rows.append((mediator.id, "sms", mediator.phone, subject, body))
            if sms and hearing.case.worker_phone:
                subject, body = _reminder_text(hearing, "zh_Hans_CN")
                rows.append((None, "sms", hearing.case.worker_phone, subject, body))
            employer = hearing.case.enterprise
            if employer.contact_email or (sms and employer.contact_phone):
                subject, body = _employer_reminder_text(hearing, "zh_Hans_CN")
                if employer.contact_email:
                    rows.append((None, "email", employer.contact_email, subject, body))
                if sms and employer.contact_phone:
                    rows.append((None, "sms", employer.contact_phone, subject, body))
            for user_id, channel, recipient, subject, body in rows:
                db.session.add(
                    Notification(
                        user_id=user_id, channel=channel, recipient=recipient,
                        subject=subject[:300], body=body, status=NotificationStatus.pending,
                        attempts=0, next_attempt_at=now, created_at=now,
                    )
                )  # fmt: skip
            queued += len(rows)
    return queued
