"""Legal-aid referrals of failed or referred cases: recording one, following it, counting
them (docs/worker-services.md "Legal aid")."""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import ValidationError
from sqlalchemy import Select, func, select

from mediation.accounts.models import User
from mediation.cases.access import CASE_WRITERS, lock_case, require_role
from mediation.cases.enums import EventKind, State
from mediation.cases.models import Case
from mediation.cases.scope import get_visible_case, scope_filter
from mediation.cases.timeline import append_event
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.core.i18n import stored_text
from mediation.core.schemas import StrictSchema
from mediation.extensions import db
from mediation.legalaid.models import LegalAidReferral
from mediation.legalaid.schemas import ReferralInputSchema, ReferralUpdateSchema

# legal aid takes over where mediation ended without result (or alongside arbitration)
REFERRABLE_STATES = frozenset({State.failed, State.referred})


def _load(schema_cls: type[StrictSchema], payload: dict | None) -> dict:
    try:
        return schema_cls().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def referrals_of_case(user: User, case_id: int) -> list[LegalAidReferral]:
    """The case's referrals, for whoever may see the case."""
    case = get_visible_case(user, case_id)
    return list(
        db.session.scalars(
            select(LegalAidReferral)
            .where(LegalAidReferral.case_id == case.id)
            .order_by(LegalAidReferral.id)
        )
    )


def visible_referrals(user: User) -> Select:
    """Referrals of the cases the user may see."""
    cases = scope_filter(select(Case.id), user)
    return select(LegalAidReferral).where(LegalAidReferral.case_id.in_(cases))


def get_visible_referral(user: User, referral_id: int) -> LegalAidReferral:
    referral = db.session.scalar(visible_referrals(user).where(LegalAidReferral.id == referral_id))
    if referral is None:
        raise NotFound("Legal-aid referral not found.")
    return referral


def refer(user: User, case_id: int, payload: dict, *, now: datetime | None = None):
    """Refer a failed or referred case to legal aid; the case's timeline records it.
    Checks: scope (404) → role (403) → state (409) → payload (422)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        case = lock_case(user, case_id)
        require_role(user, CASE_WRITERS, "refer cases to legal aid")
        if State(case.state) not in REFERRABLE_STATES:
            raise Conflict(
                "Only a case whose mediation failed or that was referred goes to legal aid."
            )
        data = _load(ReferralInputSchema, payload)
        referral = LegalAidReferral(
            case_id=case.id, created_by_id=user.id, created_at=now, updated_at=now, **data
        )
        db.session.add(referral)
        db.session.flush()
        with stored_text():
            body = f"转介法律援助：{referral.provider.label}" + (
                f"（{referral.provider_name}）" if referral.provider_name else ""
            )
        append_event(case, EventKind.note, user, now, body=body,
                     data={"legal_aid": referral.id})  # fmt: skip
    return referral


def update_referral(user: User, referral_id: int, payload: dict, *, now: datetime | None = None):
    """Record the progress: accepted or not, lawyer, stage, result and amount recovered."""
    now = ensure_utc(now or utcnow())
    with transaction():
        referral = get_visible_referral(user, referral_id)
        case = lock_case(user, referral.case_id)
        require_role(user, CASE_WRITERS, "record legal aid")
        data = _load(ReferralUpdateSchema, payload)
        if "amount_recovered" in data:
            data["amount_recovered_fen"] = data.pop("amount_recovered")
        changes = {}
        for key, value in data.items():
            before = getattr(referral, key)
            if before != value:
                changes[key] = [str(before) if before is not None else None,
                                str(value) if value is not None else None]  # fmt: skip
                setattr(referral, key, value)
        referral.updated_at = now
        if changes:
            append_event(case, EventKind.note, user, now, body="法律援助进展更新",
                         data={"legal_aid": referral.id, **changes})  # fmt: skip
    return referral


def statistics(user: User, start: date | None = None, end: date | None = None) -> dict:
    """Legal-aid cases, workers and amounts recovered among the cases the user sees, referred
    between `start` and `end` (inclusive)."""
    stmt = visible_referrals(user)
    if start is not None:
        stmt = stmt.where(LegalAidReferral.referred_on >= start)
    if end is not None:
        stmt = stmt.where(LegalAidReferral.referred_on <= end)
    sub = stmt.subquery()
    row = db.session.execute(
        select(
            func.count(func.distinct(sub.c.case_id)),
            func.coalesce(func.sum(sub.c.workers), 0),
            func.coalesce(func.sum(sub.c.amount_recovered_fen), 0),
            func.count(),
            func.count().filter(sub.c.accepted.is_(True)),
        )
    ).one()
    return {
        "cases": row[0],
        "workers": int(row[1]),
        "amount_recovered_fen": int(row[2]),
        "referrals": row[3],
        "accepted": row[4],
    }
