"""Referrals between unions: a report against an employer registered in another union's area
is registered and handed to that area's union, which accepts it (the case moves into its area)
or declines it (docs/referrals.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases.access import CASE_WRITERS, announce_change
from mediation.cases.enums import EventKind
from mediation.cases.models import Case, CaseReferral, ReferralStatus
from mediation.cases.timeline import append_event, diff, snapshot
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.i18n import _, stored_text
from mediation.core.messages import Message
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier

# a note is a paragraph, not a file
MAX_NOTE = 2000

DECISIONS = {"accept": ReferralStatus.accepted, "decline": ReferralStatus.declined}


def employer_area(enterprise: Enterprise) -> Organization:
    """The union of the employer's area: the town (or street) union above the organization it
    is registered under, the city for one registered at the city."""
    return enterprise.organization.ancestor_at(Tier.town)


def other_area_enterprise(user: User, enterprise: Enterprise) -> bool:
    """Whether `enterprise` is registered outside the user's scope (another union's area)."""
    if user.role == Role.admin:
        return False
    return enterprise.organization_id not in scope_org_ids(user)


def _note(value: object, field: str) -> str:
    note = str(value or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed({field: [Message("At most %(n)s characters.", n=MAX_NOTE)]})
    return note


def open_referral(case: Case, user: User, note: str, now: datetime) -> CaseReferral:
    """Hand `case` to its employer's area union, inside the caller's transaction (the intake
    that registered it): a pending referral and an event on the case's timeline."""
    to_org = employer_area(case.enterprise)
    if to_org.id == case.handling_org_id:
        raise ValidationFailed({"refer_to_area": ["The employer is in your own area."]})
    referral = CaseReferral(
        case_id=case.id, from_org_id=case.handling_org_id, to_org_id=to_org.id,
        note=_note(note, "referral_note"), status=ReferralStatus.pending,
        created_by_id=user.id, created_at=now,
    )  # fmt: skip
    db.session.add(referral)
    db.session.flush()
    with stored_text():
        body = _("Referred to %(org)s, the union of the employer's area", org=to_org.name)
    append_event(
        case, EventKind.assignment, user, now,
        body=body + (f"\n{referral.note}" if referral.note else ""),
        data={"referral_id": referral.id, "referral": "sent", "to_org": to_org.name},
    )  # fmt: skip
    return referral


def visible_referrals(user: User) -> Select[Any]:
    """The referrals sent or received by the unions of the user's scope, newest first (all for
    an administrator, none for an advocate)."""
    stmt = select(CaseReferral).order_by(CaseReferral.id.desc())
    if user.role == Role.admin:
        return stmt
    if user.role not in CASE_WRITERS:
        return stmt.where(CaseReferral.id.is_(None))
    org_ids = scope_org_ids(user)
    return stmt.where(
        or_(CaseReferral.from_org_id.in_(org_ids), CaseReferral.to_org_id.in_(org_ids))
    )


def get_visible_referral(user: User, referral_id: int) -> CaseReferral:
    referral: CaseReferral | None = db.session.scalar(
        visible_referrals(user).where(CaseReferral.id == referral_id)
    )
    if referral is None:
        raise NotFound("Referral not found.")
    return referral


def can_decide(user: User, referral: CaseReferral) -> bool:
    """The receiving union (an officer or mediator whose scope holds it) decides a pending one."""
    if referral.status != ReferralStatus.pending or user.role not in CASE_WRITERS:
        return False
    return user.role == Role.admin or referral.to_org_id in scope_org_ids(user)


def decide_referral(
    referral_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> CaseReferral:
    """The receiving union accepts (the case moves into its area: its handling organization,
    tier, and a mediator who cannot see it unassigned) or declines (the case stays) a pending
    referral, with a note; an event on the case's timeline either way. Checks: scope (404), the
    receiving union's role (403 as Conflict when already decided: 409), decision (422)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        referral = get_visible_referral(user, referral_id)
        decision = DECISIONS.get(str((payload or {}).get("decision") or ""))
        note = _note((payload or {}).get("note"), "note")
        if referral.status != ReferralStatus.pending:
            raise Conflict("The referral was already answered.")
        if not can_decide(user, referral):
            raise PermissionDenied("Only the receiving union may answer a referral.")
        if decision is None:
            raise ValidationFailed({"decision": ["Choose accept or decline."]})
        case = db.session.scalar(
            select(Case)
            .where(Case.id == referral.case_id)
            .with_for_update(of=Case)
            .execution_options(populate_existing=True)
        )
        if case is None:
            raise NotFound("Case not found.")
        referral.status, referral.decided_by_id, referral.decided_at = decision, user.id, now
        referral.decision_note = note or None
        to_org = referral.to_org
        data: dict = {"referral_id": referral.id, "referral": decision.value}
        if decision == ReferralStatus.accepted:
            if not case.is_open:
                raise Conflict("A closed case cannot move; reopen it first.")
            before = snapshot(case, ("handling_org_id", "tier", "mediator_id"))
            case.handling_org_id, case.handling_org = to_org.id, to_org
            case.tier = to_org.tier
            case.origin_org_id, case.origin_org = None, None
            if case.mediator is not None and case.mediator.organization_id not in _path_of(to_org):
                case.mediator_id, case.mediator = None, None
            case.updated_at = now
            data |= diff(before, snapshot(case, ("handling_org_id", "tier", "mediator_id")))
            with stored_text():
                body = _("Referral accepted by %(org)s", org=to_org.name)
        else:
            with stored_text():
                body = _("Referral declined by %(org)s", org=to_org.name)
        append_event(
            case, EventKind.assignment, user, now,
            body=body + (f"\n{note}" if note else ""), data=data,
        )  # fmt: skip
        if decision == ReferralStatus.accepted:
            announce_change(case, EventKind.assignment, now)
    return referral


def _path_of(org: Organization) -> set[int]:
    ids: set[int] = set()
    node: Organization | None = org
    while node is not None:
        ids.add(node.id)
        node = node.parent
    return ids
