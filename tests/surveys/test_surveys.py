"""The labour-relations survey (docs/enterprise-file.md "Labour-relations survey"): its checks,
its figures worked by hand, the risk and the watch list, the expiry reminder sent once, the
report by town, ownership and sector, the pages and the API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select, update

from mediation.cases.models import Case
from mediation.core.clock import local_date, utcnow
from mediation.enterprises.models import Ownership
from mediation.extensions import db
from mediation.inbox.models import CONTRACT_EXPIRING, InAppNotice
from mediation.reports.risk import risk_for
from mediation.reports.watchlist import watch_list
from mediation.surveys import services
from mediation.surveys.figures import figures
from mediation.surveys.models import LabourSurvey
from mediation.surveys.reports import coverage_report
from mediation.warnings.models import Notification
from tests.api.conftest import error_of
from tests.cases.test_views import errors_next_to, field_of
from tests.conftest import login
from tests.html import dom

THIS_YEAR = local_date(utcnow()).year


def survey(**overrides) -> dict:
    """A consistent survey: 100 employees, 92 contracts; 40 migrants, 30 of their contracts."""
    body = {
        "as_of": date(THIS_YEAR, 1, 1).isoformat(),
        "employees": 100, "migrant_workers": 40, "contracts_signed": 92,
        "migrant_contracts_signed": 30, "union_established": True, "union_members": 80,
        "collective_contract": "general", "collective_signed_on": f"{THIS_YEAR - 1}-01-01",
        "collective_expires_on": f"{THIS_YEAR + 1}-12-31", "wage_negotiation": True,
        "workers_congress": True, "open_factory_affairs": False,
    }  # fmt: skip
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


# --- checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contracts_signed": 101}, "contracts_signed"),  # above the head-count
        ({"migrant_workers": 101, "migrant_contracts_signed": 0}, "migrant_workers"),
        ({"migrant_contracts_signed": 41}, "migrant_contracts_signed"),  # above the migrants
        ({"contracts_signed": 20, "migrant_contracts_signed": 30}, "migrant_contracts_signed"),
        ({"union_members": 101}, "union_members"),
        ({"union_established": False}, "union_members"),  # members without a union
        ({"collective_expires_on": f"{THIS_YEAR - 2}-12-31"}, "collective_expires_on"),
        ({"collective_contract": None}, "collective_contract"),  # dates without a type
        ({"collective_signed_on": ...}, "collective_signed_on"),
        ({"collective_signed_on": f"{THIS_YEAR}-06-01"}, "collective_signed_on"),  # after as_of
        ({"collective_contract": "company"}, "collective_contract"),
        ({"employees": -1}, "employees"),
        ({"employees": ...}, "employees"),
        ({"as_of": "2026-02-30"}, "as_of"),
    ],
)
def test_bad_figures_are_refused_on_their_field(api, users, make_enterprise, overrides, field):
    enterprise = make_enterprise("G1")
    response = api.post(f"/enterprises/{enterprise.id}/surveys", users["mediator"],
                        json=survey(**overrides))  # fmt: skip
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"], error_of(response)["fields"]
    assert db.session.scalar(select(func.count()).select_from(LabourSurvey)) == 0


# --- figures ------------------------------------------------------------------------------------


def test_figures_of_one_survey_worked_by_hand(app, users, make_enterprise):
    enterprise = make_enterprise("G1")
    s = services.record_survey(users["mediator"], enterprise.id, survey())
    f = figures(s, today=date(THIS_YEAR, 3, 1), threshold=0.9)
    assert f.signing_rate == Fraction(92, 100)
    assert f.migrant_signing_rate == Fraction(30, 40)  # 75 %: the migrants lag behind
    assert f.union_density == Fraction(80, 100)
    assert f.collective_in_force and not f.collective_expired
    assert not f.low_signing_rate  # 92 % ≥ 90 %
    assert figures(s, today=date(THIS_YEAR + 2, 1, 1), threshold=0.95).collective_expired
    assert figures(s, today=date(THIS_YEAR, 3, 1), threshold=0.95).low_signing_rate


def test_a_second_survey_the_same_year_replaces_the_first(api, users, make_enterprise):
    enterprise = make_enterprise("G1")
    url = f"/enterprises/{enterprise.id}/surveys"
    assert api.post(url, users["mediator"], json=survey()).status_code == 201
    again = api.post(url, users["officer"], json=survey(contracts_signed=95))
    assert again.status_code == 201
    last = api.post(url, users["officer"], json=survey(as_of=f"{THIS_YEAR - 1}-12-31"))
    assert last.get_json()["year"] == THIS_YEAR - 1
    items = api.get(url, users["mediator"]).get_json()["items"]
    assert [(i["year"], i["contracts_signed"]) for i in items] == [
        (THIS_YEAR, 95), (THIS_YEAR - 1, 92)
    ]  # fmt: skip
    assert items[0]["signing_rate"] == 0.95 and items[0]["migrant_signing_rate"] == 0.75
    assert items[0]["collective_in_force"] is True and items[0]["low_signing_rate"] is False


def test_the_report_by_town_ownership_and_sector_worked_by_hand(app, users, make_enterprise):
    """T1: A (private, textiles) 100 employees, 92 contracts, 40 migrants with 30, a general
    contract in force; B (private, construction) 50 employees, 30 contracts, 20 migrants with
    10, no collective contract. T2: C (state, textiles) 200 employees, 200 contracts, 0
    migrants, an area-wide contract in force. A's survey of last year is not counted."""
    a = make_enterprise("G1", ownership=Ownership.private, sector="纺织")
    b = make_enterprise("G1", ownership=Ownership.private, sector="建筑")
    c = make_enterprise("G2", ownership=Ownership.state, sector="纺织")
    admin = users["admin"]
    services.record_survey(admin, a.id, survey())
    services.record_survey(admin, a.id, survey(as_of=f"{THIS_YEAR - 1}-12-31", employees=999,
                                                contracts_signed=1, migrant_contracts_signed=0))  # fmt: skip
    services.record_survey(admin, b.id, survey(
        employees=50, contracts_signed=30, migrant_workers=20, migrant_contracts_signed=10,
        union_established=False, union_members=0, collective_contract=None,
        collective_signed_on=None, collective_expires_on=None, wage_negotiation=False,
    ))  # fmt: skip
    services.record_survey(admin, c.id, survey(
        employees=200, contracts_signed=200, migrant_workers=0, migrant_contracts_signed=0,
        union_members=150, collective_contract="area",
    ))  # fmt: skip

    report = coverage_report(admin, THIS_YEAR)
    assert (report.total.enterprises, report.total.employees) == (3, 350)
    assert report.total.signing_rate == Fraction(92 + 30 + 200, 350)
    assert report.total.migrant_signing_rate == Fraction(30 + 10, 40 + 20)
    assert report.total.coverage == Fraction(100 + 200, 350)
    assert report.total.enterprise_coverage == Fraction(2, 3)
    assert report.private.signing_rate == Fraction(122, 150)
    assert report.private.coverage == Fraction(100, 150)
    towns = {t.key: t for t in report.groups["town"]}
    assert towns["T1"].signing_rate == Fraction(122, 150)
    assert towns["T2"].signing_rate == Fraction(1) and towns["T2"].coverage == Fraction(1)
    sectors = {t.key: t for t in report.groups["sector"]}
    assert sectors["纺织"].employees == 300 and sectors["纺织"].coverage == Fraction(1)
    assert sectors["建筑"].coverage == Fraction(0)
    owners = {t.key: t for t in report.groups["ownership"]}
    assert owners["private"].migrant_signing_rate == Fraction(40, 60)

    # a town's mediator sees their town only
    mine = coverage_report(users["mediator"], THIS_YEAR)
    assert [t.key for t in mine.groups["town"]] == ["T1"] and mine.total.employees == 150

    page = dom(_get(app, users["mediator"], f"/reports/labour-contracts?year={THIS_YEAR}"))
    row = page.find("table", id="survey-by-town").find("tr", **{"data-key": "T1"})
    assert row.find("td", **{"data-signing-rate": ""}).text == "81.3%"  # 122 ÷ 150


def test_the_report_in_the_api(api, users, make_enterprise):
    a = make_enterprise("G1", ownership=Ownership.private, sector="纺织")
    services.record_survey(users["admin"], a.id, survey())
    body = api.get(f"/reports/labour-contracts?year={THIS_YEAR}", users["officer"]).get_json()
    assert body["total"]["signing_rate"] == 0.92 and body["private"]["coverage"] == 1.0
    assert body["town"][0]["key"] == "T1" and body["sector"][0]["label"] == "纺织"
    assert api.get("/reports/labour-contracts", users["advocate"]).status_code == 404


# --- risk and the watch list ---------------------------------------------------------------------


def test_low_rate_expired_contract_and_no_survey_count_in_the_risk(app, users, make_enterprise):
    low, expired, old, none = (make_enterprise("G1") for _ in range(4))
    services.record_survey(users["admin"], low.id, survey(contracts_signed=89))  # 89 % < 90 %
    services.record_survey(users["admin"], expired.id, survey(
        collective_signed_on=f"{THIS_YEAR - 3}-01-01",
        collective_expires_on=f"{THIS_YEAR - 1}-12-31",
    ))  # fmt: skip
    services.record_survey(users["admin"], old.id, survey(as_of=f"{THIS_YEAR - 1}-06-30"))
    risks = risk_for([low.id, expired.id, old.id, none.id])
    assert (risks[low.id].low_signing_rate, risks[low.id].no_current_survey) == (True, False)
    assert risks[expired.id].collective_expired and not risks[expired.id].low_signing_rate
    assert risks[old.id].no_current_survey and not risks[old.id].collective_expired
    assert risks[none.id].no_current_survey

    app.config["SURVEY_SIGNING_RATE_THRESHOLD"] = 0.85  # the setting moves the line
    assert not risk_for([low.id])[low.id].low_signing_rate


def test_low_signing_rate_with_arrears_ranks_first_on_the_watch_list(
    app, users, make_enterprise, make_case
):
    red = make_enterprise("G1", name="红色预警厂")  # the strongest case risk, contracts in order
    red_case = make_case(enterprise_id=red.id, workers_involved=60)
    db.session.execute(update(Case).where(Case.id == red_case.id)
                       .values(claim_amount_fen=90_000_000))  # fmt: skip
    arrears = make_enterprise("G1", name="欠薪低签厂")
    case = make_case(enterprise_id=arrears.id, workers_involved=3)
    db.session.execute(update(Case).where(Case.id == case.id).values(claim_amount_fen=300_000))
    db.session.commit()
    quiet = make_enterprise("G1", name="低签无案厂")  # low rate, no case: listed, last
    untouched = make_enterprise("G1", name="无事厂")  # no case, no survey: not listed
    for enterprise in (arrears, quiet):
        services.record_survey(users["admin"], enterprise.id, survey(contracts_signed=50))
    services.record_survey(users["admin"], red.id, survey())

    names = [e.name for e in watch_list(users["mediator"])]
    assert names == ["欠薪低签厂", "红色预警厂", "低签无案厂"]
    assert untouched.name not in names
    page = dom(_get(app, users["mediator"], "/enterprises/watch-list"))
    row = page.find("tr", **{"data-enterprise-id": str(quiet.id)})
    assert row.find("span", **{"data-flag": "low-signing-rate"}) is not None
    client = app.test_client()
    login(client, users["mediator"])
    export = client.get("/enterprises/watch-list/export?format=csv",
                        headers={"Accept-Language": "en"}).get_data(as_text=True)  # fmt: skip
    [line] = [line for line in export.splitlines() if "低签无案厂" in line]
    assert "合同签订率偏低" in line  # (low signing rate)


# --- the expiry reminder --------------------------------------------------------------------


def test_an_expiring_collective_contract_reminds_the_town_union_once(
    app, users, make_enterprise, make_user
):
    now = datetime(THIS_YEAR, 3, 1, 2, 0, tzinfo=utcnow().tzinfo)
    today = local_date(now)
    soon, later = make_enterprise("G1", name="将到期厂"), make_enterprise("G1", name="远期厂")
    users["officer"].email = "t1@example.org"
    db.session.commit()
    for enterprise, days in ((soon, 59), (later, 62)):
        services.record_survey(users["mediator"], enterprise.id, survey(
            as_of=date(THIS_YEAR, 1, 1).isoformat(),
            collective_expires_on=(today + timedelta(days=days)).isoformat(),
        ))  # fmt: skip

    assert services.remind_expiring(now) == 1
    mails = db.session.scalars(select(Notification)).all()
    assert [(m.user_id, m.channel) for m in mails] == [(users["officer"].id, "email")]
    assert "将到期厂" in mails[0].subject
    notices = db.session.scalars(
        select(InAppNotice).where(InAppNotice.kind == CONTRACT_EXPIRING)
    ).all()
    assert [n.user_id for n in notices] == [users["officer"].id]  # the town's officer only
    assert notices[0].params["enterprise_id"] == soon.id

    # the next day's run (and a second scheduler) says nothing more
    assert services.remind_expiring(now + timedelta(days=1)) == 0
    assert services.remind_expiring(now + timedelta(days=1)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    # two days later the other one enters the window: told once, alone
    assert services.remind_expiring(now + timedelta(days=2)) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    # a renewed contract (a new expiry date) is announced again when its time comes
    services.record_survey(users["mediator"], soon.id, survey(
        as_of=date(THIS_YEAR, 1, 1).isoformat(),
        collective_expires_on=(today + timedelta(days=30)).isoformat(),
    ))  # fmt: skip
    assert services.remind_expiring(now + timedelta(days=2)) == 1


def test_the_scheduler_job_runs_the_reminder(app, users, make_enterprise, monkeypatch):
    from mediation.warnings import jobs

    enterprise = make_enterprise("G1")
    services.record_survey(users["mediator"], enterprise.id, survey(
        collective_expires_on=(local_date(utcnow()) + timedelta(days=10)).isoformat(),
    ))  # fmt: skip
    monkeypatch.setattr(jobs, "_app", app)
    jobs.contract_reminder_job()
    jobs.contract_reminder_job()
    told = db.session.scalars(select(InAppNotice).where(InAppNotice.kind == CONTRACT_EXPIRING))
    assert len(told.all()) == 1


# --- pages ----------------------------------------------------------------------------------


def _get(app, user, path: str):
    client = app.test_client()
    login(client, user)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def test_the_form_on_the_enterprise_page_keeps_what_was_typed(app, users, make_enterprise):
    enterprise = make_enterprise("G1")
    client = app.test_client()
    login(client, users["mediator"])
    page = dom(client.get(f"/enterprises/{enterprise.id}"))
    form = page.find("form", id="survey-form")
    assert form is not None and page.find(**{"data-no-current-survey": ""}) is not None

    typed = {"as_of": f"{THIS_YEAR}-02-01", "employees": "30", "contracts_signed": "31",
             "migrant_workers": "", "collective_contract": "wage",
             "collective_signed_on": f"{THIS_YEAR}-01-10",
             "collective_expires_on": f"{THIS_YEAR - 1}-01-10"}  # fmt: skip
    response = client.post(f"/enterprises/{enterprise.id}/surveys", data=typed,
                           headers={"Accept-Language": "en"})  # fmt: skip
    assert response.status_code == 422
    page = dom(response)
    assert errors_next_to(page, "contracts_signed") == ["More signed contracts than employees."]
    assert errors_next_to(page, "collective_expires_on") == [
        "The contract expires before it was signed."
    ]
    assert field_of(page, "contracts_signed").attrs["value"] == "31"
    assert field_of(page, "collective_expires_on").attrs["value"] == f"{THIS_YEAR - 1}-01-10"

    typed |= {"contracts_signed": "24", "collective_expires_on": f"{THIS_YEAR + 2}-01-09",
              "union_established": "1", "union_members": "12"}  # fmt: skip
    response = client.post(f"/enterprises/{enterprise.id}/surveys", data=typed)
    assert response.status_code == 302
    page = dom(client.get(f"/enterprises/{enterprise.id}"))
    assert page.find(**{"data-signing-rate": "80.0%"}) is not None
    assert page.find(**{"data-flag": "low-signing-rate"}) is not None


def test_the_form_needs_its_csrf_token(csrf_app, users, make_enterprise):
    enterprise = make_enterprise("G1")
    client = csrf_app.test_client()
    login(client, users["mediator"])
    response = client.post(f"/enterprises/{enterprise.id}/surveys",
                           data={"as_of": f"{THIS_YEAR}-01-01", "employees": "1",
                                 "contracts_signed": "1"})  # fmt: skip
    assert response.status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabourSurvey)) == 0


def test_advocates_and_other_towns_do_not_see_the_surveys(app, users, make_enterprise):
    mine, theirs = make_enterprise("G1"), make_enterprise("G2")
    client = app.test_client()
    login(client, users["advocate"])
    assert client.get(f"/enterprises/{mine.id}/surveys").status_code == 404
    assert client.get("/reports/labour-contracts").status_code == 404
    client = app.test_client()
    login(client, users["mediator"])
    assert client.get(f"/enterprises/{theirs.id}/surveys").status_code == 404
    assert client.post(f"/enterprises/{theirs.id}/surveys", data={}).status_code == 404
