"""The case list's pages (a deferred join: a page's ids first, then their rows): walked page by
page in every sort order, they hold each case in scope exactly once, in the asked order with ties
broken by id, with the right enterprise and organization names, and nothing out of scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mediation.cases import services
from mediation.cases.models import Case
from mediation.cases.queries import SORT_CHOICES
from mediation.core.clock import utcnow
from mediation.extensions import db

SORT_KEYS = {
    "received_at": lambda c: c.received_at,
    "number": lambda c: c.number,
    "updated_at": lambda c: c.updated_at,
    "workers_involved": lambda c: c.workers_involved,
    "claim_amount": lambda c: c.claim_amount_fen,
}


@pytest.fixture
def registry(users, make_case, make_enterprise):
    """Seven cases in the mediator's grassroots union (ties on workers and on the moment of
    receipt, a case without a claim) and three in another town's."""
    start = utcnow() - timedelta(days=3)
    mine = [
        make_case(
            title=f"mine {i}",
            workers_involved=(i % 3) + 1,
            received_at=(start + timedelta(hours=i // 2)).isoformat(),
            claim_amount=None if i == 4 else str(1000 + 10 * (i % 4)),
        )
        for i in range(7)
    ]
    theirs = [
        make_case(
            by=users["other_mediator"],
            org="G2",
            title=f"theirs {i}",
            enterprise_id=make_enterprise("G2").id,
        )  # fmt: skip
        for i in range(3)
    ]
    return mine, theirs


def _expected(cases: list[Case], sort: str) -> list[int]:
    """The order the list promises: the sort key (no claim last when ascending, first when
    descending, as the database orders NULLs), ties by id in the same direction."""
    key = SORT_KEYS[sort.lstrip("-")]
    descending = sort.startswith("-")
    present = [c for c in cases if key(c) is not None]
    missing = [c for c in cases if key(c) is None]
    present.sort(key=lambda c: (key(c), c.id), reverse=descending)
    missing.sort(key=lambda c: c.id, reverse=descending)
    is_sqlite = db.engine.dialect.name == "sqlite"
    # PostgreSQL: NULLs are larger than any value; SQLite: smaller
    nulls_first = descending != is_sqlite
    ordered = missing + present if nulls_first else present + missing
    return [c.id for c in ordered]


def _walk(api, user, query: str, per_page: int) -> tuple[list[dict], list[int]]:
    items, totals, page = [], [], 1
    while True:
        body = api.get(f"/cases?{query}&per_page={per_page}&page={page}", as_=user).get_json()
        totals.append(body["total"])
        if not body["items"]:
            return items, totals
        assert len(body["items"]) <= per_page
        items += body["items"]
        page += 1


@pytest.mark.parametrize("sort", SORT_CHOICES)
def test_pages_walk_every_case_in_scope_once_in_order(api, users, registry, sort):
    mine, theirs = registry
    for c in mine + theirs:
        db.session.refresh(c)
    items, totals = _walk(api, users["mediator"], f"sort={sort}", per_page=2)
    assert [i["id"] for i in items] == _expected(mine, sort)
    assert set(totals) == {len(mine)}
    by_id = {c.id: c for c in mine}
    for item in items:
        case = by_id[item["id"]]
        assert item["enterprise_name"] == case.enterprise.name
        assert item["handling_org_name"] == case.handling_org.name
        assert item["number"] == case.number and item["title"] == case.title

    everything, _ = _walk(api, users["admin"], f"sort={sort}", per_page=3)
    assert [i["id"] for i in everything] == _expected(mine + theirs, sort)


@pytest.mark.parametrize("sort", ["number", "-number"])
def test_a_scope_of_several_organizations_walked_by_number(
    api, users, orgs, registry, make_case, drive, sort
):
    """By number, a scope or an organization filter of several organizations is read per
    organization and merged on PostgreSQL (`queries._per_organization`): the pages, which
    here cross from one organization's cases to the next's, still hold each case once, in
    order, with filters applied within each organization and nothing from outside."""
    mine, theirs = registry
    town = [make_case(by=users["officer"], org="T1", title=f"town {i}") for i in range(3)]
    drive(town[1], "accepted")
    drive(mine[2], "accepted")
    for c in mine + theirs + town:
        db.session.refresh(c)
    in_town = mine + town

    def walked(user, query: str, per_page: int = 2) -> list[int]:
        return [i["id"] for i in _walk(api, user, f"sort={sort}&{query}", per_page)[0]]

    assert walked(users["officer"], "") == _expected(in_town, sort)
    assert walked(users["officer"], "", per_page=4) == _expected(in_town, sort)
    assert walked(users["admin"], f"org={orgs['T1'].id}") == _expected(in_town, sort)
    assert walked(users["admin"], f"org={orgs['T2'].id}") == _expected(theirs, sort)
    assert walked(users["officer"], f"org={orgs['G1'].id}") == _expected(mine, sort)
    assert walked(users["officer"], f"org={orgs['T2'].id}") == []  # outside the scope
    accepted = [mine[2], town[1]]
    assert walked(users["officer"], "state=accepted", 1) == _expected(accepted, sort)
    assert walked(users["admin"], f"state=accepted&org={orgs['T1'].id}") == _expected(
        accepted, sort
    )
    assert walked(users["other_officer"], "") == _expected(theirs, sort)
    assert walked(users["city_officer"], f"org={orgs['T2'].id}") == _expected(theirs, sort)
    everything = mine + theirs + town
    assert walked(users["city_officer"], "") == _expected(everything, sort)
    assert walked(users["admin"], f"org={orgs['C'].id}") == _expected(everything, sort)


@pytest.mark.parametrize("sort", ["number", "-number", "-received_at"])
def test_an_advocate_filtering_by_organization_sees_only_assigned_cases(
    api, users, orgs, registry, sort
):
    """The organization filter narrows an advocate's assigned cases; it never widens them to
    the organization's (a hand-written URL: the page offers advocates no organizations)."""
    mine, _theirs = registry
    services.assign_advocate(mine[1].id, users["officer"], users["advocate"].id)
    for org in ("C", "T1", "G1", "T2"):
        body = api.get(
            f"/cases?sort={sort}&org={orgs[org].id}&per_page=50", as_=users["advocate"]
        ).get_json()
        expected = [mine[1].id] if org != "T2" else []
        assert [i["id"] for i in body["items"]] == expected, org
        assert body["total"] == len(expected)


def test_a_filtered_walk_and_a_page_past_the_end(api, users, registry):
    mine, _theirs = registry
    items, totals = _walk(
        api, users["mediator"], "state=reported&kind=arrears&sort=claim_amount", 2
    )
    assert [i["id"] for i in items] == _expected(mine, "claim_amount")
    assert set(totals) == {len(mine)}
    none = _walk(api, users["mediator"], "state=closed", 2)
    assert none == ([], [0])
    past = api.get("/cases?per_page=5&page=9", as_=users["mediator"]).get_json()
    assert past["items"] == [] and past["total"] == len(mine)


def test_one_statement_serves_many_users_and_values_each_with_their_own(
    api, users, registry, drive, orgs
):
    """The list's statements are built once per shape and run with each request's values:
    users of the same shape (two towns' officers, two mediators) and different values of the
    same filters, asked in turn, each get their own scope and their own filter."""
    mine, theirs = registry
    drive(mine[0], "accepted")

    def listed(user, query: str = "") -> set[int]:
        body = api.get(f"/cases?per_page=100&{query}", as_=user).get_json()
        return {item["id"] for item in body["items"]}

    mine_ids, theirs_ids = {c.id for c in mine}, {c.id for c in theirs}
    for _ in range(2):  # the second time, every statement comes from the cache
        assert listed(users["officer"]) == mine_ids
        assert listed(users["other_officer"]) == theirs_ids
        assert listed(users["mediator"], "state=accepted") == {mine[0].id}
        assert listed(users["other_mediator"], "state=accepted") == set()
        assert listed(users["other_mediator"], "state=reported") == theirs_ids
        assert listed(users["mediator"], "state=reported") == mine_ids - {mine[0].id}
        assert listed(users["city_officer"], f"org={orgs['T2'].id}") == theirs_ids
        assert listed(users["city_officer"], f"org={orgs['T1'].id}") == mine_ids
        assert listed(users["advocate"]) == set()  # an advocate sees the cases assigned to them
