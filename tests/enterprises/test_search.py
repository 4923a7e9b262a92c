"""The new-case form's employer search: the JSON endpoint and the form without JavaScript."""

from __future__ import annotations

from tests.conftest import login, valid_credit_code
from tests.html import dom


def test_search_by_name_or_credit_code_within_the_area(client, users, make_enterprise):
    ours = make_enterprise("G1", name="江川精密机械有限公司")
    make_enterprise("G2", name="江川精密电子有限公司")  # another town's area
    code = valid_credit_code()
    by_code = make_enterprise("T1", name="别的公司", credit_code=code)
    login(client, users["mediator"])
    response = client.get("/enterprises/search?q=精密")
    assert response.status_code == 200
    assert [i["id"] for i in response.json["items"]] == [ours.id]
    assert response.json["items"][0]["credit_code"] == ours.credit_code
    found = client.get(f"/enterprises/search?q={code[-8:].lower()}").json["items"]
    assert [i["id"] for i in found] == [by_code.id]
    assert client.get("/enterprises/search?q=").json["items"] == []
    assert client.get("/enterprises/search?q=%25").json["items"] == []  # LIKE wildcards escaped


def test_search_answers_at_most_20(client, users, make_enterprise):
    for n in range(25):
        make_enterprise("G1", name=f"批量企业{n:02d}")
    login(client, users["officer"])
    assert len(client.get("/enterprises/search?q=批量").json["items"]) == 20


def test_search_refused_to_advocates_and_anonymous(client, users):
    assert client.get("/enterprises/search?q=x").status_code == 302
    login(client, users["advocate"])
    assert client.get("/enterprises/search?q=x").status_code == 403


def test_new_case_form_has_the_search_box_and_still_the_select(client, users, make_enterprise):
    ours = make_enterprise("G1")
    theirs = make_enterprise("G2")
    login(client, users["mediator"])
    page = dom(client.get("/cases/new"))
    box = page.find(id="enterprise-search")
    assert box is not None and box.attrs["data-search-url"] == "/enterprises/search"
    options = [
        o.attrs.get("value") for o in page.find("select", id="f-enterprise_id").find_all("option")
    ]
    assert str(ours.id) in options and str(theirs.id) not in options
    script = page.find("script")
    assert script.attrs["src"] == "/static/enterprise_search.js"
    assert client.get(script.attrs["src"]).status_code == 200


def test_refused_form_keeps_the_search_text_and_the_new_enterprise(client, users, orgs):
    login(client, users["mediator"])
    response = client.post(
        "/cases/new",
        data={
            "kind": "dispute", "category": "dismissal", "handling_org_id": orgs["G1"].id,
            "enterprise_q": "新开张", "enterprise.name": "新开张有限公司",
            "enterprise.credit_code": "bad", "workers_involved": "1",
        },
    )  # fmt: skip
    assert response.status_code == 422
    page = dom(response)
    assert page.find("input", id="f-enterprise_q").attrs["value"] == "新开张"
    assert page.find("input", id="f-enterprise.name").attrs["value"] == "新开张有限公司"


def test_new_case_with_a_chosen_enterprise_ignores_the_search_text(
    client, users, orgs, make_enterprise
):
    ours = make_enterprise("G1")
    login(client, users["mediator"])
    response = client.post(
        "/cases/new",
        data={
            "kind": "dispute", "category": "dismissal", "handling_org_id": orgs["G1"].id,
            "enterprise_q": ours.name, "enterprise_id": ours.id, "title": "解除合同",
            "workers_involved": "1",
        },
    )  # fmt: skip
    assert response.status_code == 302
