"""Races (PostgreSQL only: SQLite serialises writers and cannot show them).

Each thread pushes its own application context, so it has its own session and connection, and
loads its own user; a barrier releases the threads at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from mediation import signals
from mediation.accounts.models import User
from mediation.cases import services
from mediation.cases.audit import verify_chains
from mediation.cases.enums import EventKind, State
from mediation.cases.models import Case, CaseEvent
from mediation.core.clock import utcnow
from mediation.core.errors import Conflict, ValidationFailed
from mediation.extensions import db
from tests.conftest import requires_postgres, trigger_payload
from tests.helpers import CHINA

pytestmark = requires_postgres


def race(app, user_ids: list[int], action: Callable[[int, User], Any]) -> list[tuple[str, Any]]:
    """Run `action(index, user)` in one thread per user id, all released together.

    `action` must not touch the test's own ORM objects (they belong to the main thread's
    session): pass it plain values prepared beforehand.

    Returns one ("ok", value) or ("error", exception) per thread, in thread order.
    """
    db.session.commit()  # nothing of ours may hold a lock or a stale snapshot
    barrier = threading.Barrier(len(user_ids))
    results: list[tuple[str, Any]] = [("missing", None)] * len(user_ids)

    def worker(index: int, user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            try:
                barrier.wait(timeout=10)
                results[index] = ("ok", action(index, user))
            except Exception as exc:  # reported to the test
                results[index] = ("error", exc)

    threads = [
        threading.Thread(target=worker, args=(i, uid), daemon=True)
        for i, uid in enumerate(user_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    db.session.expire_all()
    return results


def events_of_kind(case_id: int, kind: EventKind) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
            .order_by(CaseEvent.seq)
        )
    )


def transitions_of(case_id: int) -> list[CaseEvent]:
    return events_of_kind(case_id, EventKind.transition)


def split(results):
    oks = [value for status, value in results if status == "ok"]
    errors = [value for status, value in results if status == "error"]
    return oks, errors


def test_two_accepts_at_once_one_wins(app, make_case, users):
    case = make_case()
    case_id = case.id
    payload = trigger_payload("accept", users)

    def accept(_i, user):
        return str(services.fire_trigger(case_id, "accept", user, payload).state)

    results = race(app, [users["mediator"].id, users["officer"].id], accept)
    oks, errors = split(results)
    assert oks == ["accepted"]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    case = db.session.get(Case, case_id)
    assert case.state == State.accepted
    assert case.version == 2
    assert len(transitions_of(case_id)) == 1
    assert verify_chains()[2] == []


def test_two_begin_mediations_with_the_same_expected_version(app, make_case, drive, users):
    case = drive(make_case(), "accepted")
    case_id, version = case.id, case.version

    def begin(_i, user):
        return services.fire_trigger(
            case_id, "begin_mediation", user, {}, expected_version=version
        ).version

    results = race(app, [users["mediator"].id, users["g1_mediator"].id], begin)
    oks, errors = split(results)
    assert oks == [version + 1]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert errors[0].extra["current_version"] == version + 1
    case = db.session.get(Case, case_id)
    assert (case.state, case.version) == (State.mediating, version + 1)
    assert [e.trigger for e in transitions_of(case_id)] == ["accept", "begin_mediation"]


def test_competing_triggers_one_wins(app, make_case, users):
    """Accept and reject at the same moment (neither is allowed after the other): exactly one
    transition happens."""
    case = make_case()
    case_id = case.id
    names = ["accept", "reject"]
    payloads = [trigger_payload(name, users) for name in names]  # main-thread objects stay here

    def fire(i, user):
        return services.fire_trigger(case_id, names[i], user, payloads[i]).state

    results = race(app, [users["mediator"].id, users["officer"].id], fire)
    oks, errors = split(results)
    assert len(oks) == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    case = db.session.get(Case, case_id)
    assert str(case.state) == str(oks[0])
    assert [e.trigger for e in transitions_of(case_id)] == [
        names[[str(s) for s in ("accepted", "closed")].index(str(oks[0]))]
    ]


def test_an_edit_racing_a_transition_with_the_same_version(app, make_case, drive, users):
    case = drive(make_case(), "accepted")
    case_id, version = case.id, case.version

    def act(i, user):
        if i == 0:
            return services.update_facts(case_id, user, {"version": version, "title": "并发"})
        return services.fire_trigger(case_id, "begin_mediation", user, {}, expected_version=version)

    results = race(app, [users["mediator"].id, users["officer"].id], act)
    oks, errors = split(results)
    assert len(oks) == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    case = db.session.get(Case, case_id)
    assert case.version == version + 1
    edits = len(events_of_kind(case_id, EventKind.edit))
    transitions = len(events_of_kind(case_id, EventKind.transition))
    if case.title == "并发":  # the edit won
        assert (edits, transitions, case.state) == (1, 1, State.accepted)
    else:
        assert (edits, transitions, case.state) == (0, 2, State.mediating)


def test_concurrent_notes_keep_one_unbroken_chain(app, make_case, users):
    case = make_case()
    case_id = case.id
    services.assign_advocate(case_id, users["mediator"], users["advocate"].id)
    base = db.session.get(Case, case_id).event_seq
    writers = [users["mediator"].id, users["advocate"].id, users["officer"].id] * 3

    def note(i, user):
        return services.add_note(case_id, user, {"body": f"记录 {i}"}).seq

    results = race(app, writers, note)
    oks, errors = split(results)
    assert errors == []
    assert len(set(oks)) == len(writers)  # every note got its own link
    assert min(oks) == base + 1
    notes = events_of_kind(case_id, EventKind.note)
    assert sorted(e.seq for e in notes) == sorted(oks)
    assert {e.body for e in notes} == {f"记录 {i}" for i in range(len(writers))}
    total = db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
    )
    assert db.session.get(Case, case_id).event_seq == total
    assert verify_chains()[2] == []


def test_concurrent_creations_get_gap_free_numbers(app, case_payload, make_enterprise, users):
    threads, per_thread = 8, 5
    enterprise_id = make_enterprise().id
    payloads = [case_payload(enterprise_id=enterprise_id) for _ in range(threads * per_thread)]
    year = utcnow().astimezone(CHINA).year
    mediators = [users["mediator"].id, users["g1_mediator"].id, users["officer"].id]

    def create_many(i, user):
        return [
            services.create_case(user, payloads[i * per_thread + k]).number
            for k in range(per_thread)
        ]

    results = race(app, [mediators[i % 3] for i in range(threads)], create_many)
    oks, errors = split(results)
    assert errors == []
    numbers = [n for batch in oks for n in batch]
    assert len(numbers) == len(set(numbers)) == threads * per_thread
    assert sorted(numbers) == [f"G1-{year}-{n:05d}" for n in range(1, threads * per_thread + 1)]
    for batch in oks:  # each thread's own numbers increase
        assert batch == sorted(batch)
    assert db.session.scalar(select(func.count()).select_from(Case)) == threads * per_thread
    assert verify_chains()[2] == []


def test_concurrent_creations_with_rollbacks_leave_no_gap(
    app, case_payload, make_enterprise, users
):
    """Half the creations are refused after their number was allocated: no number is lost."""
    threads, per_thread = 6, 4
    enterprise_id = make_enterprise().id
    year = utcnow().astimezone(CHINA).year

    def refuse(case, *, kind, now, **_):
        if case.title == "FAIL":
            raise ValidationFailed({"title": ["refused by a rule"]})

    def payload(i: int, k: int) -> dict:
        return case_payload(enterprise_id=enterprise_id, title="FAIL" if (i + k) % 2 else "OK")

    payloads = {(i, k): payload(i, k) for i in range(threads) for k in range(per_thread)}

    def create_many(i, user):
        made, refused = [], 0
        for k in range(per_thread):
            try:
                made.append(services.create_case(user, payloads[(i, k)]).number)
            except ValidationFailed:
                refused += 1
        return made, refused

    signals.case_changed.connect(refuse)
    try:
        results = race(app, [users["mediator"].id] * threads, create_many)
    finally:
        signals.case_changed.disconnect(refuse)
    oks, errors = split(results)
    assert errors == []
    numbers = sorted(n for made, _ in oks for n in made)
    refused = sum(r for _, r in oks)
    assert refused == threads * per_thread // 2
    assert numbers == [f"G1-{year}-{n:05d}" for n in range(1, len(numbers) + 1)]
    assert db.session.scalar(select(func.count()).select_from(Case)) == len(numbers)
    # and the next number follows on
    assert (
        services.create_case(
            db.session.get(User, users["mediator"].id), case_payload(enterprise_id=enterprise_id)
        ).number
        == f"G1-{year}-{len(numbers) + 1:05d}"
    )
