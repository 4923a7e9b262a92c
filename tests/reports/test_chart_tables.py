"""A text table behind every chart (issue 20, accessibility): each chart of the reports page
has its data in a table folded under it, in the legend's order, and the canvas is named."""

from __future__ import annotations

import json
import re

from tests.conftest import login
from tests.html import dom


def _charts(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>',
                                html, re.S).group(1))  # fmt: skip


def test_every_chart_has_its_data_as_a_table(client, users, make_case, drive):
    drive(make_case(workers_involved=12), "mediating")
    make_case()
    login(client, users["officer"])
    response = client.get("/reports")
    html = response.get_data(as_text=True)
    page = dom(response)
    data = _charts(html)
    canvases = page.find_all("canvas")
    assert len(canvases) == 3
    expected = {
        "chart-cases": (data["months"], data["cases_by_state"], data["state_order"]),
        "chart-alerts": (data["weeks"], data["alerts_by_level"], data["level_order"]),
        "chart-recovered": (data["months"], {"recovered": data["recovered"]}, ["recovered"]),
    }
    for canvas in canvases:
        chart_id = canvas.attrs["id"]
        assert canvas.attrs["role"] == "img" and canvas.attrs["aria-label"]
        figure = canvas.ancestor("chart-box").parent
        details = figure.find("details", id=f"{chart_id}-table")
        assert details is not None, chart_id
        assert details.find("summary").text.strip() == "以表格形式查看数据"
        periods, series, order = expected[chart_id]
        head = [th.attrs["data-series"] for th in details.find("thead").find_all("th")[1:]]
        assert head == order  # the legend's order: the workflow's, the severity's
        rows = details.find("tbody").find_all("tr")
        assert [r.attrs["data-period"] for r in rows] == periods
        for i, row in enumerate(rows):
            cells = [td.text for td in row.find_all("td")]
            assert cells == [str(series[key][i]) for key in order]
    # the cases are counted in the table as in the chart: two received this month
    cases = page.find("details", id="chart-cases-table").find("tbody").find_all("tr")[-1]
    assert sum(int(td.text) for td in cases.find_all("td")) == 2


def test_the_tables_speak_english_on_an_english_page(client, users):
    login(client, users["officer"])
    page = dom(client.get("/reports", headers={"Accept-Language": "en"}))
    details = page.find("details", id="chart-alerts-table")
    assert details.find("summary").text.strip() == "Show the data as a table"
    assert [th.text for th in details.find("thead").find_all("th")][:2] == ["Period", "Blue alert"]
