"""Who works a case and who is above it: assigning mediators and advocates, and the take-over
of a case by a union higher up the tree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.cases import schemas
from mediation.cases.access import (
    CASE_WRITERS,
    SUPERVISORS,
    announce_change,
    check_version,
    load_payload,
    lock_case,
    require_role,
)
from mediation.cases.enums import OPEN_STATES, EventKind
from mediation.cases.models import (
    Case,
    case_advocates,
)
from mediation.cases.timeline import append_event, diff, snapshot
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import Message
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select


def eligible_mediators(case: Case) -> list[User]:
    """Active mediators who can see the case: at its handling org or an ancestor of it."""
    org_ids: list[int] = []
    org: Organization | None = case.handling_org
    while org is not None:
        org_ids.append(org.id)
        org = org.parent
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.mediator, User.active.is_(True), User.organization_id.in_(org_ids)
            )
            .order_by(User.display_name)
        )
    )


def eligible_advocates(case: Case) -> list[User]:
    """Active advocates of the area (the handling org's town subtree), suggested in order: those
    of the case's own organization first, then the least loaded (open cases assigned), so the
    assignment form offers the nearest free advocate first (docs/worker-services.md)."""
    area = case.handling_org.ancestor_at(Tier.town)
    load = (
        select(func.count())
        .select_from(case_advocates.join(Case, Case.id == case_advocates.c.case_id))
        .where(case_advocates.c.user_id == User.id, Case.state.in_(OPEN_STATES))
        .correlate(User)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.advocate,
                User.active.is_(True),
                User.organization_id.in_(subtree_ids_select(area.id)),
            )
            .order_by((User.organization_id != case.handling_org_id), load, User.display_name)
        )
    )


def assign_advocate(
    case_id: int, user: User, advocate_id: int, *, now: datetime | None = None
) -> Case:
    now = ensure_utc(now or utcnow())
    with transaction():
        case = lock_case(user, case_id)
        require_role(user, CASE_WRITERS, "assign advocates")
        if not case.is_open:
            raise Conflict("Advocates cannot be assigned to a closed case.")
        advocate = next((a for a in eligible_advocates(case) if a.id == advocate_id), None)
        if advocate is None:
            raise ValidationFailed({"user_id": ["Not an active advocate of this area."]})
        if advocate in case.advocates:
            raise Conflict(Message("%(name)s is already assigned.", name=advocate.display_name))
        # the advocates' team may refuse one not yet trained (signals.advocate_assigning)
        signals.advocate_assigning.send(case, advocate=advocate, now=now)
        db.session.execute(
            case_advocates.insert().values(case_id=case.id, user_id=advocate.id, assigned_at=now)
        )
        append_event(
            case, EventKind.assignment, user, now,
            body=advocate.display_name, data={"advocate_added": advocate.id},
        )  # fmt: skip
        signals.case_assigned.send(case, assignee=advocate, role="advocate", user=user, now=now)
    db.session.expire(case, ["advocates"])
    return case


def unassign_advocate(
    case_id: int, user: User, advocate_id: int, *, now: datetime | None = None
) -> Case:
    now = ensure_utc(now or utcnow())
    with transaction():
        case = lock_case(user, case_id)
        require_role(user, CASE_WRITERS, "assign advocates")
        advocate = next((a for a in case.advocates if a.id == advocate_id), None)
        if advocate is None:
            raise NotFound("That advocate is not assigned to this case.")
        db.session.execute(
            case_advocates.delete().where(
                case_advocates.c.case_id == case.id, case_advocates.c.user_id == advocate.id
            )
        )
        append_event(
            case, EventKind.assignment, user, now,
            body=advocate.display_name, data={"advocate_removed": advocate.id},
        )  # fmt: skip
    db.session.expire(case, ["advocates"])
    return case


def assign_mediator(
    case_id: int,
    user: User,
    payload: dict,
    *,
    now: datetime | None = None,
) -> Case:
    """(Re)assign an open case's mediator among `eligible_mediators`; `payload["version"]` must
    match. Checks: scope (404) → role (403) → stale version or closed case (409) → mediator (422).
    """
    now = ensure_utc(now or utcnow())
    with transaction():
        case = lock_case(user, case_id)
        require_role(user, CASE_WRITERS, "assign mediators")
        data = load_payload(schemas.AssignMediatorSchema, payload)
        check_version(case, data["version"])
        if not case.is_open:
            raise Conflict("A closed case's mediator cannot be changed; reopen it first.")
        mediator = next((m for m in eligible_mediators(case) if m.id == data["mediator_id"]), None)
        if mediator is None:
            raise ValidationFailed(
                {"mediator_id": ["Not an active mediator who can see this case."]}
            )
        if case.mediator_id == mediator.id:
            raise ValidationFailed({"mediator_id": ["Already the case's mediator."]})
        before = case.mediator_id
        case.mediator_id, case.mediator = mediator.id, mediator
        case.updated_at = now
        append_event(
            case, EventKind.assignment, user, now,
            body=mediator.display_name, data={"mediator_id": [before, mediator.id]},
        )  # fmt: skip
        announce_change(case, EventKind.assignment, now)
        signals.case_assigned.send(case, assignee=mediator, role="mediator", user=user, now=now)
    return case


def ancestors_of(org: Organization) -> list[Organization]:
    """The organizations above `org`, nearest first."""
    chain, parent = [], org.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return chain


def take_over(case_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Case:
    """An officer (or administrator) moves an open case to their own organization, which must
    be above the case's handling organization. The supervising tier is at least the new org's;
    a mediator who cannot see the new organization is unassigned; the warning rules run again
    (the hooks) so alerts follow the case. Version-checked like a transition."""
    now = ensure_utc(now or utcnow())
    with transaction():
        case = lock_case(user, case_id)
        require_role(user, SUPERVISORS, "take cases over")
        data = load_payload(schemas.TakeoverSchema, payload)
        check_version(case, data["version"])
        if not case.is_open:
            raise Conflict("A closed case cannot be taken over; reopen it first.")
        old_org = case.handling_org
        if user.organization_id == old_org.id:
            raise Conflict("The case is already handled by your organization.")
        new_org = next((o for o in ancestors_of(old_org) if o.id == user.organization_id), None)
        if new_org is None:
            raise PermissionDenied(
                "Your organization is not above the case's handling organization."
            )
        before = snapshot(case, ("handling_org_id", "tier", "mediator_id"))
        if case.origin_org_id is None:
            # the unions of its path keep reading it (docs/security.md "Read-only access after
            # a take-over"); a second take-over keeps the first origin
            case.origin_org_id, case.origin_org = old_org.id, old_org
        origin = case.origin_org or old_org
        # the unions from the origin up to, not including, the one that takes over: their
        # officers are told (docs/notifications.md "Who hears of what")
        path_org_ids: list[int] = []
        node: Organization | None = origin
        while node is not None and node.id != new_org.id:
            path_org_ids.append(node.id)
            node = node.parent
        case.handling_org_id, case.handling_org = new_org.id, new_org
        case.tier = max(Tier(case.tier), new_org.tier, key=lambda t: t.rank)
        if case.mediator is not None:
            mediator_org = case.mediator.organization_id
            if mediator_org != new_org.id and mediator_org not in {
                o.id for o in ancestors_of(new_org)
            }:
                case.mediator_id, case.mediator = None, None
        case.updated_at = now
        changes = diff(before, snapshot(case, ("handling_org_id", "tier", "mediator_id")))
        append_event(
            case, EventKind.takeover, user, now,
            body=data["reason"],
            data={**changes, "from_org": old_org.name, "to_org": new_org.name},
        )  # fmt: skip
        announce_change(case, EventKind.takeover, now)
        signals.case_taken_over.send(
            case, from_org=old_org, previous_mediator_id=before["mediator_id"], user=user,
            now=now, path_org_ids=path_org_ids,
        )  # fmt: skip
    return case


# the most cases one bulk assignment takes (a page of the list is 50)
MAX_BULK_CASES = 200


def assign_mediator_bulk(
    user: User,
    mediator_id: int,
    versions: dict[int, int | None],
    *,
    now: datetime | None = None,
) -> list[Case]:
    """Assign one mediator to several cases, all or nothing (docs/case-list.md, "Bulk
    assignment"). `versions` maps each case's id to the version the caller saw (None: the
    current one, for an API caller that sends ids alone). Each case goes through
    `assign_mediator` inside one outer transaction: a case out of scope is `NotFound` (404,
    nothing written); any other refusal is collected, and if there is one the whole transaction
    is rolled back and `ValidationFailed` lists the refusals per case id."""
    now = ensure_utc(now or utcnow())
    require_role(user, CASE_WRITERS, "assign mediators")
    if not versions:
        raise ValidationFailed({"case_ids": ["Choose at least one case."]})
    if len(versions) > MAX_BULK_CASES:
        raise ValidationFailed(
            {"case_ids": [Message("At most %(num)d cases at once.", num=MAX_BULK_CASES)]}
        )
    errors: dict[str, list] = {}
    done: list[Case] = []
    with transaction():
        for case_id, version in versions.items():
            try:
                if version is None:
                    version = lock_case(user, case_id).version
                done.append(
                    assign_mediator(
                        case_id, user, {"mediator_id": mediator_id, "version": version}, now=now
                    )
                )
            except NotFound:
                raise
            except (ValidationFailed, Conflict, PermissionDenied) as exc:
                errors[str(case_id)] = [m for msgs in exc.fields.values() for m in msgs] or [
                    exc.message
                ]
        if errors:
            raise ValidationFailed({"cases": errors}, "No case was assigned.")
    return done
