"""What people do with supervision notices: issue one, record the enterprise's reply, verify
the rectification. Each service is one transaction; the warning engine raises or resolves the
overdue-rectification alert through `signals.supervision_notice_changed` inside it
(docs/enterprise-file.md "Supervision notices")."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, not_, select

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases.access import load_payload
from mediation.cases.scope import get_visible_case
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.core.messages import N_, Message
from mediation.enterprises.services import get_visible_enterprise
from mediation.extensions import db
from mediation.labour_supervision.enums import OUTSTANDING, STEPS, NoticeStatus, allowed
from mediation.labour_supervision.models import SupervisionNotice
from mediation.labour_supervision.schemas import (
    NoticeReplySchema,
    NoticeVerifySchema,
    SupervisionNoticeCreateSchema,
)
from mediation.orgs.services import get_organization

# as for cases: the union's staff of the issuing union's subtree; advocates do not see the
# register at all (404, as for a registry they have no business in)
NOTICE_ROLES = frozenset({Role.admin, Role.officer, Role.mediator})
UNKNOWN_CASE = N_("Unknown case %(id)s.")
OTHER_ENTERPRISE_CASE = N_("Case %(id)s is not a case of this enterprise.")
NOT_IN_FUTURE = N_("Must not be in the future.")


def _require_staff(user: User) -> None:
    # an advocate is told nothing exists: the register is not theirs to know of
    if user.role not in NOTICE_ROLES:
        raise NotFound("Supervision notice not found.")


def visible_notices(user: User) -> Select:
    """The notices issued by the user's organization's subtree (all, for an administrator)."""
    _require_staff(user)
    stmt = select(SupervisionNotice)
    if user.role != Role.admin:
        stmt = stmt.where(SupervisionNotice.organization_id.in_(scope_org_ids(user)))
    return stmt


def newest_first(stmt: Select) -> Select:
    return stmt.order_by(SupervisionNotice.issued_on.desc(), SupervisionNotice.id.desc())


def get_visible_notice(
    user: User, notice_id: int, *, for_update: bool = False
) -> SupervisionNotice:
    """The notice if the user may see it; otherwise NotFound, same as a missing one."""
    stmt = visible_notices(user).where(SupervisionNotice.id == notice_id)
    if for_update:
        stmt = stmt.with_for_update(of=SupervisionNotice).execution_options(populate_existing=True)
    notice = db.session.scalar(stmt)
    if notice is None:
        raise NotFound("Supervision notice not found.")
    return notice


def notices_of_enterprise(user: User, enterprise_id: int) -> list[SupervisionNotice]:
    """The notices to one enterprise that the user may see (none for an advocate)."""
    if user.role not in NOTICE_ROLES:
        return []
    return list(
        db.session.scalars(
            newest_first(visible_notices(user)).where(
                SupervisionNotice.enterprise_id == enterprise_id
            )
        )
    )


def overdue_condition(today: date, overdue: bool = True) -> ColumnElement[bool]:
    """SQL: the rectification is outstanding and its deadline is before `today` (local)."""
    condition = and_(
        SupervisionNotice.status.in_(sorted(OUTSTANDING)), SupervisionNotice.deadline < today
    )
    return condition if overdue else not_(condition)


def actions_for(notice: SupervisionNotice, user: User) -> list[str]:
    """The steps of the state table the user may take on the notice now."""
    if user.role not in NOTICE_ROLES:
        return []
    return [step.name for step in STEPS if allowed(step.name, notice.status)]


def _not_future(day: date | None, today: date, name: str) -> None:
    if day is not None and day > today:
        raise ValidationFailed({name: [NOT_IN_FUTURE]})


def _check_step(notice: SupervisionNotice, step: str) -> None:
    if not allowed(step, notice.status):
        raise Conflict(
            Message(
                N_("The notice is %(status)s: that step is not open now."),
                status=notice.status.label,
            )
        )


def create_notice(user: User, payload: dict, *, now: datetime | None = None) -> SupervisionNotice:
    """Issue a notice: the issuing union (the user's, or one of their subtree), the enterprise
    in their area, the linked cases in their scope and of that enterprise."""
    now = ensure_utc(now or utcnow())
    _require_staff(user)
    data = load_payload(SupervisionNoticeCreateSchema, payload)
    _not_future(data["issued_on"], local_date(now), "issued_on")
    with transaction():
        org_id = data.pop("organization_id", None) or user.organization_id
        if user.role != Role.admin and org_id not in scope_org_ids(user):
            raise ValidationFailed(
                {"organization_id": [N_("Not an organization you may act for.")]}
            )
        try:
            get_organization(org_id)
        except NotFound:
            raise ValidationFailed({"organization_id": [N_("Unknown organization.")]}) from None
        try:
            enterprise = get_visible_enterprise(user, data.pop("enterprise_id"))
        except NotFound:
            raise ValidationFailed({"enterprise_id": [N_("Unknown enterprise.")]}) from None
        cases = []
        for case_id in dict.fromkeys(data.pop("case_ids", [])):
            try:
                case = get_visible_case(user, case_id)
            except NotFound:
                raise ValidationFailed({"case_ids": [Message(UNKNOWN_CASE, id=case_id)]}) from None
            if case.enterprise_id != enterprise.id:
                raise ValidationFailed({"case_ids": [Message(OTHER_ENTERPRISE_CASE, id=case_id)]})
            cases.append(case)
        notice = SupervisionNotice(
            organization_id=org_id,
            enterprise=enterprise,
            issued_by_id=user.id,
            status=NoticeStatus.issued,
            created_at=now,
            updated_at=now,
            version=1,
            cases=cases,
            **data,
        )
        db.session.add(notice)
        db.session.flush()
        signals.supervision_notice_changed.send(notice, now=now)
    return notice


def record_reply(
    notice_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> SupervisionNotice:
    """The enterprise's written reply, as the union received it (date and text)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        notice = get_visible_notice(user, notice_id, for_update=True)
        data = load_payload(NoticeReplySchema, payload)
        _check_step(notice, "reply")
        _not_future(data["reply_on"], local_date(now), "reply_on")
        if data["reply_on"] < notice.issued_on:
            raise ValidationFailed({"reply_on": [N_("Must not be before the notice's date.")]})
        notice.reply_on = data["reply_on"]
        notice.reply_text = data["reply_text"]
        notice.reply_recorded_by_id = user.id
        notice.status = NoticeStatus.replied
        notice.version += 1
        notice.updated_at = now
        db.session.flush()
        signals.supervision_notice_changed.send(notice, now=now)
    return notice


def verify(
    notice_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> SupervisionNotice:
    """The union checked the rectification: done (the overdue alert resolves) or not done (the
    alert stays, or comes once the deadline passes)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        notice = get_visible_notice(user, notice_id, for_update=True)
        data = load_payload(NoticeVerifySchema, payload)
        _check_step(notice, "verify")
        notice.rectified = data["rectified"]
        notice.verification_note = data.get("note")
        notice.verified_at = now
        notice.verified_by_id = user.id
        notice.status = NoticeStatus.verified if data["rectified"] else NoticeStatus.not_rectified
        notice.version += 1
        notice.updated_at = now
        db.session.flush()
        signals.supervision_notice_changed.send(notice, now=now)
    return notice


def check_staff(user: User) -> None:
    """Pages that change nothing but belong to the register (404 for anyone else)."""
    _require_staff(user)
