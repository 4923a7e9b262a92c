"""The workflow diagram in each language: its own words translated, every name inside its box
(issue 20: the English diagram truncated its nodes and showed Chinese)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from mediation.cases import diagram
from tests.conftest import login

SVG_NS = "{http://www.w3.org/2000/svg}"
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def _svg(client, lang: str) -> ET.Element:
    html = client.get("/workflow", headers={"Accept-Language": lang}).get_data(as_text=True)
    section = re.search(r'id="workflow-diagram">(.*?)</section>', html, re.S).group(1)
    return ET.fromstring(re.search(r"<svg.*?</svg>", section, re.S).group(0))


def test_the_english_diagram_has_no_chinese(client, users):
    login(client, users["officer"])
    root = _svg(client, "en")
    texts = [t.text or "" for t in root.iter(f"{SVG_NS}text")]
    texts.append(root.find(f"{SVG_NS}title").text)
    assert [t for t in texts if CJK.search(t)] == []
    assert root.find(f"{SVG_NS}title").text == "Case lifecycle"
    any_open = root.find(f".//{SVG_NS}g[@data-state='any_open']")
    assert any_open.find(f"{SVG_NS}text").text == "Any open state"


def test_the_chinese_diagram_names_its_box_and_title_in_chinese(client, users):
    login(client, users["officer"])
    root = _svg(client, "zh-CN")
    assert root.find(f"{SVG_NS}title").text == "案件流程"
    any_open = root.find(f".//{SVG_NS}g[@data-state='any_open']")
    assert any_open.find(f"{SVG_NS}text").text == "任一未结状态"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_name_fits_its_box(client, users, lang):
    """By the drawing's own (generous) measure; the browser test measures the real glyphs."""
    login(client, users["officer"])
    root = _svg(client, lang)
    for group in root.iter(f"{SVG_NS}g"):
        if group.get("class") != "state":
            continue
        width = float(group.find(f"{SVG_NS}rect").get("width"))
        for text, size in zip(group.findall(f"{SVG_NS}text"), (15, 12), strict=False):
            assert diagram._text_width(text.text, size) + 8 <= width, (text.text, width)


def test_a_long_english_name_widens_the_boxes_and_the_columns():
    data = diagram.machine()
    data["states"][0]["label"] = "A very long name of the state a case starts in"
    root = ET.fromstring(diagram.svg(data))
    rects = [g.find(f"{SVG_NS}rect") for g in root.iter(f"{SVG_NS}g") if g.get("class") == "state"]
    widths = {float(r.get("width")) for r in rects}
    assert len(widths) == 1 and widths.pop() >= diagram._text_width(data["states"][0]["label"], 15)
    xs = sorted({float(r.get("x")) for r in rects})
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) > float(rects[0].get("width"))
