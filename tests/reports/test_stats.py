"""The statistics query layer, the reports page and the statistics export, against hand-counted
fixtures (March 2026, the T1 town's grassroots union G1)."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from mediation.cases import services
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.reports import stats
from mediation.warnings import services as alert_services
from mediation.warnings.models import Alert
from tests.conftest import future_date, login, requires_postgres
from tests.helpers import DAY, HOUR, T0
from tests.html import dom

MARCH = stats.Period(date(2026, 3, 1), date(2026, 3, 31))


def _fire(case, trigger, officer, payload, at):
    return services.fire_trigger(case.id, trigger, officer, payload, now=at)


@pytest.fixture
def march(users, make_case, make_enterprise):
    """a: agreement performed (agreed day 5, closed day 10); b: accepted, open; c: rejected
    (closed day 1); d: 60 workers, referred, worker won (closed day 7); e: another town; f: February."""
    officer, mediator = users["officer"], users["mediator"]
    dispute = {"kind": "dispute", "arrears_months": None}
    a = make_case(now=T0, **dispute, category="remuneration", workers_involved=12,
                  claim_amount="1000.00")  # fmt: skip
    b = make_case(now=T0 + DAY, **dispute, category="dismissal", workers_involved=1,
                  claim_amount=None)  # fmt: skip
    c = make_case(now=T0 + 2 * DAY, **dispute, category="remuneration", workers_involved=2,
                  claim_amount="500.00")  # fmt: skip
    d = make_case(now=T0 + 3 * DAY, **dispute, category="contract", workers_involved=60,
                  claim_amount="2000.00")  # fmt: skip
    make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id,
              now=T0, **dispute)  # fmt: skip
    make_case(now=T0 - 10 * DAY, **dispute, workers_involved=1)  # fmt: skip
    # every alert acknowledged in time, so none climbs: a's after 2 h, d's after 3 h (yellow,
    # town) and 1 h (red, city)
    for case, rule, by, hours in (
        (a, "collective", officer, 2), (d, "collective", officer, 3),
        (d, "major_collective", users["city_officer"], 1),
    ):  # fmt: skip
        alert = db.session.scalar(select(Alert).where(Alert.case_id == case.id, Alert.rule == rule))
        alert_services.acknowledge(
            alert.id, by, {"note": "已签收"}, now=alert.raised_at + hours * HOUR
        )
    accept = {"mediator_id": mediator.id}
    _fire(a, "accept", officer, accept, T0 + DAY)
    _fire(a, "begin_mediation", officer, {}, T0 + DAY)
    _fire(a, "record_agreement", officer, {"terms": "一次性支付", "agreement_amount": "800.00",
          "agreement_due_on": future_date()}, T0 + 5 * DAY)  # fmt: skip
    _fire(a, "confirm_performance", officer, {"paid_amount": "900.00"}, T0 + 10 * DAY)
    _fire(b, "accept", officer, accept, T0 + 2 * DAY)
    _fire(c, "reject", officer, {"reason": "不属于受案范围"}, T0 + 3 * DAY)
    _fire(d, "accept", officer, accept, T0 + 3 * DAY)
    _fire(d, "fail_mediation", officer, {"reason": "分歧过大"}, T0 + 4 * DAY)
    _fire(d, "refer", officer, {"referral_target": "arbitration",
          "referral_reference": "仲〔2026〕1号"}, T0 + 5 * DAY)  # fmt: skip
    _fire(d, "record_ruling", officer, {"result": "worker_won", "amount": "2000.00"},
          T0 + 10 * DAY)  # fmt: skip
    return {"a": a, "b": b, "c": c, "d": d}


def test_report_against_hand_counted_cases(users, march):
    data = stats.report(users["officer"], MARCH, now=T0 + 30 * DAY)
    assert data["received"] == 4
    assert data["accepted"] == 3  # a, b, d
    assert data["closed"] == 3  # a, c, d
    assert data["collective_cases"] == 2  # a (12), d (60)
    assert data["workers_involved"] == 12 + 1 + 2 + 60
    assert data["collective_workers"] == 72
    assert data["by_kind"] == {"dispute": 4}
    assert data["by_bucket"] == {
        "remuneration": 2, "social_insurance": 0, "work_injury": 0, "change_of_contract": 1,
        "rescission": 1, "termination": 0, "rescission_termination": 1,
        "employment_relationship": 0, "other": 0,
    }  # fmt: skip
    # the tier supervising each case now: alerts of closed cases resolve, b has none
    assert data["by_tier"] == {"grassroots": 4}
    assert data["closed_by_outcome"] == {
        "agreement_performed": 1, "not_accepted": 1, "worker_won": 1
    }  # fmt: skip
    assert data["closed_by_method"] == {
        "union_mediation": 1, "arbitration_mediation": 0, "award": 1, "final_award": 0,
        "other": 1, "mediation": 1,
    }  # fmt: skip
    assert data["closed_by_result"] == {"worker_won": 1, "employer_won": 0, "partly": 0}
    # mediations concluded in March: a agreed (day 5), d failed (day 4)
    assert data["mediation_success_rate"] == 0.5
    assert (data["agreements_reached"], data["mediations_concluded"]) == (1, 2)
    # a's agreement is due after the report's day: none due yet
    assert (data["agreements_due"], data["performance_rate"]) == (0, None)
    # f, received in February, is open: carried over; open at the end: b and f
    assert (data["carried_over"], data["open_at_end"], data["closure_rate"]) == (1, 2, 0.6)
    assert data["average_days_to_closure"] == 6.0  # (10 + 1 + 7) / 3
    assert data["median_days_to_agreement"] == 5.0
    assert data["median_days_to_closure"] == 7.0  # 10, 1, 7
    assert data["amounts"] == {"claimed": "3500.00", "agreed": "800.00", "recovered": "900.00"}
    # a: collective (yellow, town); d: collective (yellow, town) and major collective (red, city)
    assert data["alerts_by_level"] == {"yellow": 2, "red": 1}
    assert data["median_hours_to_acknowledgement"] == 2.0  # 2, 3, 1
    assert data["median_hours_to_acknowledgement_by_level"] == {"yellow": 2.5, "red": 1.0}
    # a: town from receipt for 10 days; b: grassroots 29 days (open); c: grassroots 1 day;
    # d: city from receipt for 7 days
    assert data["days_at_tier"] == {
        "grassroots": {"cases": 2, "total_days": 30.0, "median_days": 15.0},
        "town": {"cases": 1, "total_days": 10.0, "median_days": 10.0},
        "city": {"cases": 1, "total_days": 7.0, "median_days": 7.0},
    }


def test_scope_and_organization_subtree(users, orgs, march):
    assert stats.report(users["city_officer"], MARCH)["received"] == 5
    assert stats.report(users["city_officer"], MARCH, orgs["T2"].id)["received"] == 1
    assert stats.report(users["other_officer"], MARCH)["received"] == 1
    # an organization outside the scope narrows to nothing
    assert stats.report(users["officer"], MARCH, orgs["T2"].id)["received"] == 0


def test_by_town_and_series(users, orgs, march):
    towns = stats.by_town(users["city_officer"], MARCH)
    rows = {r["name"]: r for r in towns}
    t1 = rows[orgs["T1"].name]
    assert (t1["received"], t1["collective_cases"], t1["workers_involved"]) == (4, 2, 75)
    assert (t1["closed"], t1["performed"], t1["claimed"], t1["recovered"]) == (
        3, 1, "3500.00", "900.00"
    )  # fmt: skip
    assert rows[orgs["T2"].name]["received"] == 1
    charts = stats.series(users["officer"], MARCH)
    assert charts["months"] == ["2026-03"]
    assert charts["cases_by_state"]["closed"] == [3]
    assert charts["cases_by_state"]["accepted"] == [1]
    assert charts["recovered"] == ["900.00"]
    assert charts["weeks"][:2] == ["2026-02-23", "2026-03-02"]
    # all three alerts were raised in the week of Monday 2 March
    assert charts["alerts_by_level"]["yellow"][1] == 2
    assert charts["alerts_by_level"]["red"][1] == 1


def test_reports_page_shows_the_figures(client, users, march):
    login(client, users["officer"])
    page = client.get("/reports?from=2026-03-01&to=2026-03-31")
    assert page.status_code == 200
    html = dom(page)
    received = html.find("tr", **{"data-figure": "received"}).find("td")
    assert received.text == "4"
    assert html.find("tr", **{"data-bucket": "remuneration"}).find("td").text == "2"
    assert html.find("tr", **{"data-method": "award"}).find("td").text == "1"
    assert html.find("table", id="by-town") is not None
    assert html.find("canvas", id="chart-cases") is not None
    scripts = [s.attrs.get("src", "") for s in html.find_all("script")]
    assert any(s.endswith("vendor/chartjs/chart.umd.min.js") for s in scripts)
    assert all(not s.startswith("http") for s in scripts)
    assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


def test_reports_page_refuses_a_reversed_period(client, users):
    login(client, users["officer"])
    page = client.get("/reports?from=2026-05-01&to=2026-04-01")
    assert page.status_code == 422
    assert dom(page).find("p", cls="field-error") is not None


def test_reports_page_access(client, users, orgs):
    assert client.get("/reports").status_code == 302  # to the login page
    for name, status in (("admin", 200), ("officer", 200), ("mediator", 200), ("advocate", 403)):
        login(client, users[name])
        assert client.get("/reports").status_code == status, name
        assert client.get("/reports/export?format=csv").status_code == status, name
        client.post("/logout")
    login(client, users["officer"])
    # another town's organization is not offered and is refused
    assert client.get(f"/reports?org={orgs['T2'].id}").status_code == 422


def test_statistics_export_xlsx_and_csv(client, users, march):
    login(client, users["officer"])
    response = client.get("/reports/export?format=xlsx&from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    overview = book[book.sheetnames[0]]
    assert overview["A1"].value == "指标" and overview["A4"].value == "收到案件数"
    assert overview["B4"].value == 4  # received
    recovered = [c for c in overview["B"] if c.number_format == "#,##0.00"]
    assert recovered and float(recovered[-1].value) == 900.0
    assert overview["B2"].is_date
    response = client.get("/reports/export?format=csv&from=2026-03-01&to=2026-03-31")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert any(row[-1:] == ["900.00"] for row in lines)


def _page(user, org_id=None):
    rollups = stats.Rollups(user, MARCH, org_id, now=T0 + 30 * DAY)
    rollups.prefetch()
    return (
        stats.report(user, MARCH, org_id, rollups=rollups),
        stats.by_town(user, MARCH, org_id, rollups=rollups),
        stats.series(user, MARCH, org_id, rollups=rollups),
    )


@requires_postgres
def test_concurrent_parts_answer_what_one_connection_answers(app, users, orgs, march, monkeypatch):
    """On PostgreSQL the report's statements run at the same time in worker threads
    (STATS_CONCURRENCY): the figures equal those read one after the other in the request's
    connection, two parts really run at once (each waits for the other at a barrier), and the
    workers take no connection from the application's pool."""
    for user, org_id in ((users["officer"], None), (users["city_officer"], orgs["T1"].id)):
        app.config["STATS_CONCURRENCY"] = 1
        one_by_one = _page(user, org_id)
        assert one_by_one[0]["received"] > 0

        app.config["STATS_CONCURRENCY"] = 3
        meeting = threading.Barrier(2, timeout=10)
        seen: list[tuple[str, int]] = []  # (thread, connections out of the app's pool)
        checked_out = db.engine.pool.checkedout()
        with monkeypatch.context() as patch:
            for name in ("received", "days_at_tier"):

                def meets(*args, _part=stats.PARTS[name], _seen=seen, _meeting=meeting):
                    _seen.append((threading.current_thread().name, db.engine.pool.checkedout()))
                    _meeting.wait()  # raises BrokenBarrierError unless the other part runs too
                    return _part(*args)

                patch.setitem(stats.PARTS, name, meets)
            concurrent = _page(user, org_id)
        assert concurrent == one_by_one
        assert len(seen) == 2 and all(thread.startswith("stats") for thread, _ in seen), seen
        assert all(n == checked_out for _, n in seen), (seen, checked_out)
        assert db.engine.pool.checkedout() == checked_out


@requires_postgres
def test_statistics_do_not_need_the_application_pool(app, users, march):
    """Requests doing statistics hold a connection of the application's pool while their
    workers run: with every connection of that pool taken, the report still completes."""
    app.config["STATS_CONCURRENCY"] = 3
    db.session.execute(select(1))  # the request's own connection
    pool = db.engine.pool
    held = [
        db.engine.connect() for _ in range(pool.size() + pool._max_overflow - pool.checkedout())
    ]
    try:
        assert pool.checkedout() == pool.size() + pool._max_overflow
        assert _page(users["officer"])[0]["received"] == 4
    finally:
        for connection in held:
            connection.close()


@requires_postgres
def test_a_failing_part_fails_the_report(app, users, march, monkeypatch):
    """An error in a worker thread reaches the request (no partial figures), every connection
    goes back, and the request's session stays usable."""
    failed_in = []

    def broken(*_):
        failed_in.append(threading.current_thread().name)
        raise RuntimeError("statement failed")

    monkeypatch.setitem(stats.PARTS, "alerts", broken)
    app.config["STATS_CONCURRENCY"] = 3
    db.session.execute(select(1))  # the request's own connection
    checked_out = db.engine.pool.checkedout()
    with pytest.raises(RuntimeError, match="statement failed"):
        stats.report(users["officer"], MARCH)
    assert failed_in and failed_in[0].startswith("stats")
    assert db.engine.pool.checkedout() == checked_out
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 6


def test_an_agreement_closed_partly_performed_counts_as_a_failure(users, make_case):
    """Partial payment is partial performance, not performance (docs/domain.md "The mediation
    agreement"): the closure counts among the mediated ones, not among the performed ones, and
    under the other means; what was paid still counts as recovered."""
    officer = users["officer"]
    accept = {"mediator_id": users["mediator"].id}
    agreement = {
        "terms": "分两期支付",
        "agreement_amount": "800.00",
        "agreement_due_on": "2026-03-20",
    }
    performed, partly = make_case(now=T0), make_case(now=T0)
    for case in (performed, partly):
        _fire(case, "accept", officer, accept, T0 + DAY)
        _fire(case, "begin_mediation", officer, {}, T0 + DAY)
        _fire(case, "record_agreement", officer, agreement, T0 + 2 * DAY)
    _fire(performed, "confirm_performance", officer, {"paid_amount": "800.00"}, T0 + 10 * DAY)
    _fire(partly, "record_payment", officer, {"paid_amount": "300.00"}, T0 + 10 * DAY)
    _fire(partly, "close_partly_performed", officer, {"reason": "单位停产"}, T0 + 11 * DAY)
    data = stats.report(officer, MARCH, now=T0 + 30 * DAY)
    assert data["closed_by_outcome"] == {"agreement_performed": 1, "partly_performed": 1}
    assert data["closed_by_method"] == {
        "union_mediation": 1, "arbitration_mediation": 0, "award": 0, "final_award": 0,
        "other": 1, "mediation": 1,
    }  # fmt: skip
    # two agreements reached, none ended without one: the success rate is whole; of the two
    # due on 20 March, one performed
    assert data["mediation_success_rate"] == 1.0
    assert (data["agreements_due"], data["performance_rate"]) == (2, 0.5)
    assert data["amounts"]["recovered"] == "1100.00"
