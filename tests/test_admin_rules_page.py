"""The rule-thresholds page speaks to an administrator, not a developer: levels and addressees
are chosen from translated lists, every number says what it counts from, and no raw key or
file path is shown."""

from __future__ import annotations

from mediation.warnings.settings import current_settings
from tests.conftest import login
from tests.html import dom


def test_levels_and_addressees_are_translated_choices(client, users):
    login(client, users["admin"])
    response = client.get("/admin/rules")
    html = response.get_data(as_text=True)
    page = dom(response)
    level = page.find("select", id="r-collective.level")
    assert level is not None
    options = {o.attrs["value"]: o.text.strip() for o in level.find_all("option")}
    assert options == {
        "blue": "蓝色预警",
        "yellow": "黄色预警",
        "orange": "橙色预警",
        "red": "红色预警",
    }
    chosen = [o.attrs["value"] for o in level.find_all("option") if "selected" in o.attrs]
    assert chosen == ["yellow"]
    target = page.find("select", id="r-mediation_due_soon.target")
    assert {o.text.strip() for o in target.find_all("option")} >= {"承办单位本级", "市总工会"}
    assert "warning_rules.toml" not in html and "<code" not in html
    help_text = page.find(id="r-acceptance_overdue.working_days-help")
    assert help_text is not None and "工作日" in help_text.text


def test_choosing_from_the_lists_saves_and_the_history_reads_in_words(client, users):
    login(client, users["admin"])
    client.post("/language", data={"lang": "en"})
    answer = client.post(
        "/admin/rules", data={"collective.level": "orange", "collective.target": "city"}
    )
    assert answer.status_code == 302
    assert current_settings()["collective"]["level"] == "orange"
    history = dom(client.get("/admin/rules")).find(id="history").text
    assert "Yellow alert → Orange alert" in " ".join(history.split())
    assert "Town or street union → City federation" in " ".join(history.split())


def test_a_code_that_is_no_choice_is_refused_beside_its_field(client, users):
    login(client, users["admin"])
    answer = client.post("/admin/rules", data={"collective.level": "purple"})
    assert answer.status_code == 422
    field = dom(answer).find("select", id="r-collective.level").parent
    assert field.find("p", cls="field-error") is not None
