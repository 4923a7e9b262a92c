"""Verification of the timeline hash chains (`flask audit verify`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from mediation.cases.models import GENESIS_HASH, Case, CaseEvent
from mediation.extensions import db


@dataclass
class ChainBreak:
    case_id: int
    case_number: str
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "end of chain"
        return f"case {self.case_number} (id {self.case_id}), {where}: {self.problem}"


def verify_chains(batch_size: int = 2000) -> tuple[int, int, list[ChainBreak]]:
    """Walk every case's events in order; returns (cases checked, events checked, breaks).

    Detects an edited event (its hash no longer matches its content or its successor's link),
    a deleted event (a gap in the sequence, or fewer events than the case recorded) and an
    inserted one (a sequence number beyond what the case recorded).
    """
    breaks: list[ChainBreak] = []
    cases = {
        cid: (number, seq)
        for cid, number, seq in db.session.execute(select(Case.id, Case.number, Case.event_seq))
    }
    seen: dict[int, int] = {}
    previous_hash: dict[int, str] = {}
    events = 0
    stmt = (
        select(CaseEvent)
        .order_by(CaseEvent.case_id, CaseEvent.seq)
        .execution_options(yield_per=batch_size)
    )
    for ev in db.session.scalars(stmt):
        events += 1
        number = cases.get(ev.case_id, ("?", 0))[0]
        expected_seq = seen.get(ev.case_id, 0) + 1
        if ev.seq != expected_seq:
            breaks.append(
                ChainBreak(
                    ev.case_id,
                    number,
                    ev.seq,
                    f"sequence jumps from {expected_seq - 1} to {ev.seq} (event deleted)",
                )
            )
        prev = previous_hash.get(ev.case_id, GENESIS_HASH)
        if ev.compute_hash(prev) != ev.hash:
            breaks.append(
                ChainBreak(
                    ev.case_id,
                    number,
                    ev.seq,
                    "hash does not match content and chain (event edited, or its predecessor was)",
                )
            )
        seen[ev.case_id] = ev.seq
        previous_hash[ev.case_id] = ev.hash
    for cid, (number, recorded) in cases.items():
        found = seen.get(cid, 0)
        if found < recorded:
            breaks.append(
                ChainBreak(
                    cid,
                    number,
                    None,
                    f"case records {recorded} events, chain ends at {found} (event deleted)",
                )
            )
        elif found > recorded:
            breaks.append(
                ChainBreak(
                    cid,
                    number,
                    found,
                    f"case records {recorded} events, chain has {found} (event inserted)",
                )
            )
    db.session.expunge_all()
    return len(cases), events, breaks
