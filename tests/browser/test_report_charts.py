"""The reports page's charts: a modest height at any width, legends in workflow and severity
order, and the level colours of the badges."""

from __future__ import annotations

import pytest

from mediation.cases.enums import State
from mediation.warnings.rules import LEVELS
from tests.conftest import PASSWORD, future_date


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


def test_the_official_tables_and_money_in_both_languages(live_server, browser, users, make_case):
    """The reports page in Chinese and English: the comparison, stock and breakdown tables,
    the money with the currency and thousands separators (the chart's axis too)."""
    from mediation.cases import services

    officer = users["officer"]
    case = make_case()
    for trigger, payload in (
        ("accept", {"mediator_id": users["mediator"].id}),
        ("begin_mediation", {}),
        (
            "record_agreement",
            {
                "terms": "一次性支付",
                "agreement_amount": "12345.60",
                "agreement_due_on": future_date(),
            },
        ),
        ("confirm_performance", {"paid_amount": "12345.60"}),
    ):
        services.fire_trigger(case.id, trigger, officer, payload)
    for locale, symbol, heading in (("zh-CN", "¥", "收到案件数"), ("en", "CN¥", "Cases received")):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/reports")
        page.wait_for_function(
            "Chart.getChart(document.getElementById('chart-recovered')) !== undefined"
        )
        recovered = page.locator("#overview tr[data-figure=recovered] td").inner_text()
        assert recovered == f"{symbol}12,345.60", (locale, recovered)
        assert heading in page.locator("#compare tbody").inner_text()
        assert page.locator("#stock tr[data-figure=open_at_end]").count() == 1
        assert page.locator("#by-town td[data-figure=success_rate]").first.inner_text() == "100.0%"
        tick = page.evaluate(
            "Chart.getChart(document.getElementById('chart-recovered'))"
            ".options.scales.y.ticks.callback(12000)"
        )
        assert "12,000" in tick and "¥" in tick, (locale, tick)
        context.close()
