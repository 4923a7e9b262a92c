"""The lifecycle diagram is drawn from the machine: Mermaid, SVG, the CLI, the page, the README."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mediation.cases import diagram, workflow
from tests.conftest import login
from tests.html import dom

# outside an app the diagram speaks Chinese, straight from the catalogue
CHINESE = {s["code"]: s["label"] for s in diagram.machine()["states"]}
README = Path(__file__).resolve().parents[2] / "README.md"
SVG_NS = "{http://www.w3.org/2000/svg}"


def edges_of_machine() -> set[tuple[str, str, str]]:
    return {(s.value, t.dest.value, t.name) for t in workflow.TRIGGERS for s in t.sources}


def test_mermaid_has_every_state_and_every_trigger_edge_with_its_roles():
    text = diagram.mermaid()
    assert text.startswith("stateDiagram-v2\n")
    for state in workflow.State:
        assert f'state "{CHINESE[state.value]} {state.value}" as {state.value}' in text
    assert f"[*] --> {workflow.INITIAL_STATE.value}" in text
    found = set()
    for line in text.splitlines():
        match = re.fullmatch(r"\s+(\w+) --> (\w+) : (\w+) \S+ \(([\w, ]+)\)", line)
        if match:
            source, dest, name, roles = match.groups()
            found.add((source, dest, name))
            expected = sorted(r.value for r in workflow.get_trigger(name).roles)
            assert roles.split(", ") == expected
    assert found == edges_of_machine()


def test_the_diagrams_follow_the_data_they_are_given():
    data = workflow.as_data()
    data["states"].append({"code": "suspended", "label": "中止", "open": True})
    data["triggers"].append(
        {"name": "suspend", "label": "中止调解", "from": ["mediating"], "to": "suspended",
         "roles": ["officer"], "payload": ["note"]}
    )  # fmt: skip
    assert "mediating --> suspended : suspend 中止调解 (officer)" in diagram.mermaid(data)
    root = ET.fromstring(diagram.svg(data))
    assert root.find(f".//{SVG_NS}g[@data-state='suspended']") is not None
    assert root.find(f".//{SVG_NS}path[@data-trigger='suspend']") is not None


def test_svg_is_valid_xml_with_every_state_and_edge():
    root = ET.fromstring(diagram.svg())
    assert root.tag == f"{SVG_NS}svg"
    states = {g.get("data-state") for g in root.iter(f"{SVG_NS}g") if g.get("data-state")}
    assert {s.value for s in workflow.State} <= states
    texts = {t.text for t in root.iter(f"{SVG_NS}text")}
    for state in workflow.State:
        assert CHINESE[state.value] in texts and state.value in texts
    drawn = {
        (p.get("data-from"), p.get("data-to"), p.get("data-trigger"))
        for p in root.iter(f"{SVG_NS}path")
        if p.get("data-trigger")
    }
    # a trigger fired from every open state is drawn once, from the "any open state" box
    everywhere = {t.name for t in workflow.TRIGGERS if set(t.sources) == set(workflow.OPEN_STATES)}
    assert everywhere == {"withdraw", "merge"}
    expected = {e for e in edges_of_machine() if e[2] not in everywhere}
    expected |= {(diagram.ANY_OPEN, "closed", name) for name in everywhere}
    assert drawn == expected
    labels = {g.get("data-trigger") for g in root.iter(f"{SVG_NS}g") if g.get("data-trigger")}
    assert labels == {t.name for t in workflow.TRIGGERS}


def test_svg_layout_main_path_left_to_right_side_states_below():
    nodes = diagram.layout().nodes
    main = ["reported", "accepted", "mediating", "agreement"]
    assert [nodes[code].row for code in main] == [0, 0, 0, 0]
    assert [nodes[code].col for code in main] == [0, 1, 2, 3]
    assert nodes["closed"].row == 0 and nodes["closed"].col == 4
    assert nodes["failed"].row > 0 and nodes["referred"].row > 0
    assert nodes["failed"].col < nodes["referred"].col
    positions = [(n.col, n.row) for n in nodes.values()]
    assert len(positions) == len(set(positions))


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_prints_mermaid_by_default(app):
    result = run(app, "workflow", "diagram")
    assert result.exit_code == 0, result.output
    assert result.output == diagram.mermaid()


def test_cli_writes_svg_to_a_file(app, tmp_path):
    target = tmp_path / "workflow.svg"
    result = run(app, "workflow", "diagram", "--format", "svg", "--output", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<?xml")
    ET.fromstring(text.encode("utf-8"))
    out = run(app, "workflow", "diagram", "--format", "svg")
    assert out.output == text


def test_cli_refuses_an_unknown_format(app):
    assert run(app, "workflow", "diagram", "--format", "png").exit_code == 2


def test_readme_diagram_is_the_commands_output(app):
    """Fails when the machine changes and the README does not: regenerate the block with
    `flask --app wsgi workflow diagram`."""
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- workflow:start -->\n```mermaid\n(.*?)```\n<!-- workflow:end -->", text, re.S
    )
    assert match, "README.md lacks the workflow block"
    assert match.group(1) == run(app, "workflow", "diagram").output


def test_workflow_page_requires_login(client):
    response = client.get("/workflow")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["admin", "officer", "mediator", "advocate"])
def test_workflow_page_shows_the_diagram_and_every_trigger(client, users, role):
    login(client, users[role])
    response = client.get("/workflow")
    assert response.status_code == 200
    page = dom(response)
    box = page.find(id="workflow-diagram")
    assert box.find("svg") is not None
    assert {g.attrs["data-state"] for g in box.find_all("g", cls="state")} >= {
        s.value for s in workflow.State
    }
    rows = page.find(id="workflow-triggers").find_all("tr")
    by_name = {r.attrs["data-trigger"]: r for r in rows if "data-trigger" in r.attrs}
    assert list(by_name) == [t.name for t in workflow.TRIGGERS]
    refer = by_name["refer"]
    assert {
        n.attrs["data-role"]
        for n in by_name["reopen"].find_all(cls="chip")
        if "data-role" in n.attrs
    } == {"officer", "admin"}
    required = {n.attrs["data-field"] for n in refer.find_all("td")[4].find_all(cls="chip")}
    assert required == {"referral_target", "referral_reference"}
    assert {
        n.attrs["data-field"]
        for n in by_name["begin_mediation"].find_all("td")[4].find_all(cls="chip")
    } == set()
    sources = [
        n.attrs["data-state"] for n in by_name["fail_mediation"].find_all("td")[1].find_all("span")
    ]
    assert sources == ["accepted", "mediating"]
