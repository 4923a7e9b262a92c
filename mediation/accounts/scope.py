"""The one scope rule: which cases a user may see. Every view and service asks this module."""

from __future__ import annotations

from sqlalchemy import Select, select

from mediation.accounts.models import Role, User
from mediation.cases.models import Case, case_advocates
from mediation.core.errors import NotFound
from mediation.extensions import db
from mediation.orgs.services import subtree_ids_select


def scope_filter(stmt: Select, user: User) -> Select:
    """Restrict a SELECT over Case to the cases `user` may see (design.md §3)."""
    if user.role == Role.admin:
        return stmt
    if user.role in (Role.officer, Role.mediator):
        # the subtree's ids as a list (a town and its grassroots unions: a dozen), not the
        # recursive CTE inline: PostgreSQL cannot estimate the CTE's rows and then sorts a whole
        # town's cases instead of walking the (received_at, id) index for a page of 50
        org_ids = sorted(db.session.scalars(subtree_ids_select(user.organization_id)))
        return stmt.where(Case.handling_org_id.in_(org_ids))
    if user.role == Role.advocate:
        assigned = select(case_advocates.c.case_id).where(case_advocates.c.user_id == user.id)
        return stmt.where(Case.id.in_(assigned))
    return stmt.where(False)


def visible_cases(user: User) -> Select:
    """`SELECT Case` limited to the user's scope; callers add filters and ordering."""
    return scope_filter(select(Case), user)


def can_see_org(user: User, org_id: int) -> bool:
    """May this user act for (handle cases in) the organization `org_id`?"""
    if user.role == Role.admin:
        return True
    if user.role == Role.advocate:
        return False
    return (
        db.session.scalar(
            select(True).where(subtree_ids_select(user.organization_id).subquery().c.id == org_id)
        )
        is True
    )


def get_visible_case(user: User, case_id: int, *, for_update: bool = False) -> Case:
    """The case if the user may see it; otherwise NotFound, same as a missing case."""
    stmt = scope_filter(select(Case).where(Case.id == case_id), user)
    if for_update:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    case = db.session.scalar(stmt)
    if case is None:
        raise NotFound("case not found")
    return case
