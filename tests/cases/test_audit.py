"""The append-only, hash-chained timeline (docs/architecture.md "The audit trail") and `flask audit verify`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from mediation.cases import services
from mediation.cases.audit import verify_chains
from mediation.cases.enums import EventKind
from mediation.cases.models import Case, CaseEvent
from mediation.extensions import db
from tests.conftest import ON_POSTGRES, trigger_payload


@pytest.fixture
def activity(make_case, drive, users) -> dict[str, tuple[int, str]]:
    """Two cases with a varied history; returns {name: (case id, number)}."""
    first = drive(make_case(), "agreement")  # created + 3 transitions
    services.add_note(first.id, users["mediator"], {"body": "第一次回访"})
    services.assign_advocate(first.id, users["mediator"], users["advocate"].id)
    services.add_note(first.id, users["advocate"], {"kind": "visit", "body": "走访"})
    second = make_case()
    second = services.update_facts(
        second.id, users["mediator"], {"version": second.version, "title": "更正标题"}
    )
    services.fire_trigger(second.id, "reject", users["officer"], trigger_payload("reject", users))
    return {"first": (first.id, first.number), "second": (second.id, second.number)}


def event_ids(case_id: int) -> list[int]:
    """Ids of the case's events in chain order (index i holds seq i + 1)."""
    return list(
        db.session.scalars(
            select(CaseEvent.id).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )


def total_events() -> int:
    return db.session.scalar(select(func.count()).select_from(CaseEvent))


@contextmanager
def append_only_guard_disabled() -> Iterator[None]:
    """Tamper as a database owner would: switch the append-only triggers off for one
    transaction, then (PostgreSQL) switch them back on and commit the tampering."""
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only"))
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
        db.session.execute(text("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only"))
        db.session.commit()
    else:
        # a fresh SQLite file per test: nothing to restore
        db.session.execute(text("DROP TRIGGER case_events_no_update"))
        db.session.execute(text("DROP TRIGGER case_events_no_delete"))
        yield
        db.session.commit()


def run_cli(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_normal_activity_verifies(app, activity):
    total = total_events()
    assert total >= 7 + 3  # first: created, 3 transitions, note, assignment, visit (+ alerts)
    cases, events, breaks = verify_chains()
    assert breaks == []
    assert (cases, events) == (2, total)
    result = run_cli(app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    assert f"2 cases, {total} events" in result.output


def test_an_empty_database_verifies(app, orgs):
    assert verify_chains() == (0, 0, [])
    assert run_cli(app).exit_code == 0


def test_chains_link_each_event_to_the_one_before(activity):
    case_id = activity["first"][0]
    events = list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len(events) == db.session.get(Case, case_id).event_seq
    assert len({e.hash for e in events}) == len(events)
    previous = "0" * 64
    for event in events:
        assert event.hash == event.compute_hash(previous)
        previous = event.hash


REFUSED_STATEMENTS = [
    "UPDATE case_events SET body = 'rewritten' WHERE id = :id",
    "UPDATE case_events SET hash = 'x' WHERE id = :id",
    "DELETE FROM case_events WHERE id = :id",
    "DELETE FROM case_events",
]


def test_the_database_refuses_to_change_events(activity, subtests):
    case_id = activity["first"][0]
    ids = event_ids(case_id)
    target = ids[1]
    row = db.session.get(CaseEvent, target)
    body, digest = row.body, row.hash
    db.session.commit()
    for statement in REFUSED_STATEMENTS:
        with subtests.test(statement=statement):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement), {"id": target})
            db.session.rollback()
            assert event_ids(case_id) == ids
            db.session.expire_all()
            row = db.session.get(CaseEvent, target)
            assert (row.body, row.hash) == (body, digest)
    assert verify_chains()[2] == []


def test_the_orm_cannot_delete_events_either(activity):
    case_id = activity["second"][0]
    ids = event_ids(case_id)
    db.session.delete(db.session.get(CaseEvent, ids[0]))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert event_ids(case_id) == ids


def _breaks_for(number: str):
    _, _, breaks = verify_chains()
    return [b for b in breaks if b.case_number == number], breaks


def test_an_edited_event_is_detected(app, activity):
    case_id, number = activity["first"]
    target = event_ids(case_id)[2]  # seq 3
    with append_only_guard_disabled():
        db.session.execute(
            text("UPDATE case_events SET body = 'nothing happened' WHERE id = :id"), {"id": target}
        )
    mine, breaks = _breaks_for(number)
    assert breaks == mine  # the other case is intact
    assert [b.seq for b in mine] == [3]
    assert "edited" in mine[0].problem
    assert number in str(mine[0])

    result = run_cli(app)
    assert result.exit_code == 1
    assert f"BROKEN: case {number}" in result.output
    assert activity["second"][1] not in result.output
    assert "1 case(s)" in result.output


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(activity):
    case_id, number = activity["first"]
    ids = event_ids(case_id)
    previous = db.session.get(CaseEvent, ids[1]).hash
    event = db.session.get(CaseEvent, ids[2])  # seq 3
    event.body = "forged"
    forged_hash = event.compute_hash(previous)  # a forger who knows the algorithm
    db.session.rollback()  # discard the in-memory change
    with append_only_guard_disabled():
        db.session.execute(
            text("UPDATE case_events SET body = 'forged', hash = :hash WHERE id = :id"),
            {"id": ids[2], "hash": forged_hash},
        )
    mine, breaks = _breaks_for(number)
    assert breaks == mine
    assert [b.seq for b in mine] == [4]  # seq 3 looks fine on its own; its successor does not


def test_an_inserted_event_is_detected(activity):
    case_id, number = activity["second"]
    last = db.session.get(CaseEvent, event_ids(case_id)[-1])
    forged = CaseEvent(
        case_id=case_id,
        seq=last.seq + 1,
        at=last.at,
        actor_id=None,
        kind=EventKind.note,
        body="补写的记录",
    )
    forged.hash = forged.compute_hash(last.hash)  # a well-formed link: INSERT is not refused
    db.session.add(forged)
    db.session.commit()
    mine, breaks = _breaks_for(number)
    assert breaks == mine
    assert len(mine) == 1
    assert mine[0].seq == last.seq + 1
    assert "inserted" in mine[0].problem


def test_edited_event_data_is_detected(activity):
    case_id, number = activity["second"]
    target = event_ids(case_id)[1]  # seq 2
    with append_only_guard_disabled():
        db.session.execute(
            text("UPDATE case_events SET data = :data WHERE id = :id"),
            {"id": target, "data": '{"title": ["a", "b"]}'},
        )
    mine, breaks = _breaks_for(number)
    assert breaks == mine
    assert [b.seq for b in mine] == [2]


def test_a_deleted_middle_event_is_detected(app, activity):
    case_id, number = activity["first"]
    target = event_ids(case_id)[3]  # seq 4
    with append_only_guard_disabled():
        db.session.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": target})
    mine, breaks = _breaks_for(number)
    assert breaks == mine
    assert mine, "a deleted middle event must be reported"
    assert {b.seq for b in mine} == {5}  # the event after the gap
    assert any("deleted" in b.problem for b in mine)

    result = run_cli(app)
    assert result.exit_code == 1
    assert f"case {number}" in result.output
    assert "event #5" in result.output


def test_a_deleted_last_event_is_detected(app, activity):
    case_id, number = activity["second"]
    ids = event_ids(case_id)
    last = len(ids)
    with append_only_guard_disabled():
        db.session.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": ids[-1]})
    mine, breaks = _breaks_for(number)
    assert breaks == mine
    assert len(mine) == 1
    assert mine[0].seq is None
    assert f"records {last} events, chain ends at {last - 1}" in mine[0].problem

    result = run_cli(app)
    assert result.exit_code == 1
    assert f"BROKEN: case {number}" in result.output
    assert "end of chain" in result.output


def test_a_deleted_whole_chain_is_detected(activity):
    case_id, number = activity["second"]
    with append_only_guard_disabled():
        db.session.execute(text("DELETE FROM case_events WHERE case_id = :id"), {"id": case_id})
    mine, breaks = _breaks_for(number)
    assert breaks == mine
    assert len(mine) == 1
    assert "chain ends at 0" in mine[0].problem


def test_the_guard_is_back_on_after_tampering(activity):
    case_id, _ = activity["first"]
    with append_only_guard_disabled():
        db.session.execute(
            text("UPDATE case_events SET body = 'x' WHERE id = :id"), {"id": event_ids(case_id)[0]}
        )
    if not ON_POSTGRES:
        pytest.skip("SQLite: the triggers were dropped for good in this test's own database")
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM case_events WHERE case_id = :id"), {"id": case_id})
    db.session.rollback()


def test_activity_after_verification_still_chains(activity, users):
    # verify_chains clears the session; services must keep working afterwards
    assert verify_chains()[2] == []
    before = len(event_ids(activity["first"][0]))
    case_id = activity["first"][0]
    mediator = db.session.get(type(users["mediator"]), users["mediator"].id)
    services.add_note(case_id, mediator, {"body": "核查后补记"})
    cases, events, breaks = verify_chains()
    assert breaks == []
    assert events == total_events()
    assert len(event_ids(case_id)) >= before + 1
    assert db.session.get(Case, case_id).event_seq == len(event_ids(case_id))
    note = db.session.get(CaseEvent, event_ids(case_id)[before])  # the next link
    assert (note.seq, note.body) == (before + 1, "核查后补记")
