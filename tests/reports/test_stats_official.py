"""The figures of issue 21 to the official definitions (docs/statistics.md), each on a small
hand-built set whose answer is counted by hand, and the split categories' migration."""

from __future__ import annotations

from datetime import date

import flask_migrate
from sqlalchemy import text, update

from mediation import create_app
from mediation.cases import facts, services
from mediation.cases.models import Case
from mediation.core.db import engines
from mediation.extensions import db
from mediation.reports import stats
from mediation.reports.stats import summary
from tests.conftest import future_date, login
from tests.helpers import DAY, T0, StatementCounter
from tests.html import dom
from tests.test_migrations import APPEND_ONLY_PROBE

MARCH = stats.Period(date(2026, 3, 1), date(2026, 3, 31))
NOW = T0 + 30 * DAY


def _fire(case, trigger, user, payload, at):
    return services.fire_trigger(case.id, trigger, user, payload, now=at)


def _agree(case, officer, mediator, at, amount="800.00", due=None):
    _fire(case, "accept", officer, {"mediator_id": mediator.id}, at)
    _fire(case, "begin_mediation", officer, {}, at)
    _fire(case, "record_agreement", officer, {"terms": "一次性支付", "agreement_amount": amount,
          "agreement_due_on": due or future_date()}, at)  # fmt: skip


def _fail(case, officer, mediator, at):
    _fire(case, "accept", officer, {"mediator_id": mediator.id}, at)
    _fire(case, "begin_mediation", officer, {}, at)
    _fire(case, "fail_mediation", officer, {"reason": "分歧过大"}, at)


def test_success_rate_is_agreements_of_mediations_concluded(users, make_case):
    """13 agreements reached and 12 mediations failed in March: 13 / 25 = 52%. Of the
    closures, 2 agreements performed and 1 failed mediation ruled in arbitration: the old
    figure (performed of mediated closures) would say 2 / 3 = 66.7%."""
    officer, mediator = users["officer"], users["mediator"]
    agreed = [make_case(now=T0) for _ in range(13)]
    failed = [make_case(now=T0) for _ in range(12)]
    for case in agreed:
        _agree(case, officer, mediator, T0 + DAY)
    for case in failed:
        _fail(case, officer, mediator, T0 + 2 * DAY)
    for case in agreed[:2]:
        _fire(case, "confirm_performance", officer, {"paid_amount": "800.00"}, T0 + 5 * DAY)
    _fire(failed[0], "refer", officer, {"referral_target": "arbitration",
          "referral_reference": "仲〔2026〕2号"}, T0 + 3 * DAY)  # fmt: skip
    _fire(failed[0], "record_ruling", officer, {"result": "worker_won", "amount": "500.00"},
          T0 + 6 * DAY)  # fmt: skip
    data = stats.report(officer, MARCH, now=NOW)
    assert (data["agreements_reached"], data["mediations_ended_without_agreement"]) == (13, 12)
    assert data["mediations_concluded"] == 25
    assert data["mediation_success_rate"] == 0.52
    old = data["closed_by_outcome"]["agreement_performed"] / (
        data["closed"] - data["closed_by_outcome"].get("not_accepted", 0)
    )
    assert round(old, 3) == 0.667
    # stock and flow: 25 received, 3 closed, nothing carried over
    assert (data["carried_over"], data["received"], data["closed"]) == (0, 25, 3)
    assert (data["open_at_end"], data["closure_rate"]) == (22, 0.12)
    # the per-town row has the same rate and stock
    (town,) = stats.by_town(officer, MARCH)
    assert (town["success_rate"], town["open_at_end"], town["closed"]) == (0.52, 22, 3)
    assert town["average_days_to_closure"] == round((5 + 5 + 6) / 3, 1)


def test_performance_rate_counts_agreements_due(users, make_case):
    """Three agreements due on 10 March, one performed, one partly performed, one open; a
    fourth due after the report's day is not due yet: 1 / 3."""
    officer, mediator = users["officer"], users["mediator"]
    cases = [make_case(now=T0) for _ in range(4)]
    for case in cases[:3]:
        _agree(case, officer, mediator, T0 + DAY, due="2026-03-10")
    _agree(cases[3], officer, mediator, T0 + DAY, due=future_date())
    _fire(cases[0], "confirm_performance", officer, {"paid_amount": "800.00"}, T0 + 5 * DAY)
    _fire(cases[1], "record_payment", officer, {"paid_amount": "300.00"}, T0 + 5 * DAY)
    _fire(cases[1], "close_partly_performed", officer, {"reason": "停产"}, T0 + 6 * DAY)
    data = stats.report(officer, MARCH, now=NOW)
    assert (data["agreements_due"], data["agreements_performed_when_due"]) == (3, 1)
    assert data["performance_rate"] == 0.3333
    assert data["mediation_success_rate"] == 1.0


def test_causes_on_the_official_lines(users, make_case):
    for category in ("dismissal", "dismissal", "termination", "injury_compensation",
                     "compensation", "employment_relationship", "social_insurance"):  # fmt: skip
        make_case(now=T0, category=category)
    by_bucket = stats.report(users["officer"], MARCH, now=NOW)["by_bucket"]
    assert by_bucket == {
        "remuneration": 0, "social_insurance": 2, "work_injury": 1, "change_of_contract": 0,
        "rescission": 2, "termination": 1, "rescission_termination": 3,
        "employment_relationship": 1, "other": 1,
    }  # fmt: skip


def test_only_arbitral_rulings_are_awards(users, make_case):
    """One arbitral award (final), one court judgment, one result of the labour inspection, one mediation in
    arbitration and one union mediation."""
    officer, mediator = users["officer"], users["mediator"]
    rulings = (
        ("arbitration", "worker_won"), ("court", "worker_won"), ("labor_inspection", "partly"),
        ("arbitration", "mediated_in_arbitration"),
    )  # fmt: skip
    for target, result in rulings:
        case = make_case(now=T0)
        _fail(case, officer, mediator, T0 + DAY)
        _fire(case, "refer", officer, {"referral_target": target,
              "referral_reference": "〔2026〕3号"}, T0 + 2 * DAY)  # fmt: skip
        _fire(case, "record_ruling", officer, {"result": result, "amount": "100.00"},
              T0 + 3 * DAY)  # fmt: skip
        if target == "arbitration" and result == "worker_won":
            db.session.execute(update(Case).where(Case.id == case.id).values(award_final=True))
            db.session.commit()
    union = make_case(now=T0)
    _agree(union, officer, mediator, T0 + DAY)
    _fire(union, "confirm_performance", officer, {"paid_amount": "800.00"}, T0 + 2 * DAY)
    methods = stats.report(officer, MARCH, now=NOW)["closed_by_method"]
    assert methods == {
        "union_mediation": 1, "arbitration_mediation": 1, "award": 1, "final_award": 1,
        "other": 2, "mediation": 2,
    }  # fmt: skip


def test_breakdowns_arbitration_and_red_alerts(users, make_case, make_enterprise):
    officer, mediator = users["officer"], users["mediator"]
    arrears = {"kind": "arrears", "arrears_months": 2, "category": "remuneration"}
    make_case(now=T0, **arrears, is_migrant=True, is_construction=True, workers_involved=3,
              claim_amount="30000.00", channel="hotline")  # fmt: skip
    make_case(now=T0, **arrears, is_migrant=True, workers_involved=2, claim_amount="1000.00",
              channel="walk_in")  # fmt: skip
    make_case(now=T0, kind="dispute", arrears_months=None, workers_involved=1,
              claim_amount="500.00", channel="walk_in")  # fmt: skip
    referred = make_case(now=T0, kind="dispute", arrears_months=None, workers_involved=1)
    _fail(referred, officer, mediator, T0 + DAY)
    _fire(referred, "refer", officer, {"referral_target": "arbitration",
          "referral_reference": "仲〔2026〕9号"}, T0 + 2 * DAY)  # fmt: skip
    db.session.execute(
        update(Case)
        .where(Case.id == referred.id)
        .values(arbitration_decision="accepted", arbitration_decided_on=date(2026, 1, 2))
    )
    db.session.commit()
    data = stats.report(officer, MARCH, now=NOW)
    arrears_block = data["wage_arrears"]
    assert (arrears_block["cases"], arrears_block["workers"]) == (2, 5)
    assert arrears_block["claimed"] == "31000.00"
    assert arrears_block["migrant"]["cases"] == 2
    assert arrears_block["construction"] == {
        "cases": 1, "workers": 3, "claimed": "30000.00", "recovered": "0.00"
    }  # fmt: skip
    assert data["migrant_workers"]["workers"] == 5
    assert data["by_channel"]["walk_in"]["cases"] == 2 + 1  # (the referred case: walk-in)
    assert sum(b["cases"] for b in data["by_ownership"].values()) == 4
    # decided on 2 January: past 45 and 60 days on 31 March
    assert data["arbitration"] == {
        "in_arbitration": 1, "awards_pending": 1, "awards_overdue": 1,
        "awards_overdue_beyond_extension": 1,
    }  # fmt: skip
    assert data["red_alerts"]["raised"] == 0


def test_comparison_with_last_year(users, make_case):
    """Two cases in March 2026, one in March 2025, one in January 2026."""
    make_case(now=T0)
    make_case(now=T0 + DAY)
    make_case(now=T0 - 365 * DAY)
    make_case(now=T0 - 50 * DAY)
    result = stats.compare(users["officer"], MARCH, now=NOW)
    assert result["periods"]["year_to_date"] == {"from": date(2026, 1, 1), "to": MARCH.end}
    assert result["periods"]["last_year"] == {"from": date(2025, 3, 1), "to": date(2025, 3, 31)}
    received = next(r for r in result["rows"] if r["figure"] == "received")
    assert (received["period"], received["year_to_date"], received["last_year"]) == (2, 3, 1)
    assert received["change"] == 100.0


def test_the_lean_comparison_figures_equal_the_report(users, make_case):
    """The other periods' figures come from lean statements (`headline`): on the same period
    they equal the ones `report()` folds from its groupings."""
    officer, mediator = users["officer"], users["mediator"]
    for n in range(3):
        case = make_case(now=T0 + n * DAY, is_migrant=bool(n))
        _agree(case, officer, mediator, T0 + 4 * DAY)
    _fail(make_case(now=T0, kind="dispute", arrears_months=None), officer, mediator, T0 + DAY)
    make_case(now=T0 - 40 * DAY)
    rollups = stats.Rollups(officer, MARCH, now=NOW)
    full = summary._compared_figures(stats.report(officer, MARCH, rollups=rollups))
    lean = stats.Rollups(officer, MARCH, now=NOW)
    lean.prefetch(*stats.COMPARE_PARTS)
    assert summary._headline_figures(lean) == full
    assert full["wage_arrears_cases"] == 3 and full["carried_over"] == 1


def test_the_report_runs_a_fixed_number_of_statements(users, make_case):
    """No statement per case, organization or month: the page's figures take as many
    statements for 2 cases as for 6."""

    def count():
        rollups = stats.Rollups(users["officer"], MARCH, now=NOW)
        with StatementCounter() as counter:
            stats.compare(users["officer"], MARCH, rollups=rollups)
            stats.by_town(users["officer"], MARCH, rollups=rollups)
            stats.series(users["officer"], MARCH, rollups=rollups)
        return counter.count

    for _ in range(2):
        make_case(now=T0)
    few = count()
    for n in range(4):
        make_case(now=T0 + n * DAY, workers_involved=12)
    assert count() == few


def test_a_flagged_category_is_shown_and_cleared_by_choosing_it(client, users, make_case):
    case = make_case(now=T0, category="dismissal")
    db.session.execute(update(Case).where(Case.id == case.id).values(category_review=True))
    db.session.commit()
    login(client, users["mediator"])
    assert dom(client.get(f"/cases/{case.id}")).find(id="category-review") is not None
    other = make_case(now=T0, category="dismissal")
    listed = dom(client.get("/cases?review=true")).find_all("a")
    hrefs = {a.attrs.get("href") for a in listed}
    assert f"/cases/{case.id}" in hrefs and f"/cases/{other.id}" not in hrefs
    version = db.session.get(Case, case.id).version
    facts.update_facts(case.id, users["mediator"], {"version": version, "category": "dismissal"})
    db.session.expire_all()
    assert db.session.get(Case, case.id).category_review is False
    assert dom(client.get(f"/cases/{case.id}")).find(id="category-review") is None


def test_reports_page_in_chinese_formats_money(client, users, make_case):
    officer, mediator = users["officer"], users["mediator"]
    case = make_case(now=T0)
    _agree(case, officer, mediator, T0 + DAY, amount="12345.60")
    _fire(case, "confirm_performance", officer, {"paid_amount": "12345.60"}, T0 + 2 * DAY)
    login(client, officer)
    client.set_cookie("lang", "zh")
    html = dom(client.get("/reports?from=2026-03-01&to=2026-03-31&lang=zh"))
    recovered = html.find("tr", **{"data-figure": "recovered"}).find("td").text
    assert recovered == "¥12,345.60"
    assert html.find("table", id="compare") is not None
    assert html.find("tr", **{"data-bucket": "termination"}) is not None


MIGRATION = "7c9ba2757d47"


def test_the_migration_splits_the_categories_conservatively(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    cases = [
        # (category, state, title, description) -> (category, review)
        ("dismissal", "accepted", "合同到期终止未付补偿", "", ("termination", False)),
        ("dismissal", "accepted", "违法解除劳动合同", "", ("dismissal", False)),
        ("dismissal", "mediating", "劳动合同纠纷", "", ("dismissal", True)),
        ("dismissal", "closed", "劳动合同纠纷", "", ("dismissal", False)),
        ("dismissal", "accepted", "解除还是终止", "", ("dismissal", False)),
        ("injury_compensation", "accepted", "工伤医疗费", "", ("injury_compensation", False)),
        ("injury_compensation", "accepted", "索要经济补偿", "", ("compensation", False)),
        ("injury_compensation", "accepted", "赔偿纠纷", "", ("injury_compensation", True)),
        ("remuneration", "accepted", "拖欠工资", "", ("remuneration", False)),
    ]
    with app.app_context():
        flask_migrate.upgrade(revision="e0d2e3129be4")
        with db.engine.begin() as conn:
            for statement in APPEND_ONLY_PROBE:
                conn.execute(text(statement))
            for n, (category, state, title, description, _) in enumerate(cases, 1):
                conn.execute(
                    text(
                        "INSERT INTO cases (id, number, kind, category, enterprise_id,"
                        " workers_involved, is_migrant, is_construction, title, description,"
                        " channel, received_at, owner_absconded, incident_in_progress, state,"
                        " handling_org_id, tier, version, event_seq, created_at, updated_at,"
                        " employment_status, closed_at)"
                        " VALUES (:id, :number, 'dispute', :category, 1, 1, false, false, :title,"
                        " :description, 'walk_in', CURRENT_TIMESTAMP, false, false, :state, 1,"
                        " 'city', 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'unknown',"
                        " CASE WHEN :state = 'closed' THEN CURRENT_TIMESTAMP END)"
                    ),
                    {"id": n, "number": f"C-2026-{n:05d}", "category": category,
                     "state": state, "title": title, "description": description},
                )  # fmt: skip
            # case 3's mediation failed on 2 March: the moment is read back from its timeline
            conn.execute(
                text(
                    "INSERT INTO case_events (case_id, seq, at, kind, from_state, to_state,"
                    " trigger, hash) VALUES (3, 1, '2026-03-02 02:00:00.000000', 'transition',"
                    " 'mediating', 'failed', 'fail_mediation', 'x')"
                )
            )
        flask_migrate.upgrade(revision=MIGRATION)
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT category, category_review, mediation_ended_at FROM cases ORDER BY id")
            ).all()
        assert [(r[0], bool(r[1])) for r in rows] == [c[-1] for c in cases]
        assert [r[2] for r in rows][1:4] == [None, "2026-03-02 02:00:00.000000", None]
        for engine in engines():
            engine.dispose()
