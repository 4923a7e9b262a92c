"""Every change to a return, one transaction each, and what the pages and the API read
(docs/returns.md). Checks in the house's order: scope (404) → role (403) → state or version
(409) → payload (422)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import joinedload

from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases.models import Case
from mediation.cases.scope import scope_filter
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import N_
from mediation.core.money import fen_to_yuan
from mediation.core.schemas import StrictSchema
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select
from mediation.reports.stats.periods import within
from mediation.returns import tables
from mediation.returns.models import Return, ReturnEvent, ReturnVersion
from mediation.returns.periods import PeriodKind, ReturnPeriod
from mediation.returns.schemas import CreateReturnSchema, DecisionSchema, SectionsSchema
from mediation.returns.workflow import (
    EDITABLE,
    REQUIRED_NOTE,
    RETURN_TIERS,
    ReturnState,
    Trigger,
    may_act,
    may_draft,
    trigger_for,
)

SECTIONS = ("typical_cases", "main_problems", "next_steps")
# how many cases the editor offers to cite
CANDIDATE_LIMIT = 200


def _load(schema_cls: type[StrictSchema], payload: dict | None) -> dict:
    try:
        return schema_cls().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


# --- reading -------------------------------------------------------------------------------------


def visible_returns(user: User) -> Select:
    """The returns the user may read: an administrator all; officers and mediators those of the
    unions in their scope; advocates none (docs/returns.md "Who may do what")."""
    stmt = select(Return).options(joinedload(Return.organization))
    if user.role == Role.admin:
        return stmt
    if user.role == Role.advocate:
        return stmt.where(false())
    return stmt.where(Return.organization_id.in_(scope_org_ids(user)))


def get_visible_return(user: User, return_id: int, *, for_update: bool = False) -> Return:
    stmt = visible_returns(user).where(Return.id == return_id)
    if for_update:
        stmt = stmt.with_for_update(of=Return)
    found = db.session.scalar(stmt)
    if found is None:
        raise NotFound("Return not found.")
    return found


def list_returns(user: User, *, state: str | None = None, limit: int = 500) -> list[Return]:
    stmt = visible_returns(user)
    if state:
        stmt = stmt.where(Return.state == ReturnState(state))
    stmt = stmt.order_by(Return.period_end.desc(), Return.period_kind, Return.organization_id)
    return list(db.session.scalars(stmt.limit(limit)))


def get_version(user: User, return_id: int, number: int) -> ReturnVersion:
    ret = get_visible_return(user, return_id)
    version = next((v for v in ret.versions if v.number == number), None)
    if version is None:
        raise NotFound("Version not found.")
    return version


def _org_cases(user: User, org_id: int) -> Select:
    return scope_filter(select(Case), user).where(
        Case.handling_org_id.in_(subtree_ids_select(org_id))
    )


def candidate_cases(user: User, ret: Return) -> list[Case]:
    """The cases a return may cite: of its union's subtree, received by the period's end and
    received or moved in the period, newest first."""
    period = ret.period.stats
    low, high = period.bounds
    stmt = (
        _org_cases(user, ret.organization_id)
        .where(Case.received_at < high)
        .where(or_(within(Case.received_at, period), within(Case.state_changed_at, period)))
        .options(joinedload(Case.enterprise))
        .order_by(Case.received_at.desc())
        .limit(CANDIDATE_LIMIT)
    )
    chosen = set(ret.typical_case_ids or [])
    found = list(db.session.scalars(stmt))
    missing = chosen - {c.id for c in found}
    if missing:
        found += list(db.session.scalars(_org_cases(user, ret.organization_id).where(
            Case.id.in_(missing)).options(joinedload(Case.enterprise))))  # fmt: skip
    return found


def live_document(user: User, ret: Return, now: datetime | None = None) -> dict:
    """What the return would freeze now: its tables, computed today, and its sections."""
    return _document(user, ret, ensure_utc(now or utcnow()))


def _document(user: User, ret: Return, now: datetime) -> dict:
    org = ret.organization
    period = ret.period
    cited = []
    if ret.typical_case_ids:
        by_id = {
            c.id: c
            for c in db.session.scalars(
                _org_cases(user, ret.organization_id)
                .where(Case.id.in_(ret.typical_case_ids))
                .options(joinedload(Case.enterprise))
            )
        }
        for case_id in ret.typical_case_ids:
            case = by_id.get(case_id)
            if case is None:
                continue
            cited.append({
                "id": case.id, "number": case.number, "title": case.title,
                "employer": case.enterprise.name if case.enterprise else "",
                "state": tables.both(case.state.label),
                "workers": case.workers_involved,
                "claimed": fen_to_yuan(case.claim_amount_fen) if case.claim_amount_fen else None,
            })  # fmt: skip
    return {
        "organization": {"id": org.id, "name": org.name, "tier": str(org.tier)},
        "period": {
            "kind": str(period.kind), "year": period.year, "number": period.number,
            "start": period.start.isoformat(), "end": period.end.isoformat(),
        },
        "generated_at": now.isoformat(),
        "tables": tables.build(
            user, period, ret.organization_id, with_towns=Tier(org.tier) == Tier.city
        ),
        "sections": {key: getattr(ret, key) or "" for key in SECTIONS},
        "typical_cases": cited,
    }  # fmt: skip


# --- changing ------------------------------------------------------------------------------------


def _event(ret: Return, kind: str, user: User | None, now: datetime, **kw: Any) -> None:
    db.session.add(ReturnEvent(return_id=ret.id, kind=kind, user_id=user.id if user else None,
                               at=now, **kw))  # fmt: skip


def _check_version(ret: Return, data: dict) -> None:
    seen = data.pop("version", None)
    if seen is not None and seen != ret.version:
        raise Conflict("The return was changed meanwhile; reload it.")


def create_draft(user: User, payload: dict, *, now: datetime | None = None) -> Return:
    """A new draft for a period of a town or city union. The period may not lie in the future
    and one return per union and period (422 on `period`)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        if user.role == Role.advocate:  # advocates have no returns at all
            raise NotFound("Not found.")
        if user.role not in (Role.officer, Role.admin):
            raise PermissionDenied("Only officers draft returns.")
        data = _load(CreateReturnSchema, payload)
        org_id = data.get("organization_id") or user.organization_id
        if user.role != Role.admin and org_id not in scope_org_ids(user):
            raise ValidationFailed({"organization_id": [N_("No such organization.")]})
        org = db.session.get(Organization, org_id)
        if org is None:
            raise ValidationFailed({"organization_id": [N_("No such organization.")]})
        if Tier(org.tier) not in RETURN_TIERS:
            raise ValidationFailed(
                {"organization_id": [N_("Only town and city unions write returns.")]}
            )
        if not may_draft(user, org):
            raise PermissionDenied("Only the union's own officers draft its return.")
        period = ReturnPeriod(PeriodKind(data["kind"]), data["year"], data["number"])
        if period.start > local_date(now):
            raise ValidationFailed({"year": [N_("The period has not begun yet.")]})
        duplicate = db.session.scalar(
            select(Return.id).where(
                Return.organization_id == org.id,
                Return.period_kind == period.kind,
                Return.period_start == period.start,
            )
        )
        if duplicate is not None:
            raise ValidationFailed(
                {"number": [N_("This union already has a return for that period.")]}
            )
        ret = Return(
            organization_id=org.id, period_kind=period.kind, year=period.year,
            number=period.number, period_start=period.start, period_end=period.end,
            state=ReturnState.draft, typical_case_ids=[], typical_cases="", main_problems="",
            next_steps="", version=1, created_by_id=user.id, created_at=now, updated_at=now,
        )  # fmt: skip
        db.session.add(ret)
        db.session.flush()
        _event(ret, "created", user, now)
    return ret


def update_sections(
    user: User, return_id: int, payload: dict, *, now: datetime | None = None
) -> Return:
    """Save the officer-written sections and the cited cases of a draft (or of a return sent
    back)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        ret = get_visible_return(user, return_id, for_update=True)
        if not may_draft(user, ret.organization):
            raise PermissionDenied("Only the union's own officers write its return.")
        if ReturnState(ret.state) not in EDITABLE:
            raise Conflict("A submitted return is frozen.")
        data = _load(SectionsSchema, payload)
        _check_version(ret, data)
        if "typical_case_ids" in data:
            ids = list(dict.fromkeys(data["typical_case_ids"]))
            known = set(db.session.scalars(
                _org_cases(user, ret.organization_id).with_only_columns(Case.id)
                .where(Case.id.in_(ids))
            )) if ids else set()  # fmt: skip
            if set(ids) - known:
                raise ValidationFailed({"typical_case_ids": [N_("Cite only cases of this union.")]})
            ret.typical_case_ids = ids
        for key in SECTIONS:
            if key in data:
                setattr(ret, key, data[key] or "")
        ret.version += 1
        ret.updated_at = now
        _event(ret, "saved", user, now)
    return ret


def fire(
    user: User, return_id: int, name: str, payload: dict | None = None, *,
    now: datetime | None = None,
) -> Return:  # fmt: skip
    """Fire a workflow trigger (`workflow.TRIGGERS`): submit (freezing a new version), approve
    or send back (with a note)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        ret = get_visible_return(user, return_id, for_update=True)
        org = ret.organization
        trigger = trigger_for(name, Tier(org.tier))
        if trigger is None:
            raise NotFound("No such step for this return.")
        if not may_act(user, trigger.actor, org):
            raise PermissionDenied("You may not take this step on this return.")
        if ReturnState(ret.state) not in trigger.sources:
            raise Conflict("This step is not open to the return now.")
        data = _load(DecisionSchema, payload)
        _check_version(ret, data)
        note = (data.get("note") or "").strip() or None
        if trigger.note == REQUIRED_NOTE and not note:
            raise ValidationFailed({"note": [N_("Say what must change.")]})
        _apply(ret, trigger, user, now, note)
    return ret


def _apply(ret: Return, trigger: Trigger, user: User, now: datetime, note: str | None) -> None:
    latest = ret.latest_version
    if trigger.freezes:
        # the snapshot: the tables and sections as they are now, never recomputed
        latest = ReturnVersion(
            return_id=ret.id, number=(latest.number + 1) if latest else 1,
            snapshot=_document(user, ret, now), submitted_by_id=user.id, submitted_at=now,
        )  # fmt: skip
        db.session.add(latest)
        ret.versions.append(latest)
    if trigger.decision and latest is not None:
        latest.decision = trigger.decision
        latest.decided_by_id = user.id
        latest.decided_at = now
        latest.note = note
    ret.state = trigger.dest
    ret.version += 1
    ret.updated_at = now
    db.session.flush()
    _event(ret, trigger.name if trigger.dest != ReturnState.filed else "filed", user, now,
           version_number=latest.number if latest else None, note=note)  # fmt: skip


def due_on(period: ReturnPeriod, day: int) -> date:
    """The day a period's return falls due: `day` of the following month (the month's last day
    when it has fewer)."""
    year, month = period.following_month()
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
