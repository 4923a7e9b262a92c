"""The one scope rule: which cases a user may see. Every view and service asks this module."""

from __future__ import annotations

import json

from flask import g, has_app_context, has_request_context
from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, false, func, select
from sqlalchemy.orm import aliased

from mediation.accounts.models import Role, User
from mediation.cases.models import Case, case_advocates
from mediation.core.db import written_in
from mediation.core.errors import NotFound
from mediation.extensions import db
from mediation.orgs.models import Organization
from mediation.orgs.services import subtree_ids_select


def scope_org_ids(user: User) -> list[int]:
    """The ids of the user's organization and all below it: their scope's organizations.

    Looked up once per request (and not at all when the request's authentication already
    brought them, see `remember_scope`); outside a request, every time, unless the application
    context was handed a request's scope (`remember_scope(..., outside_request=True)`)."""
    if has_request_context():
        cache = g.setdefault("_scope_org_ids", {})
    else:
        cache = g.get("_scope_org_ids", {}) if has_app_context() else {}
    ids = cache.get(user.organization_id)
    if ids is None:
        ids = cache[user.organization_id] = sorted(
            db.session.scalars(subtree_ids_select(user.organization_id))
        )
    return ids


def remember_scope(org_id: int, ids, *, outside_request: bool = False) -> None:
    """Keep the subtree ids that came with the user's row for the rest of this request (or,
    `outside_request`, of this application context: a worker thread doing part of a request's
    work with the scope that request read). `ids` is what `subtree_ids_column` read: with
    `names`, the organizations' names are kept too (`scope_organizations`)."""
    if ids is None:
        return
    if has_request_context() or (outside_request and has_app_context()):
        if isinstance(ids, str) and ids.startswith("["):  # SQLite's json_group_array
            ids = json.loads(ids)
        elif isinstance(ids, str):  # SQLite: group_concat's "1,2,3"
            ids = [int(part) for part in ids.split(",")]
        if ids and isinstance(ids[0], list):  # [id, code, name] of each organization
            named = sorted(ids, key=lambda org: org[1])
            g.setdefault("_scope_organizations", {})[org_id] = [(i, name) for i, _c, name in named]
            ids = [org[0] for org in named]
        g.setdefault("_scope_org_ids", {})[org_id] = sorted(ids)


def scope_organizations(user: User) -> list[tuple[int, str]]:
    """`(id, name)` of the organizations of the user's scope, by code: from the user's lookup
    when it brought them (the session's does), otherwise read now."""
    known = (
        g.get("_scope_organizations", {}).get(user.organization_id) if has_app_context() else None
    )
    if known is not None:
        return known
    from mediation.orgs.services import organization_choices

    return organization_choices(scope_org_ids(user))


def forget_scopes() -> None:
    """Each request looks its scopes up afresh (an app context may outlive one request)."""
    g.pop("_scope_org_ids", None)
    g.pop("_scope_organizations", None)


def subtree_ids_column(org_id_column, dialect: str, *, names: bool = False):
    """A column of the ids of `org_id_column`'s organization and all below it, for a query
    that loads users: authentication brings the scope with the user, one statement instead of
    two on every request. An array on PostgreSQL, "1,2,3" text on SQLite. With `names`, a JSON
    array of `[id, code, name]` instead (the case list's organization filter shows them)."""
    tree = (
        select(Organization.id)
        .where(Organization.id == org_id_column)
        .correlate_except(Organization)  # `org_id_column` belongs to the enclosing query
        .cte("scope_tree", recursive=True, nesting=True)
    )
    below = select(Organization.id).where(Organization.parent_id == tree.c.id)
    tree = tree.union_all(below)
    if names:
        named = aliased(Organization, name="scope_org")
        array, aggregate = (
            (func.json_build_array, func.json_agg)
            if dialect == "postgresql"
            else (func.json_array, func.json_group_array)
        )
        return (
            select(aggregate(array(named.id, named.code, named.name)))
            .join_from(tree, named, named.id == tree.c.id)
            .scalar_subquery()
        )
    if dialect == "postgresql":
        return select(func.array_agg(tree.c.id)).scalar_subquery()
    return select(func.group_concat(tree.c.id)).scalar_subquery()


def scope_filter(stmt: Select, user: User) -> Select:
    """Restrict a SELECT over Case to the cases `user` may see (design.md §3)."""
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

    def value(name: str, of_user, **kw) -> BindParameter:
        if user is None:  # written into the SQL: the list's plan is kept per scope
            return written_in(name, type_=None, **kw)
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


def can_see_org(user: User, org_id: int) -> bool:
    """May this user act for (handle cases in) the organization `org_id`?"""
    if user.role == Role.admin:
        return True
    if user.role == Role.advocate:
        return False
    return org_id in scope_org_ids(user)


def get_visible_case(user: User, case_id: int, *, for_update: bool = False) -> Case:
    """The case if the user may see it; otherwise NotFound, same as a missing case."""
    stmt = scope_filter(select(Case).where(Case.id == case_id), user)
    if for_update:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    case = db.session.scalar(stmt)
    if case is None:
        raise NotFound("case not found")
    return case
