"""Everything that changes a case. Each public function is one transaction: it checks scope and
role, validates, changes the case, appends the timeline event, runs the case-change hooks (where
the warning rules will plug in) and commits; on any failure it rolls back and raises a
`DomainError`, so nothing is half-written."""

from __future__ import annotations

import enum
import functools
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.accounts.scope import can_see_org
from mediation.cases import schemas, workflow
from mediation.cases.enums import CaseKind, EventKind, State
from mediation.cases.models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    Case,
    CaseEvent,
    CaseNumberCounter,
    case_advocates,
    event_hash,
)
from mediation.cases.scope import get_visible_case
from mediation.cases.workflow import TransitionContext
from mediation.core.clock import LOCAL_TZ, ensure_utc, utcnow
from mediation.core.db import bulk_insert, bulk_update, transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.fields import shared_schema
from mediation.enterprises.services import get_visible_enterprise, register_enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select, with_ancestors

CASE_WRITERS = frozenset({Role.mediator, Role.officer, Role.admin})
# who may take a case over to their own organization (design.md §3)
SUPERVISORS = frozenset({Role.officer, Role.admin})

# Fields whose changes an edit records, old → new.
EDITABLE_FIELDS = (
    "category", "enterprise_id", "worker_name", "worker_phone", "worker_id_number",
    "workers_involved", "is_migrant", "is_construction", "title", "description",
    "claim_amount_fen", "arrears_months", "channel", "received_at", "infringement_known_at",
    "employment_ended_at", "owner_absconded", "incident_in_progress",
)  # fmt: skip
TRACKED_FIELDS = EDITABLE_FIELDS + (
    "mediator_id", "agreement_terms", "agreement_amount_fen", "agreement_due_on",
    "paid_amount_fen", "referral_target", "referral_reference", "ruling_result",
    "ruling_amount_fen", "outcome", "closed_at", "handling_org_id",
)  # fmt: skip


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _snapshot(case: Case, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _json_value(getattr(case, name)) for name in names}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


def _load(schema_cls, payload: dict | None, **kwargs) -> dict:
    try:
        schema = schema_cls(**kwargs) if kwargs else shared_schema(schema_cls)
        return schema.load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def _require_role(user: User, roles: frozenset[Role], action: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"your role may not {action}")


def _lock_case(user: User, case_id: int) -> Case:
    """The case, in scope, locked for this transaction (row lock on PostgreSQL)."""
    return get_visible_case(user, case_id, for_update=True)


def append_event(
    case: Case,
    kind: EventKind,
    actor: User | None,
    now: datetime,
    *,
    body: str | None = None,
    data: dict | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    trigger: str | None = None,
) -> CaseEvent:
    """Add the next link of the case's hash chain, inside the caller's transaction.

    The sequence number comes from an UPDATE on the case row, which takes the row lock, so two
    transactions can never append with the same predecessor. It does not bump `version`: a note
    does not make someone else's open form stale.
    """
    db.session.flush()
    seq = db.session.execute(
        update(Case.__table__)
        .where(Case.__table__.c.id == case.id)
        .values(event_seq=Case.__table__.c.event_seq + 1)
        .returning(Case.__table__.c.event_seq)
    ).scalar_one()
    previous = GENESIS_HASH
    if seq > 1:
        previous = db.session.scalar(
            select(CaseEvent.hash).where(CaseEvent.case_id == case.id, CaseEvent.seq == seq - 1)
        )
    ev = _chain_event(case, seq, previous, kind, actor, now, body=body, data=data,
                      from_state=from_state, to_state=to_state, trigger=trigger)  # fmt: skip
    set_committed_value(case, "event_seq", seq)  # in step in memory, version untouched
    if "events" in case.__dict__:
        db.session.expire(case, ["events"])  # a loaded timeline is one event short now
    return ev


def _chain_event(
    case: Case,
    seq: int,
    previous: str,
    kind: EventKind,
    actor: User | None,
    now: datetime,
    **fields: Any,
) -> CaseEvent:
    """Insert the event `seq` of the case's chain, linked to the hash `previous`."""
    ev = CaseEvent(
        case_id=case.id,
        seq=seq,
        at=ensure_utc(now),
        actor_id=actor.id if actor else None,
        kind=kind,
        body=fields.get("body"),
        data=fields.get("data") or None,
        from_state=fields.get("from_state"),
        to_state=fields.get("to_state"),
        trigger=fields.get("trigger"),
    )
    ev.hash = ev.compute_hash(previous)
    db.session.add(ev)
    db.session.flush()
    return ev


def append_events_bulk(
    items: list[dict],
    case_fields: dict[int, dict[str, Any]] | None = None,
    heads: dict[int, tuple[int, str]] | None = None,
    *,
    update_cases: bool = True,
) -> list[dict]:
    """Append many events (several per case allowed, in list order) with a fixed number of
    statements, inside the caller's transaction; the cases must already be locked by the caller.

    Each item: case_id, kind, at, and optionally actor_id, body, data, from_state, to_state,
    trigger. Rows go in with one executemany (no ORM objects, no RETURNING): this is the sweep's
    hot path. `case_fields` are further column values for the cases, written by the same
    UPDATE (every case in it must carry the same columns). `heads` gives, for cases whose chain
    this transaction wrote itself, its last (seq, hash): those are not read again.
    `update_cases=False`: the cases' rows already hold their new `event_seq` (a case inserted
    with its events, `create_case`), and no UPDATE is sent.
    """
    case_fields = case_fields or {}
    heads = heads or {}
    if not items and not case_fields:
        return []
    db.session.flush()
    table = Case.__table__
    case_ids = sorted({item["case_id"] for item in items})
    unknown = [cid for cid in case_ids if cid not in heads]
    seqs = {cid: heads[cid][0] for cid in case_ids if cid in heads}
    previous = {cid: heads[cid][1] if cid in heads else GENESIS_HASH for cid in case_ids}
    if unknown:
        seqs.update(
            db.session.execute(
                select(table.c.id, table.c.event_seq).where(table.c.id.in_(unknown))
            ).all()
        )
    read = [(cid, seqs[cid]) for cid in unknown if seqs[cid] > 0]
    if read:
        previous.update(
            db.session.execute(
                select(CaseEvent.case_id, CaseEvent.hash).where(
                    tuple_(CaseEvent.case_id, CaseEvent.seq).in_(read)
                )
            ).all()
        )
    rows = []
    for item in items:
        cid = item["case_id"]
        seqs[cid] += 1
        row = {name: item.get(name) for name in HASHED_FIELDS}
        row.update(seq=seqs[cid], at=ensure_utc(item["at"]), data=item.get("data") or None)
        row["hash"] = previous[cid] = event_hash(previous[cid], row)
        rows.append(row)
    if rows:
        bulk_insert(CaseEvent.__table__, rows)
    # one UPDATE for the new sequence numbers and the caller's fields
    columns = list(next(iter(case_fields.values()), {}))
    if update_cases:
        bulk_update(
            table,
            [
                {
                    "id": cid,
                    "event_seq": seqs.get(cid),
                    **{c: case_fields.get(cid, {}).get(c) for c in columns},
                }
                for cid in sorted(set(case_ids) | set(case_fields))
            ],
            coalesce=("event_seq",),
        )
    identity = db.session.identity_map
    for cid in set(case_ids) | set(case_fields):
        loaded = identity.get(identity_key(Case, cid))
        if loaded is not None:
            if cid in seqs:
                set_committed_value(loaded, "event_seq", seqs[cid])
                if "events" in loaded.__dict__:
                    db.session.expire(loaded, ["events"])
            for column, value in case_fields.get(cid, {}).items():
                set_committed_value(loaded, column, value)
    return rows


def _changed(case: Case, kind: EventKind, now: datetime) -> None:
    """Tell the other domains (`signals.case_changed`) that `case` changed, inside the
    transaction that recorded it."""
    signals.case_changed.send(case, kind=kind, now=now)


@functools.lru_cache(maxsize=4)
def _next_number_statement(dialect: str):
    """Take the next number of an organization's year (an upsert: the first case of a year
    starts the counter), built once per database kind."""
    table = CaseNumberCounter.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .values(organization_id=bindparam("org_id"), year=bindparam("year"), last_seq=1)
        .on_conflict_do_update(
            index_elements=[table.c.organization_id, table.c.year],
            set_={"last_seq": table.c.last_seq + 1},
        )
        .returning(table.c.last_seq)
    )


def _allocate_number(org: Organization, now: datetime) -> str:
    year = now.astimezone(LOCAL_TZ).year
    stmt = _next_number_statement(db.session.get_bind().dialect.name)
    seq = db.session.execute(stmt, {"org_id": org.id, "year": year}).scalar_one()
    return f"{org.code}-{year}-{seq:05d}"


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            "the case was changed by someone else since you opened it; reload and try again",
            current_version=case.version,
        )


def create_case(user: User, payload: dict, *, now: datetime | None = None) -> Case:
    """Register a new case (state `reported`) with its number and its `created` event."""
    now = ensure_utc(now or utcnow())
    _require_role(user, CASE_WRITERS, "register cases")
    data = _load(schemas.CaseCreateSchema, payload)
    # the objects of this transaction hold what it wrote: the answer is built from them
    with transaction(expire_on_commit=False):
        handling_org_id = data.pop("handling_org_id", None) or user.organization_id
        # with its ancestors, which the warning rules' targets need
        handling_org = next(iter(with_ancestors(handling_org_id)), None)
        if handling_org is None or not can_see_org(user, handling_org_id):
            raise ValidationFailed({"handling_org_id": ["Not an organization you may act for."]})
        enterprise_input = data.pop("enterprise", None)
        if data.get("enterprise_id"):
            try:
                enterprise = get_visible_enterprise(user, data["enterprise_id"])
            except NotFound:
                raise ValidationFailed({"enterprise_id": ["Unknown enterprise."]}) from None
        else:
            enterprise = register_enterprise(enterprise_input, handling_org, user)
        data["enterprise_id"] = enterprise.id
        if data.get("worker_id_number"):
            data["worker_id_number"] = schemas.clean_id_number(data["worker_id_number"])
        data.setdefault("received_at", now)
        case = Case(
            **data,
            number=_allocate_number(handling_org, now),
            state=workflow.INITIAL_STATE,
            handling_org_id=handling_org.id,
            handling_org=handling_org,
            enterprise=enterprise,
            tier=handling_org.tier,
            created_by_id=user.id,
            state_changed_at=now,
            created_at=now,
            updated_at=now,
        )
        db.session.add(case)
        created = {
            "kind": EventKind.created, "actor_id": user.id, "at": now, "body": case.title,
            "to_state": State.reported.value,
            "data": {"number": case.number, "enterprise_id": enterprise.id},
        }  # fmt: skip
        # What other domains write with a new case (`signals.case_creating`): the warning engine
        # evaluates the immediate rules before the row goes in, so it is inserted once, with its
        # warning fields, and their alert events follow `created` on the case's chain.
        writes = [w for _, w in signals.case_creating.send(case, now=now) if w is not None]
        case.event_seq = 1 + sum(w.event_count for w in writes)
        db.session.flush()  # the case's row, complete
        events = [{**created, "case_id": case.id}]
        for write in writes:
            events += write.write(case)
        rows = append_events_bulk(events, heads={case.id: (0, GENESIS_HASH)}, update_cases=False)
        if len(rows) != case.event_seq:  # a receiver's count must be what it wrote
            raise AssertionError(f"case {case.id}: {len(rows)} events, event_seq {case.event_seq}")
        set_committed_value(case, "advocates", [])  # a new case has none (not read back)
        _changed(case, EventKind.created, now)
    return case


def update_facts(case_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Case:
    """Correct a case's facts; `payload["version"]` must match (optimistic lock)."""
    now = ensure_utc(now or utcnow())
    data = _load(schemas.CaseEditSchema, payload)
    expected_version = data.pop("version")
    with transaction():
        case = _lock_case(user, case_id)
        _require_role(user, CASE_WRITERS, "edit case facts")
        _check_version(case, expected_version)
        if not case.is_open:
            raise Conflict("a closed case's facts cannot be edited; reopen it first")
        if (
            case.kind == CaseKind.arrears
            and "arrears_months" in data
            and data["arrears_months"] is None
        ):
            raise ValidationFailed({"arrears_months": ["Required for a wage-arrears case."]})
        if "enterprise_id" in data:
            try:
                get_visible_enterprise(user, data["enterprise_id"])
            except NotFound:
                raise ValidationFailed({"enterprise_id": ["Unknown enterprise."]}) from None
        if data.get("worker_id_number"):
            data["worker_id_number"] = schemas.clean_id_number(data["worker_id_number"])
        before = _snapshot(case, EDITABLE_FIELDS)
        for name, value in data.items():
            setattr(case, name, value)
        changes = _diff(before, _snapshot(case, EDITABLE_FIELDS))
        if not changes:
            db.session.rollback()
            return case
        case.updated_at = now
        append_event(case, EventKind.edit, user, now, data=changes)
        _changed(case, EventKind.edit, now)
    return case


def eligible_mediators(case: Case) -> list[User]:
    """Active mediators who can see the case: at its handling org or an ancestor of it."""
    org_ids, org = [], case.handling_org
    while org is not None:
        org_ids.append(org.id)
        org = org.parent
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.mediator, User.active.is_(True), User.organization_id.in_(org_ids)
            )
            .order_by(User.display_name)
        )
    )


def eligible_advocates(case: Case) -> list[User]:
    """Active advocates of the area (the handling org's town subtree)."""
    area = case.handling_org.ancestor_at(Tier.town)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.advocate,
                User.active.is_(True),
                User.organization_id.in_(subtree_ids_select(area.id)),
            )
            .order_by(User.display_name)
        )
    )


def fire_trigger(
    case_id: int,
    trigger_name: str,
    user: User,
    payload: dict | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Perform a lifecycle trigger for a user, in one transaction.

    Order of checks (design.md §5): scope (404) → role (403) → stale version or not allowed
    from the current state (409) → payload and guard (422) → change, event, hooks, commit.
    """
    now = ensure_utc(now or utcnow())
    with transaction():
        case = _lock_case(user, case_id)
        try:
            trigger = workflow.get_trigger(trigger_name)
        except workflow.UnknownTrigger:
            raise ValidationFailed({"trigger": [f"Unknown trigger {trigger_name!r}."]}) from None
        _require_role(user, trigger.roles, f"perform {trigger.name}")
        _check_version(case, expected_version)
        if not workflow.is_allowed_from(trigger, case.state):
            raise Conflict(
                f"{trigger.name} is not allowed while the case is {case.state}",
                current_state=str(case.state),
                current_version=case.version,
            )
        data = _load(trigger.payload, payload)
        mediators = (
            {m.id: m for m in eligible_mediators(case)}
            if "mediator_id" in trigger.payload().fields
            else {}
        )
        ctx = TransitionContext(
            case=case, user=user, data=data, now=now, find_mediator=mediators.get
        )
        from_state = str(case.state)
        before = _snapshot(case, TRACKED_FIELDS)
        if not workflow.fire(trigger, ctx):
            raise ValidationFailed(ctx.errors or {"trigger": ["The trigger's guard refused."]})
        case.updated_at = now
        case.state_changed_at = now
        if trigger.name == "accept" and case.accepted_at is None:
            case.accepted_at = now
        if trigger.name == "record_agreement" and case.agreed_at is None:
            case.agreed_at = now
        body = data.get("reason") or data.get("note") or data.get("terms")
        event_data = _diff(before, _snapshot(case, TRACKED_FIELDS))
        if data.get("reason") and data.get("note"):
            event_data["note"] = data["note"]
        append_event(
            case, EventKind.transition, user, now,
            from_state=from_state, to_state=str(case.state), trigger=trigger.name,
            body=body, data=event_data,
        )  # fmt: skip
        _changed(case, EventKind.transition, now)
    return case


def add_note(case_id: int, user: User, payload: dict, *, now: datetime | None = None) -> CaseEvent:
    """A progress note or a visit record; every role that can see the case may add one."""
    now = ensure_utc(now or utcnow())
    data = _load(schemas.NoteSchema, payload)
    with transaction():
        case = _lock_case(user, case_id)
        ev = append_event(case, EventKind(data["kind"]), user, now, body=data["body"])
        _changed(case, ev.kind, now)
    return ev


def assign_advocate(
    case_id: int, user: User, advocate_id: int, *, now: datetime | None = None
) -> Case:
    now = ensure_utc(now or utcnow())
    with transaction():
        case = _lock_case(user, case_id)
        _require_role(user, CASE_WRITERS, "assign advocates")
        if not case.is_open:
            raise Conflict("advocates cannot be assigned to a closed case")
        advocate = next((a for a in eligible_advocates(case) if a.id == advocate_id), None)
        if advocate is None:
            raise ValidationFailed({"user_id": ["Not an active advocate of this area."]})
        if advocate in case.advocates:
            raise Conflict(f"{advocate.display_name} is already assigned")
        db.session.execute(
            case_advocates.insert().values(case_id=case.id, user_id=advocate.id, assigned_at=now)
        )
        append_event(
            case, EventKind.assignment, user, now,
            body=advocate.display_name, data={"advocate_added": advocate.id},
        )  # fmt: skip
    db.session.expire(case, ["advocates"])
    return case


def unassign_advocate(
    case_id: int, user: User, advocate_id: int, *, now: datetime | None = None
) -> Case:
    now = ensure_utc(now or utcnow())
    with transaction():
        case = _lock_case(user, case_id)
        _require_role(user, CASE_WRITERS, "assign advocates")
        advocate = next((a for a in case.advocates if a.id == advocate_id), None)
        if advocate is None:
            raise NotFound("that advocate is not assigned to this case")
        db.session.execute(
            case_advocates.delete().where(
                case_advocates.c.case_id == case.id, case_advocates.c.user_id == advocate.id
            )
        )
        append_event(
            case, EventKind.assignment, user, now,
            body=advocate.display_name, data={"advocate_removed": advocate.id},
        )  # fmt: skip
    db.session.expire(case, ["advocates"])
    return case


def assign_mediator(
    case_id: int,
    user: User,
    payload: dict,
    *,
    now: datetime | None = None,
) -> Case:
    """(Re)assign an open case's mediator among `eligible_mediators`; `payload["version"]` must
    match. Checks: scope (404) → role (403) → stale version or closed case (409) → mediator (422).
    """
    now = ensure_utc(now or utcnow())
    with transaction():
        case = _lock_case(user, case_id)
        _require_role(user, CASE_WRITERS, "assign mediators")
        data = _load(schemas.AssignMediatorSchema, payload)
        _check_version(case, data["version"])
        if not case.is_open:
            raise Conflict("a closed case's mediator cannot be changed; reopen it first")
        mediator = next((m for m in eligible_mediators(case) if m.id == data["mediator_id"]), None)
        if mediator is None:
            raise ValidationFailed(
                {"mediator_id": ["Not an active mediator who can see this case."]}
            )
        if case.mediator_id == mediator.id:
            raise ValidationFailed({"mediator_id": ["Already the case's mediator."]})
        before = case.mediator_id
        case.mediator_id, case.mediator = mediator.id, mediator
        case.updated_at = now
        append_event(
            case, EventKind.assignment, user, now,
            body=mediator.display_name, data={"mediator_id": [before, mediator.id]},
        )  # fmt: skip
        _changed(case, EventKind.assignment, now)
    return case


def ancestors_of(org: Organization) -> list[Organization]:
    """The organizations above `org`, nearest first."""
    chain, parent = [], org.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return chain


def take_over(case_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Case:
    """An officer (or administrator) moves an open case to their own organization, which must
    be above the case's handling organization. The supervising tier is at least the new org's;
    a mediator who cannot see the new organization is unassigned; the warning rules run again
    (the hooks) so alerts follow the case. Version-checked like a transition."""
    now = ensure_utc(now or utcnow())
    with transaction():
        case = _lock_case(user, case_id)
        _require_role(user, SUPERVISORS, "take cases over")
        data = _load(schemas.TakeoverSchema, payload)
        _check_version(case, data["version"])
        if not case.is_open:
            raise Conflict("a closed case cannot be taken over; reopen it first")
        old_org = case.handling_org
        if user.organization_id == old_org.id:
            raise Conflict("the case is already handled by your organization")
        new_org = next((o for o in ancestors_of(old_org) if o.id == user.organization_id), None)
        if new_org is None:
            raise PermissionDenied(
                "your organization is not above the case's handling organization"
            )
        before = _snapshot(case, ("handling_org_id", "tier", "mediator_id"))
        case.handling_org_id, case.handling_org = new_org.id, new_org
        case.tier = max(Tier(case.tier), new_org.tier, key=lambda t: t.rank)
        if case.mediator is not None:
            mediator_org = case.mediator.organization_id
            if mediator_org != new_org.id and mediator_org not in {
                o.id for o in ancestors_of(new_org)
            }:
                case.mediator_id, case.mediator = None, None
        case.updated_at = now
        changes = _diff(before, _snapshot(case, ("handling_org_id", "tier", "mediator_id")))
        append_event(
            case, EventKind.takeover, user, now,
            body=data["reason"],
            data={**changes, "from_org": old_org.name, "to_org": new_org.name},
        )  # fmt: skip
        _changed(case, EventKind.takeover, now)
    return case


def timeline(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )
