"""Joint meetings: who may see and write them, their action items, the overdue notices to the
city officers and the city's yearly checklist (docs/circuit-court-and-meetings.md).

Officers (city and town) write the meetings of their subtree; mediators read those of their
area; advocates do not see meetings at all."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError
from sqlalchemy import Select, select

from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases.models import Case
from mediation.cases.scope import visible_cases
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import claim_unset, take_write_lock, transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.i18n import _, force_locale
from mediation.core.messages import N_, Message
from mediation.core.text import one_line
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.meetings.enums import ItemStatus, MeetingKind
from mediation.meetings.models import ActionItem, Meeting
from mediation.meetings.schemas import (
    ActionItemInputSchema,
    ActionItemStatusSchema,
    MeetingInputSchema,
    MinutesInputSchema,
)
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select
from mediation.warnings.models import Notification, NotificationStatus
from mediation.warnings.outbox import recipient_locale

READERS = frozenset({Role.admin, Role.officer, Role.mediator})
WRITERS = frozenset({Role.admin, Role.officer})


def _load(schema: type[Schema], payload: dict | None) -> dict:
    try:
        return schema().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def require_reader(user: User) -> None:
    if user.role not in READERS:
        raise PermissionDenied("Your role may not see joint meetings.")


def can_write(user: User) -> bool:
    return user.role in WRITERS


def visible_meetings(user: User) -> Select:
    """Meetings of the user's scope: an officer's subtree; a mediator's area (their town's
    subtree, all for the city's); everything for administrators."""
    require_reader(user)
    stmt = select(Meeting)
    if user.role == Role.admin:
        return stmt
    if user.role == Role.officer:
        return stmt.where(Meeting.organization_id.in_(scope_org_ids(user)))
    root = user.organization.ancestor_at(Tier.town)
    if root.tier == Tier.city:
        return stmt
    return stmt.where(Meeting.organization_id.in_(subtree_ids_select(root.id)))


def get_visible_meeting(user: User, meeting_id: int) -> Meeting:
    meeting = db.session.scalar(visible_meetings(user).where(Meeting.id == meeting_id))
    if meeting is None:
        raise NotFound("Meeting not found.")
    return meeting


def writable_meeting(user: User, meeting_id: int) -> Meeting:
    meeting = get_visible_meeting(user, meeting_id)  # 404 first
    if not can_write(user):
        raise PermissionDenied("Your role may not change joint meetings.")
    return meeting


def create_meeting(user: User, payload: dict, *, now: datetime | None = None) -> Meeting:
    """A meeting convened by the officer's organization (or one of its subtree at town or city
    tier)."""
    require_reader(user)
    if not can_write(user):
        raise PermissionDenied("Your role may not record joint meetings.")
    data = _load(MeetingInputSchema, payload)
    org_id = data.pop("organization_id", None) or user.organization_id
    org = db.session.get(Organization, org_id)
    if (
        org is None
        or (user.role != Role.admin and org_id not in scope_org_ids(user))
        or org.tier == Tier.grassroots
    ):
        raise ValidationFailed({"organization_id": [N_("Not a city or town union of your area.")]})
    with transaction():
        meeting = Meeting(
            organization_id=org_id, created_by_id=user.id,
            created_at=ensure_utc(now or utcnow()),
            **(data | {"bodies": sorted({b.value for b in data["bodies"]})}),
        )  # fmt: skip
        db.session.add(meeting)
    return meeting


def update_minutes(user: User, meeting_id: int, payload: dict) -> Meeting:
    with transaction():
        meeting = writable_meeting(user, meeting_id)
        meeting.minutes = _load(MinutesInputSchema, payload)["minutes"]
    return meeting


def add_action_item(
    user: User, meeting_id: int, payload: dict, *, now: datetime | None = None
) -> ActionItem:
    """An action item; its due date is not before the meeting, and its linked cases and
    enterprises are ones the user sees (else 422 on that field, nothing written)."""
    with transaction():
        meeting = writable_meeting(user, meeting_id)
        data = _load(ActionItemInputSchema, payload)
        errors: dict[str, list[Any]] = {}
        if data["due_on"] < meeting.held_on:
            errors["due_on"] = [
                Message(
                    "Must not be before the meeting (%(day)s).", day=meeting.held_on.isoformat()
                )
            ]
        case_ids = sorted(set(data["case_ids"]))
        cases = list(
            db.session.scalars(visible_cases(user).where(Case.id.in_(case_ids)))
        ) if case_ids else []  # fmt: skip
        if len(cases) != len(case_ids):
            errors["case_ids"] = [N_("Contains a case you cannot see.")]
        enterprise_ids = sorted(set(data["enterprise_ids"]))
        enterprises = list(
            db.session.scalars(visible_enterprises(user).where(Enterprise.id.in_(enterprise_ids)))
        ) if enterprise_ids else []  # fmt: skip
        if len(enterprises) != len(enterprise_ids):
            errors["enterprise_ids"] = [N_("Contains an enterprise outside your area.")]
        if errors:
            raise ValidationFailed(errors)
        item = ActionItem(
            meeting_id=meeting.id, title=data["title"], owner_body=data["owner_body"],
            due_on=data["due_on"], created_at=ensure_utc(now or utcnow()),
            cases=cases, enterprises=enterprises,
        )  # fmt: skip
        db.session.add(item)
    return item


def get_item(user: User, meeting_id: int, item_id: int) -> ActionItem:
    meeting = get_visible_meeting(user, meeting_id)
    item = db.session.get(ActionItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound("Action item not found.")
    return item


def set_item_status(
    user: User, meeting_id: int, item_id: int, payload: dict, *, now: datetime | None = None
) -> ActionItem:
    now = ensure_utc(now or utcnow())
    with transaction():
        writable_meeting(user, meeting_id)
        item = get_item(user, meeting_id, item_id)
        status = _load(ActionItemStatusSchema, payload)["status"]
        if status == item.status:
            raise Conflict(N_("The action item has that status already."))
        item.status = status
        item.done_on = local_date(now) if status == ItemStatus.done else None
    return item


# --- the yearly checklist -------------------------------------------------------------------------


def yearly_checklist(years: list[int]) -> list[dict]:
    """For each year: the meetings with the city government held that year (the seed asks for
    at least one a year). Met when one was held on or before today."""
    today = local_date(utcnow())
    held = {
        year: list(
            db.session.scalars(
                select(Meeting)
                .where(
                    Meeting.kind == MeetingKind.city_government,
                    Meeting.held_on >= date(year, 1, 1),
                    Meeting.held_on <= min(date(year, 12, 31), today),
                )
                .order_by(Meeting.held_on)
            )
        )
        for year in years
    }
    return [{"year": y, "met": bool(held[y]), "meetings": held[y]} for y in years]


def sees_checklist(user: User) -> bool:
    return user.role == Role.admin or (user.role in READERS and user.organization.tier == Tier.city)


# --- overdue action items -------------------------------------------------------------------------


def _city_officers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Organization, Organization.id == User.organization_id)
            .where(Organization.tier == Tier.city, User.role == Role.officer, User.active.is_(True))
        )
    )


def queue_overdue_notices(now: datetime | None = None) -> int:
    """Tell the city officers once about each action item past its due date and still open:
    the item is marked (a conditional UPDATE) in the transaction that writes the outbox rows,
    so a second run, or two at once, writes nothing more."""
    now = ensure_utc(now or utcnow())
    today = local_date(now)
    sms = bool(current_app.config.get("SMS_WEBHOOK_URL"))
    queued = 0
    with transaction():
        take_write_lock()
        due = list(
            db.session.scalars(
                select(ActionItem.id).where(
                    ActionItem.status == ItemStatus.open,
                    ActionItem.due_on < today,
                    ActionItem.overdue_notified_at.is_(None),
                )
            )
        )
        if not due:
            return 0
        officers = _city_officers()
        for item_id in due:
            if not claim_unset(ActionItem.__table__, item_id, "overdue_notified_at", now):
                continue
            item = db.session.get(ActionItem, item_id)
            assert item is not None
            for officer in officers:
                with force_locale(recipient_locale(officer)):
                    subject = str(
                        _("Overdue action item: %(title)s", title=one_line(item.title)[:200])
                    )
                    body = str(
                        _(
                            "%(meeting)s (%(day)s) gave %(body)s the task \"%(title)s\", due "
                            "%(due)s; it is still open.",
                            meeting=one_line(item.meeting.title),
                            day=item.meeting.held_on.isoformat(), body=item.owner_body.label,
                            title=one_line(item.title), due=item.due_on.isoformat(),
                        )
                    )  # fmt: skip
                targets = [("email", officer.email)] if officer.email else []
                if sms and officer.phone:
                    targets.append(("sms", officer.phone))
                for channel, recipient in targets:
                    db.session.add(
                        Notification(
                            user_id=officer.id, channel=channel, recipient=recipient,
                            subject=subject[:300], body=body, status=NotificationStatus.pending,
                            attempts=0, next_attempt_at=now, created_at=now,
                        )
                    )  # fmt: skip
                    queued += 1
    return queued


# --- form helpers ---------------------------------------------------------------------------------


def resolve_links(user: User, case_numbers: str, credit_codes: str) -> tuple[list[int], list[int]]:
    """The ids of the cases and enterprises a form names by case number and credit code
    (separated by commas, blanks or new lines); an unknown or unseen one is 422 on its field."""
    errors: dict[str, list[Any]] = {}
    numbers = [n for n in case_numbers.replace(",", " ").replace("，", " ").split() if n]
    codes = [c.upper() for c in credit_codes.replace(",", " ").replace("，", " ").split() if c]
    case_ids: list[int] = []
    if numbers:
        found = dict(
            db.session.execute(
                visible_cases(user).with_only_columns(Case.number, Case.id)
                .where(Case.number.in_(numbers))
            ).tuples()
        )  # fmt: skip
        missing = [n for n in numbers if n not in found]
        if missing:
            errors["case_ids"] = [Message("No case %(numbers)s that you can see.",
                                          numbers=", ".join(missing))]  # fmt: skip
        case_ids = [found[n] for n in numbers if n in found]
    enterprise_ids: list[int] = []
    if codes:
        found = dict(
            db.session.execute(
                visible_enterprises(user).with_only_columns(Enterprise.credit_code, Enterprise.id)
                .where(Enterprise.credit_code.in_(codes))
            ).tuples()
        )  # fmt: skip
        missing = [c for c in codes if c not in found]
        if missing:
            errors["enterprise_ids"] = [Message("No enterprise %(codes)s in your area.",
                                                codes=", ".join(missing))]  # fmt: skip
        enterprise_ids = [found[c] for c in codes if c in found]
    if errors:
        raise ValidationFailed(errors)
    return case_ids, enterprise_ids
