"""The case list's free-text search `q` through the API: the number, the title or the
enterprise's name, LIKE's wildcards taken literally, on both databases; on PostgreSQL the
trigram indexes it is answered from (docs/performance.md, "Free-text search")."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from mediation.cases import queries
from mediation.extensions import db
from tests.conftest import requires_postgres
from tests.helpers import TRIGRAM_INDEXES, StatementCounter, trigram_indexes


@pytest.fixture
def searchable(users, make_case, make_enterprise):
    """Cases of town T1 (two enterprises) and one of town T2 whose enterprise has a similar
    name."""
    xinghe = make_enterprise(name="星河电子科技有限公司")
    mingzhu = make_enterprise(name="明珠纺织有限公司")
    cases = {
        "xinghe": make_case(enterprise_id=xinghe.id, title="拖欠三个月工资"),
        "road": make_case(enterprise_id=mingzhu.id, title="星河路工地欠薪"),
        "overtime": make_case(enterprise_id=mingzhu.id, title="加班费争议"),
        "percent": make_case(enterprise_id=mingzhu.id, title="工资100%结清后反悔"),
        "hundred": make_case(enterprise_id=mingzhu.id, title="工资100元差额"),
        "underscore": make_case(enterprise_id=mingzhu.id, title="A_B班组工伤"),
        "letters": make_case(enterprise_id=mingzhu.id, title="AxB班组工伤"),
        "backslash": make_case(enterprise_id=mingzhu.id, title="甲\\乙两班"),
        "elsewhere": make_case(
            by=users["other_mediator"],
            org="G2",
            enterprise_id=make_enterprise("G2", name="星河电子二厂").id,
            title="解除合同",
        ),
    }
    return cases


def search(api, user, term: str, **params) -> list[int]:
    """The ids the API lists for `q=term` (one page of up to 100), after checking that the
    count agrees with them."""
    response = api.get("/cases", as_=user, query_string={"q": term, "per_page": 100, **params})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    ids = [item["id"] for item in body["items"]]
    assert body["total"] == len(ids) and body["total_is_capped"] is False
    return ids


def ids_of(searchable, *names: str) -> set[int]:
    return {searchable[name].id for name in names}


def test_search_by_enterprise_name_title_and_number(api, users, searchable):
    officer = users["officer"]
    # the enterprise's name (three characters and more: from the trigram indexes on PostgreSQL)
    assert set(search(api, officer, "星河电子")) == ids_of(searchable, "xinghe")
    assert set(search(api, officer, "星河电子科技有限公司")) == ids_of(searchable, "xinghe")
    # two characters: the enterprise's name or the title
    assert set(search(api, officer, "星河")) == ids_of(searchable, "xinghe", "road")
    # the title
    assert set(search(api, officer, "加班费")) == ids_of(searchable, "overtime")
    assert set(search(api, officer, "班组工伤")) == ids_of(searchable, "underscore", "letters")
    # the number, whole, in lower case, or its sequence part
    overtime = searchable["overtime"]
    assert set(search(api, officer, overtime.number)) == {overtime.id}
    assert set(search(api, officer, overtime.number.lower())) == {overtime.id}
    assert set(search(api, officer, f"  {overtime.number[-5:]} ")) == {overtime.id}
    # a name every enterprise has, and a term nothing has
    assert len(search(api, officer, "有限公司")) == len(searchable) - 1
    assert search(api, officer, "不存在的词") == []
    # the search stays within the scope; the administrator sees both towns
    elsewhere = ids_of(searchable, "elsewhere")
    assert set(search(api, officer, "二厂")) == set()
    assert set(search(api, users["admin"], "星河电子")) == ids_of(searchable, "xinghe") | elsewhere
    # with a sort
    number_of = {case.id: case.number for case in searchable.values()}
    by_number = search(api, officer, "工资", sort="-number")
    assert set(by_number) == ids_of(searchable, "xinghe", "percent", "hundred")
    assert by_number == sorted(by_number, key=number_of.get, reverse=True)


def test_like_wildcards_and_the_escape_character_are_literal(api, users, searchable):
    officer = users["officer"]
    assert set(search(api, officer, "100%")) == ids_of(searchable, "percent")
    assert set(search(api, officer, "%")) == ids_of(searchable, "percent")
    assert set(search(api, officer, "0%结")) == ids_of(searchable, "percent")
    assert set(search(api, officer, "A_B")) == ids_of(searchable, "underscore")
    assert set(search(api, officer, "_")) == ids_of(searchable, "underscore")
    assert set(search(api, officer, "甲\\乙")) == ids_of(searchable, "backslash")
    assert set(search(api, officer, "\\")) == ids_of(searchable, "backslash")
    assert search(api, officer, "%%%") == []
    assert search(api, officer, "___") == []


def test_a_term_in_very_many_enterprise_names_gives_the_same_cases(
    api, users, searchable, monkeypatch
):
    """Past MAX_ENTERPRISE_IDS matching enterprises the search takes another shape (on
    PostgreSQL): the answer must not change."""
    expected = ids_of(searchable, "xinghe", "road", "overtime", "percent", "hundred")
    expected |= ids_of(searchable, "underscore", "letters", "backslash")
    assert set(search(api, users["officer"], "有限公司")) == expected
    monkeypatch.setattr(queries, "MAX_ENTERPRISE_IDS", 1)
    assert set(search(api, users["officer"], "有限公司")) == expected
    assert set(search(api, users["admin"], "星河电子")) == ids_of(searchable, "xinghe", "elsewhere")


def test_the_export_searches_as_the_list(api, users, searchable):
    response = api.get(
        "/cases/export", as_=users["officer"], query_string={"format": "csv", "q": "星河电子"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [searchable["xinghe"].number]


# --- PostgreSQL: the trigram indexes ----------------------------------------------------------


@requires_postgres
def test_the_models_create_the_trigram_indexes(app):
    """`create_all` (this test run's schema) creates them as the migration does
    (tests/test_migrations.py checks the migration)."""
    with db.engine.connect() as conn:
        assert trigram_indexes(conn) == TRIGRAM_INDEXES


@requires_postgres
def test_the_search_is_a_bitmap_scan_of_the_trigram_indexes(app, api, users, searchable):
    """EXPLAIN of the statement the API runs for a term of three characters and more: a
    BitmapOr of the trigram indexes on the number and the title and of the enterprise_id index
    (the enterprises found by the trigram index on their name). With so few rows the planner
    would read the table, so sequential and plain index scans are discouraged inside the
    EXPLAIN's transaction: what is checked is that the bitmap plan is possible at all. The
    search is the administrator's: in an officer's scope, on a table this small, the planner
    takes the scope's own index instead (at a million cases it takes the BitmapOr there too,
    docs/performance.md)."""
    with StatementCounter() as counter:
        found = search(api, users["admin"], "星河电子")
    statements = list(zip(counter.statements, counter.parameters, strict=True))
    assert sorted(found) == sorted([searchable["xinghe"].id, searchable["elsewhere"].id])
    (page, parameters), *_ = [s for s in statements if "FROM cases" in s[0] and "_total" in s[0]]
    # the enterprises' ids come from the trigram index on their name
    assert any("FROM enterprises" in s and "ILIKE" in s for s, _ in statements)

    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE cases"))
        conn.execute(text("ANALYZE enterprises"))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_indexscan = off"))
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {page}", parameters))
    assert "BitmapOr" in plan, plan
    for index in ("ix_cases_number_trgm", "ix_cases_title_trgm", "ix_cases_enterprise_received"):
        assert f"Bitmap Index Scan on {index}" in plan, plan
