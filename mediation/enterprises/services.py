"""Enterprise registry: lookups in scope and registration."""

from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import Select, or_, select

from mediation.accounts.models import Role, User
from mediation.core.db import transaction
from mediation.core.errors import NotFound, PermissionDenied, ValidationFailed
from mediation.core.identifiers import normalize_credit_code
from mediation.core.messages import Message
from mediation.enterprises.models import Enterprise, Ownership
from mediation.enterprises.schemas import EnterpriseContactsSchema, EnterpriseInputSchema
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select


def visible_enterprises(user: User) -> Select:
    """Enterprises a user may pick for a case: those in the area of the user's town (or all,
    for admins and city staff)."""
    stmt = select(Enterprise)
    if user.role == Role.admin:
        return stmt
    area_root = user.organization.ancestor_at(Tier.town)
    if area_root.tier == Tier.city:
        return stmt
    return stmt.where(Enterprise.organization_id.in_(subtree_ids_select(area_root.id)))


def matching(stmt: Select, text: str) -> Select:
    """Enterprises whose name or credit code contains `text` (LIKE wildcards taken literally):
    the registry page, its search box and the API filter the same way."""
    from mediation.core.db import like_pattern

    return stmt.where(
        or_(
            Enterprise.name.ilike(like_pattern(text), escape="\\"),
            Enterprise.credit_code.ilike(like_pattern(text.upper()), escape="\\"),
        )
    )


def get_visible_enterprise(
    user: User, enterprise_id: int, *, for_update: bool = False
) -> Enterprise:
    """The enterprise, if `user` may see it; `for_update`: its row locked until the end of the
    transaction (PostgreSQL; SQLite serialises writers anyway)."""
    stmt = visible_enterprises(user).where(Enterprise.id == enterprise_id)
    if for_update:
        stmt = stmt.with_for_update(of=Enterprise)
    enterprise = db.session.scalar(stmt)
    if enterprise is None:
        raise NotFound("Enterprise not found.")
    return enterprise


def find_by_credit_code(code: str) -> Enterprise | None:
    return db.session.scalar(
        select(Enterprise).where(Enterprise.credit_code == normalize_credit_code(code))
    )


def _in_area(user: User, org_id: int) -> bool:
    """Is `org_id` an existing organization of the user's area (see `visible_enterprises`)?"""
    org = db.session.get(Organization, org_id)
    if org is None:
        return False
    if user.role == Role.admin:
        return True
    area_root = user.organization.ancestor_at(Tier.town)
    return area_root.tier == Tier.city or org_id in set(
        db.session.scalars(subtree_ids_select(area_root.id))
    )


def register_enterprise(data: dict, default_org: Organization, user: User) -> Enterprise:
    """Add an enterprise inside the caller's transaction (no commit here).

    A credit code that is already registered is an error on that field, not a silent reuse,
    so two different names never end up under one code.
    """
    code = normalize_credit_code(data["credit_code"])
    existing = find_by_credit_code(code)
    if existing is not None:
        visible = db.session.scalar(visible_enterprises(user).where(Enterprise.id == existing.id))
        message = (
            Message("Already registered as %(name)s; choose it instead.", name=existing.name)
            if visible is not None
            else "Already registered in another area; ask that area's union to handle the case."
        )
        raise ValidationFailed({"enterprise.credit_code": [message]})
    org_id = data.get("organization_id") or default_org.id
    if org_id != default_org.id and not _in_area(user, org_id):
        raise ValidationFailed(
            {"enterprise.organization_id": ["Not an organization of your area."]}
        )
    enterprise = Enterprise(
        name=data["name"].strip(),
        credit_code=code,
        organization_id=org_id,
        address=data.get("address"),
        sector=data.get("sector"),
        ownership=data.get("ownership", Ownership.private),
        legal_representative=data.get("legal_representative"),
        headcount=data.get("headcount"),
        has_union=bool(data.get("has_union", False)),
        contact_person=data.get("contact_person") or None,
        contact_phone=data.get("contact_phone") or None,
        contact_email=data.get("contact_email") or None,
    )
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


ENTERPRISE_WRITERS = frozenset({Role.mediator, Role.officer, Role.admin})


def create_enterprise(user: User, payload: dict) -> Enterprise:
    """Register an enterprise on its own (the new-case form registers one along with a case)."""
    if user.role not in ENTERPRISE_WRITERS:
        raise PermissionDenied("Your role may not register enterprises.")
    try:
        data = EnterpriseInputSchema().load(payload)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None
    with transaction():
        try:
            enterprise = register_enterprise(data, user.organization, user)
        except ValidationFailed as exc:  # same field names as the body of this request
            raise ValidationFailed(
                {k.removeprefix("enterprise."): v for k, v in exc.fields.items()}
            ) from None
    return enterprise


CONTACT_FIELDS = ("contact_person", "contact_phone", "contact_email")


def update_contacts(user: User, enterprise_id: int, payload: dict) -> Enterprise:
    """Set the employer's contact (only the fields given; null or blank clears one). Writers
    of the enterprise's area only; out of the area it does not exist (404)."""
    if user.role not in ENTERPRISE_WRITERS:
        raise PermissionDenied("Your role may not edit enterprises.")
    with transaction():
        enterprise = get_visible_enterprise(user, enterprise_id)
        try:
            data = EnterpriseContactsSchema().load(payload)
        except ValidationError as exc:
            raise ValidationFailed(exc.messages) from None
        for name in CONTACT_FIELDS:
            if name in data:
                setattr(enterprise, name, data[name] or None)
    return enterprise
