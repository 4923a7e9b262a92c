"""Which cases a user may see: the case half of the scope rules (docs/architecture.md
"Scope"). The organizations a user's scope covers are `accounts.scope`'s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import has_request_context, request
from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, false, or_, select

from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases.models import Case, case_advocates
from mediation.core.db import literal_parameter
from mediation.core.errors import NotFound, PermissionDenied
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
    if shape == "subtree_read":
        # the subtree's cases, and those taken over from it (`taken_over_ids`): the ids as a
        # list, so that both arms stay index scans (docs/case-list.md "Taken-over cases")
        return or_(
            Case.handling_org_id.in_(value("scope_org_ids", scope_org_ids, expanding=True)),
            Case.id.in_(value("scope_case_ids", taken_over_ids, expanding=True)),
        )
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


def taken_over_ids(user: User) -> list[int]:
    """The cases that originated in the user's subtree and that a union above it has taken
    over: read-only to the unions of their path (docs/security.md "Read-only access after a
    take-over"). Read once per request, from the partial index on `origin_org_id`."""
    if scope_shape(user) != "subtree":
        return []
    # once per request (its environ: `g` may outlive a request where an app context is kept)
    cache = (
        request.environ.setdefault("mediation.taken_over_ids", {}) if has_request_context() else {}
    )
    if user.id not in cache:
        org_ids = scope_org_ids(user)
        cache[user.id] = list(
            db.session.scalars(
                select(Case.id)
                .where(Case.origin_org_id.in_(org_ids), Case.handling_org_id.not_in(org_ids))
                .order_by(Case.id)
            )
        )
    return cache[user.id]


def read_scope_shape(user: User) -> str:
    """`scope_shape` for reading: an officer's or mediator's subtree with the cases taken over
    from it, when there are any ("subtree_read")."""
    shape = scope_shape(user)
    if shape == "subtree" and taken_over_ids(user):
        return "subtree_read"
    return shape


def read_scope_parameters(user: User) -> dict:
    """The values of `scope_condition(read_scope_shape(user), None)`'s parameters."""
    parameters = scope_parameters(user)
    if read_scope_shape(user) == "subtree_read":
        parameters["scope_case_ids"] = taken_over_ids(user)
    return parameters


def is_read_only(user: User, case: Case) -> bool:
    """Whether `case`, which the user may read, is one taken over from their subtree: they may
    read it, not change it."""
    return case.id in taken_over_ids(user) and not _in_write_scope(user, case)


def _in_write_scope(user: User, case: Case) -> bool:
    shape = scope_shape(user)
    if shape == "subtree":
        return case.handling_org_id in scope_org_ids(user)
    return shape == "all"


def get_readable_case(user: User, case_id: int) -> tuple[Case, bool]:
    """The case if the user may read it, and whether it is read-only to them (taken over from
    their subtree); otherwise NotFound."""
    try:
        return get_visible_case(user, case_id), False
    except NotFound:
        if case_id not in taken_over_ids(user):
            raise
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("Case not found.")
    return case, True


def visible_cases(user: User) -> Select:
    """`SELECT Case` limited to the user's scope; callers add filters and ordering."""
    return scope_filter(select(Case), user)


def get_visible_case(
    user: User, case_id: int, *, for_update: bool = False, writing: bool = False
) -> Case:
    """The case if the user may see it; otherwise NotFound, same as a missing case. For a
    change (`for_update`, or `writing` for a check before the service), a case taken over from
    the user's union, which they may read, is PermissionDenied (403), not 404."""
    stmt = scope_filter(select(Case).where(Case.id == case_id), user)
    if for_update:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    case = db.session.scalar(stmt)
    if case is None:
        if (for_update or writing) and case_id in taken_over_ids(user):
            # a change asked of a case read-only to the user: they see it, so not 404
            raise PermissionDenied(
                "The case was taken over by a higher union; your union may read it but no "
                "longer change it."
            )
        raise NotFound("Case not found.")
    return case
