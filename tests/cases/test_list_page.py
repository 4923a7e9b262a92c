"""The case list page: every filter of the shared case query, sorting, and scope."""

from __future__ import annotations

import re

from tests.conftest import login
from tests.html import dom


def numbers(html: str) -> list[str]:
    return re.findall(r'href="/cases/\d+">([A-Z0-9]+-\d{4}-\d{5})</a>', html)


def test_filters_and_sorting_on_the_list_page(client, users, make_case, make_enterprise, drive):
    small = make_case(title="小额欠薪", workers_involved=2, claim_amount="800.00")
    big = make_case(title="集体欠薪", workers_involved=60, claim_amount="900000.00")
    dispute = make_case(
        kind="dispute", category="dismissal", arrears_months=None, workers_involved=1,
        title="违法解除", claim_amount="5000.00",
    )  # fmt: skip
    drive(dispute, "accepted")
    elsewhere = make_case(
        by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id
    )
    login(client, users["mediator"])

    def listed(query: str = "") -> list[str]:
        response = client.get(f"/cases?{query}")
        assert response.status_code == 200
        return numbers(response.get_data(as_text=True))

    assert set(listed()) == {small.number, big.number, dispute.number}
    assert elsewhere.number not in listed()
    assert listed("state=accepted") == [dispute.number]
    assert listed("kind=dispute") == [dispute.number]
    assert listed("category=dismissal") == [dispute.number]
    assert listed("level=red") == [big.number]
    assert listed("tier=city") == [big.number]  # the 60-worker case is supervised by the city
    assert listed("q=集体") == [big.number]
    assert listed(f"q={small.number}") == [small.number]
    assert listed("sort=-workers_involved") == [big.number, small.number, dispute.number]
    assert listed("sort=claim_amount") == [small.number, dispute.number, big.number]
    assert listed(f"org={users['mediator'].organization_id}&sort=number") == sorted(
        [small.number, big.number, dispute.number]
    )
    # a tampered value is refused, not ignored
    assert client.get("/cases?state=lost").status_code == 400
    assert client.get("/cases?sort=password").status_code == 400


def test_the_city_officer_filters_by_organization(client, users, make_case, make_enterprise, orgs):
    t1 = make_case()
    t2 = make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id)
    login(client, users["city_officer"])
    html = client.get(f"/cases?org={orgs['T2'].id}").get_data(as_text=True)
    assert numbers(html) == [t2.number]
    assert t1.number not in html
    # every organization of the subtree is offered in the filter
    assert all(
        f'value="{o.id}"' in client.get("/cases").get_data(as_text=True) for o in orgs.values()
    )


def test_the_page_says_more_than_the_limit(app, client, users, make_case):
    for _ in range(4):
        make_case()
    login(client, users["mediator"])
    html = client.get("/cases").get_data(as_text=True)
    assert 'data-total="4"' in html and "data-capped" not in html
    app.config.update(CASES_COUNT_LIMIT=2, CASES_PER_PAGE=1)
    html = client.get("/cases").get_data(as_text=True)
    assert 'data-total="2" data-capped="true"' in html
    assert len(numbers(html)) == 1 and "page=2" in html
    # the last page: counted to its end, no next page
    html = client.get("/cases?page=4").get_data(as_text=True)
    assert 'data-total="4"' in html and "data-capped" not in html and "page=5" not in html


def test_the_list_page_searches_the_enterprise_name_title_and_number(
    client, users, make_case, make_enterprise
):
    """`q` on the page, as in the API (tests/api/test_case_search.py): a Chinese enterprise
    name of three characters and more (the trigram indexes on PostgreSQL), a title, a number,
    and LIKE's wildcards taken literally."""
    xinghe = make_case(enterprise_id=make_enterprise(name="星河电子科技有限公司").id)
    percent = make_case(title="工资100%结清后反悔")
    hundred = make_case(title="工资100元差额")
    login(client, users["officer"])

    def listed(term: str) -> set[str]:
        response = client.get("/cases", query_string={"q": term})
        assert response.status_code == 200
        return set(numbers(response.get_data(as_text=True)))

    assert listed("星河电子") == {xinghe.number}
    assert listed("100元差") == {hundred.number}
    assert listed("100%") == {percent.number}
    assert listed(percent.number.lower()) == {percent.number}
    assert listed("工资100") == {percent.number, hundred.number}
    assert listed("工资_00") == set()


def test_the_organization_filter_offers_the_scope_by_code(app, client, users, orgs):
    """An officer's filter offers their organization and those below it (read with the
    signed-in user), in the order of their codes; an advocate gets no such filter."""
    login(client, users["officer"])
    html = client.get("/cases").get_data(as_text=True)
    select = html[html.index('<select name="org">') :]
    select = select[: select.index("</select>")]
    offered = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select)
    assert offered == [
        ("", "全部"),
        (str(orgs["G1"].id), "一镇甲厂工会"),
        (str(orgs["T1"].id), "一镇工会"),
    ]
    advocate = app.test_client()
    login(advocate, users["advocate"])
    page = advocate.get("/cases")
    assert page.status_code == 200 and '<select name="org">' not in page.get_data(as_text=True)


def test_the_pager_keeps_the_filters_and_says_where_it_is(app, client, users, make_case):
    for _ in range(5):
        make_case()
    app.config.update(CASES_PER_PAGE=2)
    login(client, users["mediator"])

    def pager(query: str):
        found = dom(client.get(f"/cases?{query}")).find_all("nav", cls="pager")
        assert len(found) == 1
        links = {a.text.strip(): a.attrs["href"] for a in found[0].find_all("a")}
        return found[0].find("span").text.strip(), links

    where, links = pager("state=reported")
    assert where == "第 1 / 3 页"
    assert links == {"下一页": "?state=reported&page=2"}
    where, links = pager("state=reported&page=2&lang=x")
    assert where == "第 2 / 3 页"
    assert links == {
        "上一页": "?state=reported&page=1&lang=x",
        "下一页": "?state=reported&page=3&lang=x",
    }
    where, links = pager("page=3")
    assert where == "第 3 / 3 页" and set(links) == {"上一页"}
    app.config.update(CASES_COUNT_LIMIT=2)  # counted only so far: no "of"
    assert pager("page=1")[0] == "第 1 页"


def test_the_rows_escape_what_people_typed(client, users, make_case, make_enterprise):
    title = """<script>alert("x")</script> & 'quoted' <b>bold</b>"""
    enterprise = make_enterprise(name='<i>厂</i> & "Co"')
    make_case(title=title, enterprise_id=enterprise.id)
    login(client, users["mediator"])
    page = client.get("/cases")
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold" not in html and "<i>厂" not in html
    cells = [td.text for td in dom(page).find("table", cls="cases").find_all("td")]
    assert title in cells and '<i>厂</i> & "Co"' in cells
