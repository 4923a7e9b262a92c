"""`flask demo load` and `flask audit verify` through the CLI runner, and the demo through the web.

A demo load drives ~45 cases through the real services, so each test here loads it once.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from sqlalchemy import func, select

from mediation.accounts.models import Role, User
from mediation.cases.enums import EventKind, State
from mediation.cases.models import Case, CaseEvent, case_advocates
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.identifiers import is_valid_credit_code
from mediation.demo import ENTERPRISES, last_office_moment
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from tests.conftest import login

DEMO_PASSWORD = "demo1234"


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    db.session.expire_all()
    return result


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Organization, User, Enterprise, Case, CaseEvent)
    } | {"advocates": db.session.scalar(select(func.count()).select_from(case_advocates))}


def demo_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def listed_case_ids(html: str) -> set[int]:
    return {int(m) for m in re.findall(r'href="/cases/(\d+)"', html)}


def test_demo_load_builds_a_realistic_network_and_is_idempotent(app):
    started = utcnow()
    result = run(app, "demo", "load")
    assert result.exit_code == 0, result.output
    finished = utcnow()

    # organizations: one city, at least three towns, each with grassroots unions
    orgs = list(db.session.scalars(select(Organization)))
    by_tier = defaultdict(list)
    for org in orgs:
        by_tier[org.tier].append(org)
    assert len(by_tier[Tier.city]) == 1
    city = by_tier[Tier.city][0]
    assert city.parent_id is None
    assert len(by_tier[Tier.town]) >= 3
    for town in by_tier[Tier.town]:
        assert town.parent_id == city.id
        children = [o for o in by_tier[Tier.grassroots] if o.parent_id == town.id]
        assert children, f"town {town.code} has no grassroots union"
    assert all(o.parent.tier == Tier.town for o in by_tier[Tier.grassroots])

    # a score of enterprises or more with valid, distinct credit codes
    enterprises = list(db.session.scalars(select(Enterprise)))
    assert len(enterprises) == len(ENTERPRISES) >= 20
    assert all(is_valid_credit_code(e.credit_code) for e in enterprises)
    assert len({e.credit_code for e in enterprises}) == len(enterprises)

    # users of every role, among them `admin`
    users = demo_users()
    assert {u.role for u in users} == set(Role)
    admin = next(u for u in users if u.username == "admin")
    assert admin.role == Role.admin
    assert all(u.password_hash and DEMO_PASSWORD not in u.password_hash for u in users)

    # the logins are printed
    for user in users:
        assert re.search(rf"^\s*{re.escape(user.username)}\s", result.output, re.M), user.username
    assert DEMO_PASSWORD in result.output

    # cases in every state, each with a plausible timeline
    cases = list(db.session.scalars(select(Case)))
    assert len(cases) >= 40
    assert {State(c.state) for c in cases} == set(State)
    events = defaultdict(list)
    for ev in db.session.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)):
        events[ev.case_id].append(ev)
    for case in cases:
        timeline = events[case.id]
        assert timeline, case.number
        assert timeline[0].kind == EventKind.created, case.number
        assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
        times = [ensure_utc(e.at) for e in timeline]
        assert times == sorted(times), f"{case.number}: events out of order"
        assert times[-1] <= finished, f"{case.number}: an event in the future"
        assert ensure_utc(case.received_at) <= times[0], case.number
        transitions = [e for e in timeline if e.kind == EventKind.transition]
        final_state = transitions[-1].to_state if transitions else State.reported.value
        assert final_state == State(case.state).value, case.number
        if State(case.state) == State.closed:
            assert case.outcome is not None
            assert ensure_utc(case.closed_at) == ensure_utc(transitions[-1].at)
        else:
            assert case.closed_at is None
    # the demo looks like real use: several kinds of ending and of cases
    closed = [c for c in cases if State(c.state) == State.closed]
    assert len({c.outcome for c in closed}) >= 3
    assert {c.kind.value for c in cases} == {"dispute", "arrears"}
    assert len({c.category for c in cases}) >= 5
    assert len({c.handling_org_id for c in cases}) >= 3
    # the newest case was registered at the last moment a person could act (office hours)
    assert last_office_moment(started) <= max(ensure_utc(c.created_at) for c in cases) <= finished
    # twelve hotline reports merged into one collective case with three representatives
    # (docs/collective.md)
    merged = [c for c in cases if c.outcome == "merged"]
    assert len(merged) == 11 and len({c.merged_into_id for c in merged}) == 1
    survivor = next(c for c in cases if c.id == merged[0].merged_into_id)
    assert survivor.workers_involved == 12
    assert sum(w.representative for w in survivor.workers) == 3

    # a second run adds nothing and still succeeds
    before = counts()
    again = run(app, "demo", "load")
    assert again.exit_code == 0, again.output
    assert counts() == before
    assert "admin" in again.output

    # and every event chain verifies
    audit = run(app, "audit", "verify")
    assert audit.exit_code == 0, audit.output
    assert f"{before['Case']} cases" in audit.output


def test_demo_password_option_sets_every_demo_users_password(app):
    result = run(app, "demo", "load", "--password", "Xylophone-42")
    assert result.exit_code == 0, result.output
    assert "Xylophone-42" in result.output

    users = demo_users()
    assert len(users) >= 4
    for user in users:
        client = app.test_client()
        response = login(client, user, "Xylophone-42")
        assert response.status_code == 302, user.username
        refused = login(app.test_client(), user, DEMO_PASSWORD)
        assert refused.status_code == 401, user.username

    # given again on an existing demo, it resets the passwords and adds nothing
    before = counts()
    result = run(app, "demo", "load", "--password", "Another-pass-7")
    assert result.exit_code == 0, result.output
    assert counts() == before
    assert login(app.test_client(), users[0], "Another-pass-7").status_code == 302


def test_demo_users_log_in_and_see_their_cases(app):
    assert run(app, "demo", "load").exit_code == 0
    app.config["CASES_PER_PAGE"] = 500  # one page shows all a user may see
    cases = list(db.session.scalars(select(Case)))
    org_by_id = {o.id: o for o in db.session.scalars(select(Organization))}
    assigned = defaultdict(set)
    for case_id, user_id in db.session.execute(
        select(case_advocates.c.case_id, case_advocates.c.user_id)
    ):
        assigned[user_id].add(case_id)

    def in_subtree(org_id: int, root_id: int) -> bool:
        org = org_by_id[org_id]
        while org is not None:
            if org.id == root_id:
                return True
            org = org_by_id.get(org.parent_id)
        return False

    seen_roles = Counter()
    for user in demo_users():
        if user.role == Role.admin:
            expected = {c.id for c in cases}
        elif user.role == Role.advocate:
            expected = assigned[user.id]
        else:
            expected = {c.id for c in cases if in_subtree(c.handling_org_id, user.organization_id)}
        assert expected, f"{user.username} has no cases in the demo"

        client = app.test_client()
        response = login(client, user, DEMO_PASSWORD)
        assert response.status_code == 302, user.username
        page = client.get("/cases")
        assert page.status_code == 200, user.username
        html = page.get_data(as_text=True)
        assert listed_case_ids(html) == expected, user.username
        assert f"共 {len(expected)} 件" in html
        # and each of their cases opens
        some_case = min(expected)
        assert client.get(f"/cases/{some_case}").status_code == 200
        seen_roles[user.role] += 1

    assert set(seen_roles) == set(Role)
    # the advocates see only what is assigned to them, a strict part of the demo
    for user in demo_users():
        if user.role == Role.advocate:
            assert len(assigned[user.id]) < len(cases)
