"""The case list's queue tools (issue 20; docs/case-list.md): mediator and next-deadline
columns, the "my cases" / "overdue" / "by mediator" filters, sorting by the column headers,
saved filters, bulk assignment of a mediator, and the same through the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from mediation.cases import services
from mediation.cases.models import Case
from mediation.cases.saved_filters import SavedFilter
from mediation.core.clock import utcnow
from mediation.extensions import db
from tests.api.conftest import Api
from tests.conftest import login
from tests.helpers import StatementCounter


def numbers(html: str) -> list[str]:
    return re.findall(r'href="/cases/\d+">([A-Z0-9]+-\d{4}-\d{5})</a>', html)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/cases?{query}")
    assert response.status_code == 200, response.status_code
    return numbers(response.get_data(as_text=True))


def assign(case: Case, mediator, by) -> Case:
    return services.assign_mediator(
        case.id, by, {"mediator_id": mediator.id, "version": case.version}
    )


# --- columns and filters -----------------------------------------------------------------------


def test_rows_show_the_mediator_and_the_next_deadline(client, users, make_case):
    case = make_case()
    assign(case, users["mediator"], users["officer"])
    login(client, users["officer"])
    html = client.get("/cases").get_data(as_text=True)
    assert users["mediator"].display_name in html
    assert 'class="deadline"' in html  # the acceptance clock runs from the report
    assert re.search(r"\d+ days? left|天", html)


def test_my_cases_overdue_and_by_mediator_filters(client, users, make_case):
    mine = make_case(workers_involved=3)
    assign(mine, users["mediator"], users["officer"])
    theirs = make_case(workers_involved=4)
    assign(theirs, users["g1_mediator"], users["officer"])
    old = make_case(now=utcnow() - timedelta(days=40), workers_involved=5)  # never accepted
    login(client, users["mediator"])
    assert listed(client, "mine=true") == [mine.number]
    assert listed(client, f"mediator={users['g1_mediator'].id}") == [theirs.number]
    assert listed(client, "overdue=true") == [old.number]
    html = client.get("/cases?overdue=true").get_data(as_text=True)
    assert 'class="deadline overdue"' in html
    # the filters combine
    assert listed(client, f"overdue=true&mediator={users['g1_mediator'].id}") == []
    # a tampered value is refused
    assert client.get("/cases?mediator=abc").status_code == 400
    assert client.get("/cases?overdue=maybe").status_code == 400
    # the mediator select offers the area's mediators only
    assert users["g1_mediator"].display_name in html
    assert (
        f'value="{users["other_mediator"].id}"' not in html.split('id="filter-mediator"')[1][:2000]
    )


def test_overdue_respects_scope(client, users, make_case, make_enterprise):
    make_case(
        by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id,
        now=utcnow() - timedelta(days=40),
    )  # fmt: skip
    login(client, users["mediator"])
    assert listed(client, "overdue=true") == []


def test_sorting_by_clicking_the_column_headers(client, users, make_case):
    small = make_case(workers_involved=2, claim_amount="800.00")
    big = make_case(workers_involved=40, claim_amount="9000.00")
    login(client, users["mediator"])
    html = client.get("/cases?sort=-workers_involved&state=reported").get_data(as_text=True)
    assert numbers(html) == [big.number, small.number]
    header = re.search(r'<th scope="col" aria-sort="descending"><a href="([^"]+)"', html)
    assert header is not None
    href = header.group(1).replace("&amp;", "&")
    assert "sort=workers_involved" in href and "state=reported" in href  # filters kept
    assert numbers(client.get(href).get_data(as_text=True)) == [small.number, big.number]
    assert html.count('aria-sort="none"') == 4  # received, number, claim, updated
    for sort in ("received_at", "number", "claim_amount", "updated_at"):
        assert f'data-sort="-{sort}"' in html or f'data-sort="{sort}"' in html


def test_a_page_costs_the_same_statements_for_2_or_12_cases(client, users, make_case):
    def statements() -> int:
        db.session.expire_all()
        with StatementCounter() as counter:
            assert client.get("/cases").status_code == 200
        return counter.count

    for _ in range(2):
        assign(make_case(), users["mediator"], users["officer"])
    login(client, users["officer"])
    few = statements()
    for _ in range(10):
        assign(make_case(), users["g1_mediator"], users["officer"])
    assert statements() == few


# --- saved filters -------------------------------------------------------------------------


def test_saved_filter_round_trip(client, users, make_case):
    mine = make_case()
    assign(mine, users["mediator"], users["officer"])
    make_case()
    login(client, users["mediator"])
    response = client.post(
        "/cases/saved-filters", data={"name": "我的案件", "query": "mine=true&page=3"}
    )
    assert response.status_code == 302
    saved = db.session.query(SavedFilter).one()
    assert saved.query == "mine=true"  # canonical, without the page
    # shown in the navigation of every page
    dashboard = client.get("/").get_data(as_text=True)
    assert "我的案件" in dashboard and f"/cases/saved-filters/{saved.id}" in dashboard
    opened = client.get(f"/cases/saved-filters/{saved.id}")
    assert opened.headers["Location"].endswith("/cases?mine=true")
    assert listed(client, "mine=true") == [mine.number]
    # another user cannot open nor delete it
    client.post("/logout")
    login(client, users["officer"])
    assert client.get(f"/cases/saved-filters/{saved.id}").status_code == 404
    assert client.post(f"/cases/saved-filters/{saved.id}/delete").status_code == 404
    client.post("/logout")
    login(client, users["mediator"])
    assert client.post(f"/cases/saved-filters/{saved.id}/delete").status_code == 302
    assert db.session.query(SavedFilter).count() == 0


def test_a_tampered_saved_filter_is_refused(client, users):
    login(client, users["mediator"])
    for query in ("state=lost", "password=x", "mine=true&mine=false", "sort=drop"):
        client.post("/cases/saved-filters", data={"name": "x", "query": query})
    assert db.session.query(SavedFilter).count() == 0
    # a row edited behind the application's back is checked again when used
    saved = SavedFilter(user_id=users["mediator"].id, name="bad", query="state=reported")
    db.session.add(saved)
    db.session.commit()
    saved.query = "state=reported&org=javascript:alert(1)"
    db.session.commit()
    response = client.get(f"/cases/saved-filters/{saved.id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cases")


def test_saved_filters_api(api, users):
    mediator = users["mediator"]
    created = api.post(
        "/saved-filters", as_=mediator, json={"name": "逾期", "query": "overdue=true"}
    )
    assert created.status_code == 201, created.get_json()
    listed_ = api.get("/saved-filters", as_=mediator).get_json()["items"]
    assert [(f["name"], f["query"]) for f in listed_] == [("逾期", "overdue=true")]
    bad = api.post("/saved-filters", as_=mediator, json={"name": "x", "query": "state=lost"})
    assert bad.status_code == 422
    assert "query.state" in bad.get_json()["error"]["fields"]
    assert api.post("/saved-filters", as_=mediator, json={"name": ""}).status_code == 422
    fid = created.get_json()["id"]
    assert api.delete(f"/saved-filters/{fid}", as_=users["officer"]).status_code == 404
    assert api.delete(f"/saved-filters/{fid}", as_=mediator).status_code == 204
    assert api.get("/saved-filters", as_=mediator).get_json()["items"] == []


# --- bulk assignment -------------------------------------------------------------------------


def test_bulk_assignment_assigns_every_checked_case(client, users, make_case):
    a, b = make_case(), make_case()
    login(client, users["officer"])
    html = client.get("/cases").get_data(as_text=True)
    assert 'id="bulk-assign"' in html and f'value="{a.id}:{a.version}"' in html
    response = client.post(
        "/cases/assign-mediator",
        data={
            "case": [f"{a.id}:{a.version}", f"{b.id}:{b.version}"],
            "mediator_id": str(users["g1_mediator"].id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Case, a.id).mediator_id, db.session.get(Case, b.id).mediator_id} == {
        users["g1_mediator"].id
    }


def test_bulk_assignment_is_all_or_nothing(client, users, make_case):
    a, b = make_case(), make_case()
    stale = b.version
    assign(b, users["mediator"], users["officer"])  # b changed since the list was shown
    login(client, users["officer"])
    response = client.post(
        "/cases/assign-mediator",
        data={"case": [f"{a.id}:{a.version}", f"{b.id}:{stale}"],
              "mediator_id": str(users["g1_mediator"].id)},
        follow_redirects=True,
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert b.number in html  # the refusal names the case
    db.session.expire_all()
    assert db.session.get(Case, a.id).mediator_id is None  # nothing changed


def test_bulk_assignment_refused_to_advocates(client, users, make_case):
    a = make_case()
    login(client, users["advocate"])
    assert 'id="bulk-assign"' not in client.get("/cases").get_data(as_text=True)
    response = client.post(
        "/cases/assign-mediator",
        data={"case": f"{a.id}:{a.version}", "mediator_id": str(users["mediator"].id)},
    )
    assert response.status_code == 403


def test_bulk_assignment_api(api, users, make_case, make_enterprise):
    a, b = make_case(), make_case()
    elsewhere = make_case(
        by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id
    )
    officer, mediator = users["officer"], users["g1_mediator"]
    # out of scope: 404, nothing changed
    response = api.post(
        "/cases/assign-mediator", as_=officer,
        json={"case_ids": [a.id, elsewhere.id], "mediator_id": mediator.id},
    )  # fmt: skip
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, a.id).mediator_id is None
    # a stale version: 422 per case, nothing changed
    response = api.post(
        "/cases/assign-mediator", as_=officer,
        json={"case_ids": [a.id, b.id], "mediator_id": mediator.id,
              "versions": [a.version, b.version - 1]},
    )  # fmt: skip
    assert response.status_code == 422
    assert f"cases.{b.id}" in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(Case, a.id).mediator_id is None
    # field messages for bad input
    response = api.post("/cases/assign-mediator", as_=officer, json={"case_ids": []})
    assert response.status_code == 422
    assert {"case_ids", "mediator_id"} <= set(response.get_json()["error"]["fields"])
    # all good
    response = api.post(
        "/cases/assign-mediator", as_=officer,
        json={"case_ids": [a.id, b.id], "mediator_id": mediator.id},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert {item["id"] for item in response.get_json()["items"]} == {a.id, b.id}
    assert api.post(
        "/cases/assign-mediator", as_=users["advocate"],
        json={"case_ids": [a.id], "mediator_id": mediator.id},
    ).status_code == 403  # fmt: skip


def test_the_api_list_takes_the_same_filters(api, users, make_case):
    mine = make_case()
    assign(mine, users["mediator"], users["officer"])
    old = make_case(now=utcnow() - timedelta(days=40))
    mediator = users["mediator"]

    def ids(query: str) -> list[int]:
        response = api.get(f"/cases?{query}", as_=mediator)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("mine=true") == [mine.id]
    assert ids(f"mediator={mediator.id}") == [mine.id]
    assert ids("overdue=true") == [old.id]
    assert api.get("/cases?mediator=x", as_=mediator).status_code == 422
