"""The reports page's charts: a modest height at any width, legends in workflow and severity
order, and the level colours of the badges."""

from __future__ import annotations

import pytest

from mediation.cases.enums import State
from mediation.warnings.rules import LEVELS
from tests.conftest import PASSWORD


@pytest.mark.parametrize("width", [1280, 375])
def test_charts_are_short_ordered_and_in_the_level_colours(
    live_server, browser, users, make_case, width
):
    make_case(workers_involved=12)  # a case and its alert, so both charts have a series
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/reports")
    page.wait_for_function("Chart.getChart(document.getElementById('chart-alerts')) !== undefined")
    for canvas in ("chart-cases", "chart-alerts", "chart-recovered"):
        height = page.locator(f"#{canvas}").bounding_box()["height"]
        assert 150 <= height <= 320, (canvas, height)
    keys = page.evaluate("JSON.parse(document.getElementById('chart-data').textContent)")
    shown_states = page.evaluate(
        "Chart.getChart(document.getElementById('chart-cases')).data.datasets.map(d => d.label)"
    )
    workflow_order = [keys["state_labels"][s.value] for s in State]
    assert shown_states == [s for s in workflow_order if s in shown_states]
    alerts = page.evaluate(
        "Chart.getChart(document.getElementById('chart-alerts')).data.datasets"
        ".map(d => [d.label, d.backgroundColor])"
    )
    assert [label for label, _ in alerts] == [keys["level_labels"][lv.value] for lv in LEVELS]
    palette = page.evaluate(
        "['blue','yellow','orange','red'].map(l => getComputedStyle(document.documentElement)"
        ".getPropertyValue('--level-' + l).trim())"
    )
    assert [colour for _, colour in alerts] == palette
    page.close()
