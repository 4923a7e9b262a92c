"""The case's timeline: an append-only chain of events, each hashed with the one before it
(docs/architecture.md "The audit trail"). Every change to a case appends here, in its transaction."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from mediation.accounts.models import User
from mediation.cases.enums import EventKind
from mediation.cases.models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    Case,
    CaseEvent,
    event_hash,
)
from mediation.core.clock import ensure_utc
from mediation.core.db import bulk_insert, bulk_update
from mediation.extensions import db


def json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


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
        previous = cast(  # (the chain's event before this one exists)
            str,
            db.session.scalar(
                select(CaseEvent.hash).where(CaseEvent.case_id == case.id, CaseEvent.seq == seq - 1)
            ),
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


# The case page's timeline filter: which event kinds each view shows. Every kind is in exactly
# one group (tests/cases/test_case_pages.py checks it), so "all" is their union.
TIMELINE_FILTERS: dict[str, frozenset[EventKind]] = {
    # what people wrote or did on the case
    "people": frozenset({
        EventKind.note, EventKind.visit, EventKind.attachment, EventKind.edit,
        EventKind.assignment, EventKind.application, EventKind.clock, EventKind.arbitration,
        EventKind.payment,
    }),
    # what the early-warning system raised, and the acknowledgements
    "alerts": frozenset({EventKind.alert, EventKind.acknowledgement}),
    # where the case went: registration, state changes and take-overs
    "transitions": frozenset({EventKind.created, EventKind.transition, EventKind.takeover}),
}  # fmt: skip


def timeline(case: Case, only: str | None = None) -> list[CaseEvent]:
    """The case's events in order; `only` names a group of TIMELINE_FILTERS (None: all)."""
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id)
    if only in TIMELINE_FILTERS:
        stmt = stmt.where(CaseEvent.kind.in_(TIMELINE_FILTERS[only]))
    return list(db.session.scalars(stmt.order_by(CaseEvent.seq)))


def snapshot(case: Case, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: json_value(getattr(case, name)) for name in names}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}
