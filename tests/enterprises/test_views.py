"""Enterprise pages: list with risk, search, sorting, paging; detail; access; statement count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mediation.cases.enums import WarningLevel
from mediation.core.clock import utcnow
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings.models import Alert, AlertStatus
from tests.conftest import login, valid_credit_code
from tests.helpers import StatementCounter
from tests.html import dom


def listed_ids(response) -> list[int]:
    table = dom(response).find(id="enterprise-list")
    if table is None:
        return []
    return [
        int(r.attrs["data-enterprise-id"])
        for r in table.find_all("tr")
        if "data-enterprise-id" in r.attrs
    ]


def add_alert(case, level: WarningLevel, status=AlertStatus.open, rule="owner_absconded"):
    db.session.add(
        Alert(case_id=case.id, rule=rule, level=level, target_tier=Tier.city,
              target_org_id=case.handling_org_id, status=status,
              raised_at=utcnow() - timedelta(minutes=5))
    )  # fmt: skip
    db.session.commit()


@pytest.fixture
def registry(make_enterprise, make_case, users):
    """T1's area: a calm enterprise and a troubled one; T2's area: one enterprise."""
    calm = make_enterprise("G1", name="安宁纺织有限公司", credit_code=valid_credit_code(7001))
    troubled = make_enterprise(
        "T1", name="东风建筑工程有限公司", credit_code=valid_credit_code(7002)
    )
    elsewhere = make_enterprise("G2", name="二镇电子有限公司", credit_code=valid_credit_code(7003))
    case = make_case(enterprise_id=troubled.id, workers_involved=3, arrears_months=None,
                     kind="dispute", category="dismissal", claim_amount="5000.00")  # fmt: skip
    add_alert(case, WarningLevel.red)
    make_case(by=users["other_mediator"], org="G2", enterprise_id=elsewhere.id)
    return {"calm": calm, "troubled": troubled, "elsewhere": elsewhere, "case": case}


def test_anonymous_is_sent_to_login(client, registry):
    for url in ("/enterprises", f"/enterprises/{registry['calm'].id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["advocate", "other_advocate"])
def test_advocates_are_refused(client, users, registry, who):
    login(client, users[who])
    assert client.get("/enterprises").status_code == 403
    assert client.get(f"/enterprises/{registry['calm'].id}").status_code == 403


def test_list_shows_the_area_riskiest_first_with_figures(client, users, registry):
    login(client, users["mediator"])
    response = client.get("/enterprises")
    assert response.status_code == 200
    ids = listed_ids(response)
    assert ids == [registry["troubled"].id, registry["calm"].id]  # not T2's enterprise
    row = dom(response).find("tr", **{"data-enterprise-id": str(registry["troubled"].id)})
    assert row.find(cls="level-red").attrs["data-level"] == "red"
    assert "risk-red" in row.classes
    assert row.find(**{"data-open-cases": "1"}) is not None
    assert row.find(**{"data-workers": "3"}) is not None
    assert row.find(**{"data-owed-fen": "500000"}) is not None
    assert row.find(**{"data-open-alerts": "1"}) is not None
    calm = dom(response).find("tr", **{"data-enterprise-id": str(registry["calm"].id)})
    assert calm.find(cls="level-red") is None and calm.find(**{"data-open-cases": "0"})


def test_sort_by_name_and_search(client, users, registry):
    login(client, users["admin"])
    by_name = listed_ids(client.get("/enterprises?sort=name"))
    names = {registry[k].id: registry[k].name for k in ("calm", "troubled", "elsewhere")}
    assert [names[i] for i in by_name] == sorted(names.values())
    assert listed_ids(client.get("/enterprises?q=纺织")) == [registry["calm"].id]
    code = registry["elsewhere"].credit_code
    assert listed_ids(client.get(f"/enterprises?q={code[-8:].lower()}")) == [
        registry["elsewhere"].id
    ]
    assert listed_ids(client.get("/enterprises?q=%25")) == []  # LIKE wildcards are literal
    assert client.get("/enterprises?sort=bogus&page=-3").status_code == 200


def test_city_staff_see_every_area(client, users, registry):
    login(client, users["city_officer"])
    assert set(listed_ids(client.get("/enterprises"))) == {
        registry[k].id for k in ("calm", "troubled", "elsewhere")
    }


def test_pagination(client, users, make_enterprise, app):
    app.config["ENTERPRISES_PER_PAGE"] = 2
    for n in range(5):
        make_enterprise("G1", name=f"企业{n}", credit_code=valid_credit_code(7100 + n))
    login(client, users["mediator"])
    first = client.get("/enterprises?sort=name")
    assert len(listed_ids(first)) == 2
    assert dom(first).find("nav", cls="pager") is not None
    third = client.get("/enterprises?sort=name&page=3")
    assert len(listed_ids(third)) == 1
    assert dom(third).find(**{"data-total": "5"}) is not None


def test_detail_shows_facts_risk_and_visible_cases_only(client, users, registry, make_case):
    troubled = registry["troubled"]
    # a second case against the same employer, handled by the town (outside G1's subtree)
    town_case = make_case(org="T1", enterprise_id=troubled.id)
    login(client, users["g1_mediator"])
    response = client.get(f"/enterprises/{troubled.id}")
    assert response.status_code == 200
    page = dom(response)
    assert troubled.credit_code in page.find(id="enterprise-facts").text
    risk = page.find(id="enterprise-risk")
    assert risk.find(**{"data-open-cases": "2"}) is not None  # risk counts every case
    assert risk.find(cls="level-red") is not None
    listed = {
        int(r.attrs["data-case-id"]) for r in page.find_all("tr") if "data-case-id" in r.attrs
    }
    assert listed == {registry["case"].id}
    assert town_case.id not in listed

    town = client.application.test_client()
    login(town, users["mediator"])  # the town sees both
    page = dom(town.get(f"/enterprises/{troubled.id}"))
    listed = {
        int(r.attrs["data-case-id"]) for r in page.find_all("tr") if "data-case-id" in r.attrs
    }
    assert listed == {registry["case"].id, town_case.id}


@pytest.mark.parametrize("who", ["mediator", "officer", "g1_mediator"])
def test_out_of_area_enterprise_is_not_found(client, users, registry, who):
    login(client, users[who])
    assert client.get(f"/enterprises/{registry['elsewhere'].id}").status_code == 404
    assert client.get("/enterprises/999999").status_code == 404
    assert client.get(f"/enterprises/{2**31}").status_code == 404


def test_other_town_sees_its_own(client, users, registry):
    login(client, users["other_officer"])
    assert listed_ids(client.get("/enterprises")) == [registry["elsewhere"].id]
    assert client.get(f"/enterprises/{registry['elsewhere'].id}").status_code == 200
    assert client.get(f"/enterprises/{registry['calm'].id}").status_code == 404


def test_nav_links(client, users):
    login(client, users["mediator"])
    nav = dom(client.get("/cases")).find("nav")
    hrefs = {a.attrs["href"] for a in nav.find_all("a")}
    assert {"/enterprises", "/workflow"} <= hrefs
    advocate = client.application.test_client()
    login(advocate, users["advocate"])
    hrefs = {a.attrs["href"] for a in dom(advocate.get("/cases")).find("nav").find_all("a")}
    assert "/workflow" in hrefs and "/enterprises" not in hrefs


def test_list_statements_do_not_grow_with_the_enterprises_on_the_page(
    client, users, make_enterprise, make_case
):
    def statements_for_list() -> int:
        with StatementCounter() as counter:
            assert client.get("/enterprises").status_code == 200
        return counter.count

    def add_troubled(n: int) -> None:
        enterprise = make_enterprise("G1", credit_code=valid_credit_code(7200 + n))
        case = make_case(enterprise_id=enterprise.id)
        add_alert(case, WarningLevel.orange, rule="agreement_default")

    login(client, users["mediator"])
    add_troubled(0)
    few = statements_for_list()
    for n in range(1, 12):
        add_troubled(n)
    many = statements_for_list()
    assert len(listed_ids(client.get("/enterprises"))) == 12
    assert many == few
