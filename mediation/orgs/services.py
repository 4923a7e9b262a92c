"""Queries over the organization tree."""

from __future__ import annotations

from sqlalchemy import Select, select

from mediation.extensions import db
from mediation.orgs.models import Organization


def subtree_ids_select(root_id: int, *, name: str = "org_tree") -> Select:
    """A SELECT of the ids of `root_id` and all its descendants (recursive CTE, any depth).
    Give a distinct `name` when one statement needs two subtrees (scope and a filter)."""
    tree = select(Organization.id).where(Organization.id == root_id).cte(name, recursive=True)
    tree = tree.union_all(select(Organization.id).where(Organization.parent_id == tree.c.id))
    return select(tree.c.id)


def subtree_ids(root_id: int) -> set[int]:
    return set(db.session.scalars(subtree_ids_select(root_id)))


def get_by_code(code: str) -> Organization | None:
    return db.session.scalar(select(Organization).where(Organization.code == code))


def organizations_in_subtree(root_id: int) -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization)
            .where(Organization.id.in_(subtree_ids_select(root_id)))
            .order_by(Organization.code)
        )
    )
