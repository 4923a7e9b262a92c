"""Which cases a user may see: the case half of the scope rules (docs/architecture.md
"Scope"). The organizations a user's scope covers are `accounts.scope`'s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, false, select

from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases.models import Case, case_advocates
from mediation.core.db import literal_parameter
from mediation.core.errors import NotFound
from mediation.extensions import db


def scope_filter(stmt: Select, user: User) -> Select:
    """Restrict a SELECT over Case to the cases `user` may see (docs/architecture.md "Scope")."""
    condition = scope_condition(scope_shape(user), user)
    return stmt if condition is None else stmt.where(condition)


def scope_shape(user: User) -> str:
    """Which form the user's scope takes: every case, the cases of an organization subtree,
    the cases assigned to them, or none."""
    if user.role == Role.admin:
        return "all"
    if user.role in (Role.officer, Role.mediator):
        return "subtree"
    if user.role == Role.advocate:
        return "assigned"
    return "none"


def scope_condition(shape: str, user: User | None) -> ColumnElement[bool] | None:
    """The condition on Case of a scope of that shape (None: no condition), with `user`'s
    values in it; without a user, with named parameters instead, to be given at execution by
    `scope_parameters`: a statement built once serves every user whose scope has that shape."""

    def value(name: str, of_user: Callable[[User], Any], **kw: Any) -> BindParameter:
        if user is None:  # written into the SQL: the list's plan is kept per scope
            return literal_parameter(name, type_=None, **kw)
        return bindparam(name, of_user(user), unique=True, **kw)

    if shape == "all":
        return None
    if shape == "subtree":
        # the subtree's ids as a list (a town and its grassroots unions: a dozen), not the
        # recursive CTE inline: PostgreSQL cannot estimate the CTE's rows and then sorts a whole
        # town's cases instead of walking the (received_at, id) index for a page of 50
        return Case.handling_org_id.in_(value("scope_org_ids", scope_org_ids, expanding=True))
    if shape == "assigned":
        assigned = select(case_advocates.c.case_id).where(
            case_advocates.c.user_id == value("scope_user_id", lambda u: u.id)
        )
        return Case.id.in_(assigned)
    return false()


def scope_parameters(user: User) -> dict:
    """The values of `scope_condition(scope_shape(user), None)`'s parameters for `user`."""
    shape = scope_shape(user)
    if shape == "subtree":
        return {"scope_org_ids": scope_org_ids(user)}
    if shape == "assigned":
        return {"scope_user_id": user.id}
    return {}


def visible_cases(user: User) -> Select:
    """`SELECT Case` limited to the user's scope; callers add filters and ordering."""
    return scope_filter(select(Case), user)


def get_visible_case(user: User, case_id: int, *, for_update: bool = False) -> Case:
    """The case if the user may see it; otherwise NotFound, same as a missing case."""
    stmt = scope_filter(select(Case).where(Case.id == case_id), user)
    if for_update:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    case = db.session.scalar(stmt)
    if case is None:
        raise NotFound("Case not found.")
    return case
