"""Queries over the organization tree."""

from __future__ import annotations

import functools
import re

from sqlalchemy import BindParameter, Select, bindparam, inspect, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from mediation.core.db import transaction
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.messages import N_, Message
from mediation.extensions import db
from mediation.orgs.models import CHILD_TIER, Organization, Tier


def subtree_ids_select(root_id: int | BindParameter[int], *, name: str = "org_tree") -> Select:
    """A SELECT of the ids of `root_id` and all its descendants (recursive CTE, any depth).
    Give a distinct `name` when one statement needs two subtrees (scope and a filter)."""
    tree = select(Organization.id).where(Organization.id == root_id).cte(name, recursive=True)
    tree = tree.union_all(select(Organization.id).where(Organization.parent_id == tree.c.id))
    return select(tree.c.id)


def subtree_ids(root_id: int) -> set[int]:
    return set(db.session.scalars(subtree_ids_select(root_id)))


def with_ancestors(org_id: int) -> list[Organization]:
    """The organization `org_id` and those above it, nearest first ([] when there is none):
    from the session when all of them are loaded, otherwise with one recursive query (which
    also sets their `parent`)."""
    chain: list[Organization] = []
    identity = db.session.identity_map
    current: int | None = org_id
    while current is not None:
        org = identity.get(identity_key(Organization, current))
        if org is None or "parent_id" not in inspect(org).dict:  # not loaded, or expired
            break
        chain.append(org)
        current = org.parent_id
    else:
        return chain
    orgs = {o.id: o for o in db.session.scalars(_ancestors_statement(), {"org_id": org_id})}
    chain, current = [], org_id
    while current is not None and current in orgs:
        chain.append(orgs[current])
        current = orgs[current].parent_id
    for org in chain:  # linked: holding the first keeps the others in the session
        if "parent" not in inspect(org).dict:
            set_committed_value(org, "parent", orgs.get(org.parent_id))
    return chain


@functools.cache
def _ancestors_statement() -> Select:
    """The organization `:org_id` and those above it (a recursive CTE), built once: building
    it cost more than running it, and every new case asks it."""
    start = select(Organization.id, Organization.parent_id).where(
        Organization.id == bindparam("org_id")
    )
    up = start.cte("org_chain", recursive=True)
    up = up.union_all(
        select(Organization.id, Organization.parent_id).where(Organization.id == up.c.parent_id)
    )
    return select(Organization).where(Organization.id.in_(select(up.c.id)))


def get_by_code(code: str) -> Organization | None:
    return db.session.scalar(select(Organization).where(Organization.code == code))


def organizations_in_subtree(root_id: int) -> list[Organization]:
    return organizations_by_ids(subtree_ids_select(root_id))


def organization_choices(ids: list[int] | None) -> list[tuple[int, str]]:
    """`(id, name)` of the organizations with these ids (all of them for None), by code: a
    filter's choices, read as rows rather than as objects. Sorted here, not by the database,
    so that the order is the codes' whatever the database's collation (the scope's
    organizations, which come with the signed-in user, are sorted the same way)."""
    stmt = select(Organization.id, Organization.code, Organization.name)
    if ids is not None:
        stmt = stmt.where(Organization.id.in_(ids))
    rows = sorted(db.session.execute(stmt), key=lambda row: row.code)
    return [(row.id, row.name) for row in rows]


def organizations_by_ids(ids: list[int] | Select) -> list[Organization]:
    """The organizations with these ids (a list, or a SELECT of them), by code."""
    return list(
        db.session.scalars(
            select(Organization).where(Organization.id.in_(ids)).order_by(Organization.code)
        )
    )


# --- administration -------------------------------------------------------------------------------

CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
NAME_MAX = 200


def all_organizations() -> list[Organization]:
    """Every organization, each followed by its children (tree order), with a `depth`."""
    orgs = list(db.session.scalars(select(Organization).order_by(Organization.code)))
    children: dict[int | None, list[Organization]] = {}
    for org in orgs:
        children.setdefault(org.parent_id, []).append(org)
    ordered: list[Organization] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for org in children.get(parent_id, []):
            org.depth = depth
            ordered.append(org)
            walk(org.id, depth + 1)

    walk(None, 0)
    return ordered


def get_organization(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("Organization not found.")
    return org


def _name_errors(name: str) -> list[str]:
    if not name:
        return [N_("Enter a name.")]
    if len(name) > NAME_MAX:
        return [Message("At most %(n)s characters.", n=NAME_MAX)]
    return []


def create_organization(
    *, code: str, name: str, tier: str, parent_id: int | str | None
) -> Organization:
    """A new town (under the city) or grassroots union (under a town), with a unique code.
    Bad input raises `ValidationFailed` with a message per field and writes nothing."""
    code = (code or "").strip().upper()
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.fullmatch(code):
        errors["code"] = [
            N_("Use 1–32 capital letters, digits or '-', starting with a letter or digit.")
        ]
    elif get_by_code(code) is not None:
        errors["code"] = [Message("The code %(code)s is taken.", code=code)]
    if name_errors := _name_errors(name):
        errors["name"] = name_errors
    try:
        tier_value = Tier(tier)
    except ValueError:
        tier_value = None
    if tier_value not in (Tier.town, Tier.grassroots):
        errors["tier"] = [N_("Choose town or grassroots union.")]
    parent = org_by_id(parent_id)
    if parent is None:
        errors["parent_id"] = [N_("Choose the parent organization.")]
    elif tier_value in (Tier.town, Tier.grassroots) and CHILD_TIER.get(parent.tier) != tier_value:
        errors["parent_id"] = [
            N_("A town's parent is the city; a grassroots union's parent is a town.")
        ]
    if errors:
        raise ValidationFailed(errors)
    assert parent is not None  # (refused above)
    with transaction():
        org = Organization(code=code, name=name, tier=tier_value, parent_id=parent.id)
        db.session.add(org)
    return org


def rename_organization(
    org_id: int,
    name: str,
    *,
    committee_name: str | None = None,
    arbitration_commission: str | None = None,
) -> Organization:
    """The organization's name and the names its documents carry (its mediation committee;
    a city's arbitration commission). None leaves a document name as it is; blank goes back
    to the name derived from the organization's (`Organization.mediation_committee`)."""
    name = (name or "").strip()
    with transaction():
        org = db.session.get(Organization, org_id, with_for_update=True)
        if org is None:
            raise NotFound("Organization not found.")
        errors: dict[str, list] = {}
        if name_errors := _name_errors(name):
            errors["name"] = name_errors
        names = {"committee_name": committee_name, "arbitration_commission": arbitration_commission}
        if org.tier != Tier.city and arbitration_commission:
            errors["arbitration_commission"] = [N_("Only a city names its arbitration commission.")]
        for field, value in names.items():
            if value is not None and len(value.strip()) > NAME_MAX:
                errors[field] = [Message("At most %(n)s characters.", n=NAME_MAX)]
        if errors:
            raise ValidationFailed(errors)
        org.name = name
        for field, value in names.items():
            if value is not None:
                setattr(org, field, value.strip() or None)
    return org


def org_by_id(org_id: int | str | None) -> Organization | None:
    try:
        value = int(org_id)  # type: ignore[arg-type]  # (None: the TypeError below)
    except (TypeError, ValueError):
        return None
    if not 1 <= value < 2**31:
        return None
    return db.session.get(Organization, value)
