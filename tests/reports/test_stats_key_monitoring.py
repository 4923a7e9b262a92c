"""The statistics figure "cases for provincial key monitoring": the cases received in the period
at the thresholds of the `provincial_key` rule (docs/domain.md "Statistics")."""

from __future__ import annotations

import csv
import io
from datetime import date

from mediation.reports import stats
from mediation.warnings.services import update_rule_settings
from tests.api.conftest import Api
from tests.conftest import login
from tests.helpers import DAY, T0
from tests.html import dom

MARCH = stats.Period(date(2026, 3, 1), date(2026, 3, 31))
QUIET = {"kind": "dispute", "category": "dismissal", "arrears_months": None}


def received(make_case, workers: int, claim: str, at=T0):
    return make_case(now=at, workers_involved=workers, claim_amount=claim, **QUIET)


def test_cases_at_the_provincial_thresholds_are_counted(users, make_case):
    received(make_case, 100, "1000.00")  # counted: 100 workers
    received(make_case, 99, "1000.00")
    received(make_case, 1, "5000000.00")  # counted: 5,000,000 yuan
    received(make_case, 1, "4999999.99")
    received(make_case, 300, "9000000.00")  # counted once for both
    received(make_case, 150, "1000.00", at=T0 - 10 * DAY)  # February: another period
    data = stats.report(users["officer"], MARCH, now=T0 + 30 * DAY)
    assert data["received"] == 5
    assert data["provincial_key_cases"] == 3
    assert data["collective_cases"] == 3  # 100, 99 and 300 workers


def test_the_figure_follows_the_rules_setting(users, make_case):
    received(make_case, 80, "1000.00")
    assert stats.report(users["officer"], MARCH)["provincial_key_cases"] == 0
    update_rule_settings(users["admin"], {"provincial_key": {"workers": 80}})
    assert stats.report(users["officer"], MARCH)["provincial_key_cases"] == 1


def test_the_figure_on_the_page_in_the_api_and_in_the_export(client, users, make_case):
    received(make_case, 100, "1000.00")
    query = "from=2026-03-01&to=2026-03-31"
    body = Api(client).get(f"/stats/summary?{query}", as_=users["officer"]).get_json()
    assert body["provincial_key_cases"] == 1
    login(client, users["officer"])
    client.post("/language", data={"lang": "en"})
    row = dom(client.get(f"/reports?{query}")).find("tr", **{"data-figure": "provincial_key_cases"})
    assert row.find("td").text == "1"
    text = client.get(f"/reports/export?format=csv&{query}").data.decode("utf-8")
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert ["省级重点监控案件数", "1"] in lines  # the exports are in Chinese
