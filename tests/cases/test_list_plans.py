"""On PostgreSQL the statements every list request runs keep one plan.

psycopg prepares a statement after its fifth execution on a connection; PostgreSQL then plans
it once for all executions (a generic plan) only when that plan costs no more than planning
for the given values. A LIMIT sent as a parameter defeats that (the planner assumes a tenth
of the rows), and planning the case list anew on every request cost as much as running it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import String, func, insert, literal, literal_column, select, text, true

from mediation.cases.enums import WarningLevel
from mediation.cases.models import Case
from mediation.cases.queries import SORT_CHOICES
from mediation.core.clock import utcnow
from mediation.core.db import engines
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings.models import Alert, AlertStatus
from tests.conftest import login, requires_postgres
from tests.helpers import StatementCounter


def plans(marker: str) -> list[tuple[int, int, str]]:
    """(generic plans, custom plans, parameter types) of each prepared statement holding
    `marker`, on the connection the list requests used: the read-only engine's (its pool
    holds the one connection those requests took in turn)."""
    with engines()[-1].connect() as conn:
        rows = conn.execute(
            text(
                "SELECT generic_plans, custom_plans, parameter_types::text, statement"
                " FROM pg_prepared_statements"
            )
        ).all()
    return [row[:3] for row in rows if marker in row[3]]


def copies_of(case, count: int) -> None:
    """`count` copies of `case` (numbers of their own), and fresh statistics: the planner
    weighs a LIMIT's share of the rows only when there are enough rows for it to matter."""
    table = Case.__table__
    columns = [c for c in table.c if c.name != "id"]
    copies = select(
        *(
            (c + "-" + func.cast(literal_column("n"), String)).label(c.name)
            if c.name == "number"
            else c
            for c in columns
        )
    ).select_from(table.join(func.generate_series(1, count).alias("n"), true()))
    copies = copies.where(table.c.id == case.id)
    db.session.execute(insert(table).from_select([c.name for c in columns], copies))
    db.session.commit()
    db.session.execute(text("ANALYZE cases"))
    db.session.commit()  # the requests then run as read-only ones do, outside a transaction


def open_alerts(case, org_id: int, count: int) -> None:
    """`count` open alerts of `case` for the organization `org_id`, and fresh statistics."""
    table = Alert.__table__
    n = literal_column("n")
    values = {
        "case_id": literal(case.id),
        "rule": func.concat("r", n),
        "level": literal(WarningLevel.yellow, table.c.level.type),
        "target_tier": literal(Tier.town, table.c.target_tier.type),
        "target_org_id": literal(org_id),
        "status": literal(AlertStatus.open, table.c.status.type),
        "raised_at": literal(utcnow(), table.c.raised_at.type),
    }
    rows = select(*values.values()).select_from(func.generate_series(1, count).alias("n"))
    db.session.execute(insert(table).from_select(list(values), rows))
    db.session.commit()
    db.session.execute(text("ANALYZE alerts"))
    db.session.commit()  # the requests then run as read-only ones do, outside a transaction


@requires_postgres
def test_the_list_and_the_session_lookup_keep_their_plans(
    client, users, make_case, make_enterprise
):
    case = make_case()
    copies_of(case, 20_000)
    # as many cases again in the other town, in fewer unions: the planner's guess for an
    # organization it is not told differs from its count for the one it is told
    theirs = make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id)
    copies_of(theirs, 20_000)
    open_alerts(case, users["officer"].organization_id, 20_000)
    login(client, users["officer"])
    for _ in range(12):
        for path in ("/cases", "/cases?state=reported&level=red", "/api/v1/cases?per_page=50"):
            assert client.get(path).status_code == 200
    lists = plans("page_keys")  # the case list (its deferred join), three shapes
    assert len(lists) == 3 and all(generic > 0 for generic, _custom, _types in lists), lists
    # an officer's scope, the chosen state and level, the page: all written into the SQL, so
    # that no estimate for a parameter can make PostgreSQL plan the list anew
    assert all(types == "{}" for _generic, _custom, types in lists), lists
    # enough kept for an office's many scopes, sorts and filters (psycopg keeps 100)
    assert db.session.connection().connection.driver_connection.prepared_max == 500
    lookups = plans("open_alert_count")  # the session's user lookup with the badge
    assert len(lookups) == 1 and lookups[0][0] > 0, lookups


def page_rows_read(sql: str, parameters) -> int:
    """The most rows any node of the statement's plan produced or filtered away (EXPLAIN
    ANALYZE), but for its InitPlan (the capped count, bounded by its LIMIT): what it read to
    find the page, whatever the machine's speed."""
    with engines()[-1].connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, parameters).scalar()

    def most(node: dict) -> int:
        if node.get("Parent Relationship") == "InitPlan":
            return 0
        here = node["Actual Rows"] * node["Actual Loops"]
        here += node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
        return max([here, *(most(child) for child in node.get("Plans", []))])

    return most(plan[0]["Plan"])


@requires_postgres
@pytest.mark.parametrize("sort", SORT_CHOICES)
def test_every_sort_reads_a_page_not_the_scope(client, users, make_case, make_enterprise, sort):
    """Each of the list's sorts reads about a page's worth of its index (migration
    b7d41e2a9c35), for an officer's scope of several organizations and for the administrator,
    instead of sorting 20,000 cases: by number a town's cases are read per organization."""
    case = make_case()
    copies_of(case, 10_000)
    town = make_case(by=users["officer"], org="T1")
    copies_of(town, 1_000)
    theirs = make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id)
    copies_of(theirs, 10_000)
    # the organizations' cases interleaved in every sort's order, as an office's are
    db.session.execute(
        text(
            "UPDATE cases SET received_at = received_at - (id::bigint * 7919 % 20000) * interval '1 minute',"
            " updated_at = updated_at - (id::bigint * 104729 % 20000) * interval '1 minute',"
            " workers_involved = id * 31 % 200 + 1, claim_amount_fen = id::bigint * 7907 % 100000"
        )
    )
    db.session.commit()
    db.session.execute(text("ANALYZE cases"))
    db.session.commit()
    # (by number, the other town's cases come after the first town's 11,000)
    asked = [(users[name], "") for name in ("officer", "other_officer", "admin")]
    for user, query in [*asked, (users["officer"], "&page=3")]:
        browser = client.application.test_client()
        login(browser, user)
        with StatementCounter() as counter:
            assert browser.get(f"/cases?sort={sort}{query}").status_code == 200
        ran = zip(counter.statements, counter.parameters, strict=True)
        (page,) = [s for s in ran if "page_keys" in s[0]]
        # a page's reach (page * 25) per organization at most
        assert page_rows_read(*page) <= 500, (user.username, sort, query)
