"""The workflow diagram in the browser: every state's name and code inside its box, measured on
the rendered glyphs, in both languages (issue 20: the English diagram cut its names off); and
the reports page's chart tables open to show the figures."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


def _sign_in(page, live_server, lang):
    page.goto(f"{live_server}/login")
    page.fill("#username", "officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_state_name_fits_its_box(live_server, browser, users, shot, lang):
    context = browser.new_context(locale=lang, extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    _sign_in(page, live_server, lang)
    page.goto(f"{live_server}/workflow")
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('#workflow-diagram g.state')].flatMap(g => {
             const box = g.querySelector('rect').getBBox();
             return [...g.querySelectorAll('text')].map(t => {
               const b = t.getBBox();
               return [g.dataset.state, t.textContent, b.x >= box.x && b.x + b.width <= box.x + box.width];
             }).filter(([, , inside]) => !inside);
           })"""
    )
    # no edge's label lies over a state's box
    covered = page.evaluate(
        """() => {
             const boxes = [...document.querySelectorAll('#workflow-diagram g.state rect')]
               .map(r => [r.parentNode.dataset.state, r.getBBox()]);
             const meet = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width
                                 && a.y < b.y + b.height && b.y < a.y + a.height;
             return [...document.querySelectorAll('#workflow-diagram g.edge-label rect')]
               .flatMap(r => boxes.filter(([, b]) => meet(r.getBBox(), b))
                 .map(([state]) => [r.parentNode.dataset.trigger, state]));
           }"""
    )
    states = page.locator("#workflow-diagram g.state").count()
    shot(page, f"workflow-diagram-{lang}")
    context.close()
    assert states >= 8
    assert overflow == []
    assert covered == []


def test_a_chart_table_opens_under_its_chart(live_server, browser, users, make_case):
    make_case(workers_involved=12)
    page = browser.new_page(viewport={"width": 375, "height": 800})
    _sign_in(page, live_server, "zh-CN")
    page.goto(f"{live_server}/reports")
    table = page.locator("#chart-alerts-table table")
    assert not table.is_visible()
    page.click("#chart-alerts-table summary")
    assert table.is_visible()
    assert page.locator("#chart-alerts-table tbody tr").count() >= 1
