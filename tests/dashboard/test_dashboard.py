"""The role dashboards at `/`: which cases and alerts each role sees there, in what order, and a
fixed number of SQL statements whatever the number of cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mediation.cases import services
from mediation.core.clock import utcnow
from mediation.extensions import db
from tests.conftest import login, trigger_payload
from tests.helpers import StatementCounter
from tests.html import dom


def case_numbers(page) -> list[str]:
    return [n.attrs["data-case"] for n in dom(page).find_all(cls="case-row")]


def accept_as(case, users, mediator):
    payload = dict(trigger_payload("accept", users), mediator_id=mediator.id)
    return services.fire_trigger(case.id, "accept", users["officer"], payload)


@pytest.fixture
def t2_case(users, make_case, make_enterprise):
    """A case handled in the other town, T2 (out of scope for T1's staff)."""

    def factory(**kw):
        kw.setdefault("org", "T2")
        return make_case(by=users["other_mediator"], enterprise_id=make_enterprise("G2").id, **kw)

    return factory


def received(days_ago: float) -> str:
    return (utcnow() - timedelta(days=days_ago)).isoformat()


# --- mediator -------------------------------------------------------------------------------------


def test_mediator_sees_own_open_cases_and_unassigned_reports_of_their_scope(
    client, users, make_case, drive, t2_case
):
    mine = accept_as(make_case(), users, users["mediator"])
    unassigned = make_case(org="G1")
    colleagues = accept_as(make_case(), users, users["g1_mediator"])
    other_town = t2_case()
    closed = drive(make_case(), "closed")  # rejected: no longer open

    login(client, users["mediator"])
    page = client.get("/")
    assert page.status_code == 200
    shown = set(case_numbers(page))
    assert {mine.number, unassigned.number} == shown
    assert not shown & {colleagues.number, other_town.number, closed.number}

    counts = {
        n.attrs["data-state"]: int(n.attrs["data-count"])
        for n in dom(page).find(id="state-counts").find_all("a")
    }
    assert counts == {"reported": 1, "accepted": 1}
    groups = [s.attrs["data-state"] for s in dom(page).find_all("section", cls="state-group")]
    assert groups == ["reported", "accepted"]


def test_a_grassroots_mediator_does_not_see_unassigned_reports_of_the_town(
    client, users, make_case
):
    town_case = make_case(org="T1")
    g1_case = make_case(org="G1")
    login(client, users["g1_mediator"])
    assert case_numbers(client.get("/")) == [g1_case.number]
    assert town_case.number not in client.get("/").get_data(as_text=True)


def test_mediator_cases_are_listed_nearest_deadline_first_with_overdue_in_red(
    client, users, make_case
):
    recent = make_case(received_at=received(1))
    overdue = make_case(received_at=received(25))
    middle = make_case(received_at=received(5))

    login(client, users["mediator"])
    page = client.get("/")
    assert case_numbers(page) == [overdue.number, middle.number, recent.number]
    rows = {n.attrs["data-case"]: n for n in dom(page).find_all(cls="case-row")}
    late = rows[overdue.number].find(cls="countdown")
    assert "overdue" in late.classes and int(late.attrs["data-days"]) < 0
    assert int(rows[recent.number].attrs["data-days"]) > 0
    assert "overdue" not in rows[recent.number].find(cls="countdown").classes


def test_mediator_without_cases_gets_an_empty_state(client, users, t2_case):
    t2_case()
    login(client, users["mediator"])
    page = dom(client.get("/"))
    assert page.find(id="no-cases") is not None
    assert page.find(cls="case-row") is None


# --- officer and admin ----------------------------------------------------------------------------


def level_counts(page) -> dict[str, int]:
    return {
        n.attrs["data-level"]: int(n.attrs["data-count"])
        for n in dom(page).find_all(cls="level-count")
    }


def org_rows(page) -> dict[str, tuple[int, int]]:
    table = dom(page).find(id="cases-by-org")
    return {
        r.attrs["data-org"]: (int(r.attrs["data-cases"]), int(r.attrs["data-workers"]))
        for r in table.find_all("tr")
        if "data-org" in r.attrs
    }


def test_officer_sees_alerts_of_their_org_by_level_and_cases_of_their_subtree(
    client, users, make_case, t2_case
):
    big = make_case(workers_involved=12, org="G1")  # collective: yellow, to the town
    make_case(workers_involved=3, arrears_months=None, kind="dispute", category="dismissal",
              org="T1")  # fmt: skip
    elsewhere = t2_case(workers_involved=14)

    login(client, users["officer"])
    page = client.get("/")
    assert page.status_code == 200
    counts = level_counts(page)
    assert set(counts) == {"blue", "yellow", "orange", "red"}
    assert counts["yellow"] >= 1
    newest = dom(page).find(id="newest-alerts")
    shown = {r.attrs["data-case"] for r in newest.find_all("tr") if "data-case" in r.attrs}
    assert big.number in shown and elsewhere.number not in shown
    assert dom(page).find(id="inbox-link").attrs["href"] == "/alerts"

    rows = org_rows(page)
    assert set(rows) == {"T1", "G1"}  # the officer's subtree, nothing of T2 or the city
    assert rows["G1"] == (1, 12)
    assert rows["T1"] == (1, 3)
    totals = dom(page).find(id="org-totals")
    assert (totals.attrs["data-cases"], totals.attrs["data-workers"]) == ("2", "15")


def test_other_town_officer_sees_none_of_it(client, users, make_case):
    make_case(workers_involved=12, org="G1")
    login(client, users["other_officer"])
    page = client.get("/")
    assert sum(level_counts(page).values()) == 0
    assert org_rows(page) == {"T2": (0, 0), "G2": (0, 0)}


def test_admin_and_city_officer_see_every_organization(client, users, make_case, t2_case):
    make_case(workers_involved=12, org="G1")
    t2_case(workers_involved=2, org="G2")
    for who in ("admin", "city_officer"):
        login(client, users[who])
        rows = org_rows(client.get("/"))
        assert set(rows) == {"C", "T1", "T2", "G1", "G2"}
        assert rows["G1"] == (1, 12) and rows["G2"] == (1, 2)
        client.post("/logout")


def test_an_admin_of_a_town_still_sees_the_whole_network(client, make_user, make_case):
    make_case(workers_involved=12, org="G1")
    login(client, make_user("admin", "T2", "town_admin"))
    page = client.get("/")
    assert set(org_rows(page)) == {"C", "T1", "T2", "G1", "G2"}
    assert level_counts(page)["yellow"] >= 1  # an admin's inbox holds every alert


def test_acknowledged_alerts_leave_the_officer_counts(client, users, make_case):
    from mediation.warnings.models import Alert
    from mediation.warnings.services import acknowledge

    make_case(workers_involved=12, org="G1")
    login(client, users["officer"])
    before = sum(level_counts(client.get("/")).values())
    assert before >= 1
    for alert in db.session.scalars(
        db.select(Alert).where(Alert.target_org_id == users["officer"].organization_id)
    ).all():
        acknowledge(alert.id, users["officer"], {"note": "已安排"})
    assert sum(level_counts(client.get("/")).values()) == 0


# --- advocate -------------------------------------------------------------------------------------


def test_advocate_sees_only_assigned_cases_open_first(client, users, make_case, drive):
    assigned_open = make_case()
    assigned_closed = make_case()
    not_assigned = make_case()
    for case in (assigned_open, assigned_closed):
        services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    drive(assigned_closed, "closed")

    login(client, users["advocate"])
    page = dom(client.get("/"))
    cards = [n.attrs["data-case"] for n in page.find_all("article", cls="case-card")]
    assert cards == [assigned_open.number, assigned_closed.number]
    assert not_assigned.number not in cards


def test_advocate_without_cases_gets_an_empty_state(client, users, make_case):
    make_case()
    login(client, users["advocate"])
    assert dom(client.get("/")).find(id="no-cases") is not None


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- a fixed number of statements -----------------------------------------------------------------


def statements_for(client, path: str = "/") -> int:
    db.session.expire_all()
    with StatementCounter() as counter:
        assert client.get(path).status_code == 200
    return counter.count


@pytest.mark.parametrize("role", ["mediator", "officer", "admin", "advocate"])
def test_dashboards_cost_the_same_statements_for_2_or_12_cases(client, users, make_case, role):
    def add_cases(n: int) -> None:
        for i in range(n):
            case = make_case(workers_involved=12 if i % 2 else 2, org="G1" if i % 3 else "T1")
            if i % 2:
                accept_as(case, users, users["mediator"])
            services.assign_advocate(case.id, users["mediator"], users["advocate"].id)

    login(client, users[role])
    add_cases(2)
    few = statements_for(client)
    add_cases(10)
    many = statements_for(client)
    assert many == few
