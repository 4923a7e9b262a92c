"""Authentication brings the user's scope (their organization and all below it) in the same
statement; these tests hold that scope equal to the organization tree, on both ways in (bearer
token and browser session), and fresh on every request."""

from __future__ import annotations

import re

from mediation.orgs import services as org_services
from mediation.orgs.services import subtree_ids
from tests.api.conftest import Api
from tests.conftest import login
from tests.helpers import StatementCounter


def _listed_ids(api: Api, user) -> set[int]:
    response = api.get("/cases?per_page=100", as_=user)
    assert response.status_code == 200
    return {item["id"] for item in response.get_json()["items"]}


def _page_ids(client) -> set[int]:
    response = client.get("/cases")
    assert response.status_code == 200
    return {int(n) for n in re.findall(r'href="/cases/(\d+)"', response.get_data(as_text=True))}


def test_each_user_sees_exactly_their_subtree_through_the_api(
    client, users, orgs, make_case, make_enterprise
):
    cases = {
        code: make_case(
            by=users["admin"], org=code, handling_org_id=orgs[code].id,
            enterprise_id=make_enterprise(code if code != "C" else "G1").id,
        )
        for code in ("C", "T1", "G1", "T2", "G2")
    }  # fmt: skip
    api = Api(client)
    by_org = {case.handling_org_id: case.id for case in cases.values()}
    for name in ("admin", "city_officer", "officer", "mediator", "g1_mediator",
                 "other_officer", "other_mediator"):  # fmt: skip
        user = users[name]
        expected = (
            set(by_org.values())
            if name == "admin"
            else {by_org[i] for i in subtree_ids(user.organization_id) if i in by_org}
        )
        assert _listed_ids(api, user) == expected, name


def test_the_session_page_shows_the_same_scope(client, users, orgs, make_case, make_enterprise):
    t1 = make_case(by=users["admin"], handling_org_id=orgs["G1"].id)
    t2 = make_case(
        by=users["admin"], handling_org_id=orgs["G2"].id, enterprise_id=make_enterprise("G2").id
    )
    login(client, users["officer"])
    shown = _page_ids(client)
    assert t1.id in shown and t2.id not in shown


def test_a_new_union_is_in_scope_at_the_next_request(client, users, orgs, make_case, make_user):
    api = Api(client)
    login(client, users["officer"])
    assert _listed_ids(api, users["officer"]) == set()
    assert _page_ids(client) == set()
    union = org_services.create_organization(
        code="G9", name="一镇新厂工会", tier="grassroots", parent_id=orgs["T1"].id
    )
    case = make_case(by=users["admin"], handling_org_id=union.id)
    assert _listed_ids(api, users["officer"]) == {case.id}
    assert _page_ids(client) == {case.id}
    # and a mediator of the new union sees it too (their own scope, not the officer's)
    orgs["G9"] = union
    mediator = make_user("mediator", "G9")
    assert _listed_ids(api, mediator) == {case.id}


def test_an_api_list_request_costs_three_statements(app, users, make_case):
    """The token with its user and scope, the cases taken over from the user's area (one
    small statement on the partial index of `origin_org_id`: the list's read-only arm,
    docs/case-list.md "Taken-over cases"), then the page with its capped count: a fourth
    statement on this path would be a regression of the list's cost."""
    make_case()
    api = Api(app.test_client())
    api.token(users["officer"])
    api.get("/cases", as_=users["officer"])  # the first use writes last_used_at
    with StatementCounter() as counter:
        response = api.get("/cases", as_=users["officer"])
    statements = counter.statements
    assert response.status_code == 200 and response.get_json()["total"] == 1
    assert len(statements) == 3, statements
    assert "origin_org_id" in statements[1], statements
