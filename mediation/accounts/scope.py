"""The organizations a user's scope covers (their organization's subtree), loaded with the user
and remembered for the request. Which cases that makes visible is `cases.scope`."""

from __future__ import annotations

import json

from flask import g, has_app_context, has_request_context
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from mediation.accounts.models import Role, User
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


def remember_scope(org_id: int | None, ids, *, outside_request: bool = False) -> None:
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


def can_see_org(user: User, org_id: int) -> bool:
    """May this user act for (handle cases in) the organization `org_id`?"""
    if user.role == Role.admin:
        return True
    if user.role == Role.advocate:
        return False
    return org_id in scope_org_ids(user)
