"""Construction projects (docs/enterprise-file.md "Construction projects"): the register, its
checks, its alerts, the Spring Festival raise of a case's arrears alert, the liable general
contractor on the case page, duplicates by project and the year-end campaign."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mediation.cases import duplicates
from mediation.cases.enums import CaseKind, State, WarningLevel
from mediation.core.calendar import spring_festival
from mediation.core.clock import local_date
from mediation.core.errors import NotFound, ValidationFailed
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.projects import campaign, services
from mediation.projects.models import ProjectCheck
from mediation.warnings import rules
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.project_alerts import process_projects
from mediation.warnings.services import acknowledge
from mediation.warnings.sweep import sweep
from tests.conftest import login, valid_id_number

# 10:00 China time, 20 December 2026: inside the eight weeks before the 2027 Spring Festival
IN_WINDOW = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
# 10:00 China time, 1 December 2026: before the window opens
BEFORE_WINDOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _alerts(project_id: int) -> dict[str, Alert]:
    return {
        a.rule: a
        for a in db.session.scalars(select(Alert).where(Alert.project_id == project_id))
        if a.is_active
    }


# --- the calendar: the window before the Spring Festival ----------------------------------------


def test_the_2027_spring_festival_and_its_eight_week_window():
    # the Spring Festival of 2027 is on 6 February (lunar 1/1); eight weeks before it begin on
    # 12 December 2026, and the window's last day is the eve, 5 February 2027
    assert spring_festival(2027) == date(2027, 2, 6)
    assert rules.spring_festival_window(date(2026, 12, 20), 8) == (
        date(2026, 12, 12), date(2027, 2, 5),
    )  # fmt: skip
    assert rules.spring_festival_window(date(2027, 2, 5), 8)[1] == date(2027, 2, 5)
    # on the festival itself the next one counts: 26 January 2028, eight weeks from 1 December
    assert rules.spring_festival_window(date(2027, 2, 6), 8) == (
        date(2027, 12, 1), date(2028, 1, 25),
    )  # fmt: skip
    assert rules.spring_festival_window(date(2026, 12, 20), 4)[0] == date(2027, 1, 9)


def _facts(**kw) -> rules.CaseFacts:
    base = dict(
        state=State.accepted, kind=CaseKind.arrears, received_at=IN_WINDOW - timedelta(days=3),
        handling_tier=Tier.grassroots, arrears_months=1,
    )  # fmt: skip
    base.update(kw)
    return rules.CaseFacts(**base)


def test_an_arrears_case_on_a_project_near_completion_is_raised_one_level_in_the_window():
    cfg = {
        "orange_above_months": 1, "red_above_months": 2, "festival_weeks_before": 8,
        "near_completion_days": 60,
    }  # fmt: skip
    near = _facts(on_project=True, project_completion_on=date(2027, 1, 20))
    # one month owed: yellow; on a project completing 20 January 2027, on 20 December: orange
    assert rules.arrears_duration(_facts(), IN_WINDOW, cfg).level == WarningLevel.yellow
    result = rules.arrears_duration(near, IN_WINDOW, cfg)
    assert (result.fires, result.level, result.target) == (True, WarningLevel.orange, "town")
    # it wakes the day after the eve, when the raise ends
    assert local_date(result.wakes_at) == date(2027, 2, 6)
    # on 1 December the window is not open yet: yellow, waking on 12 December
    before = rules.arrears_duration(near, BEFORE_WINDOW, cfg)
    assert before.level == WarningLevel.yellow
    assert local_date(before.wakes_at) == date(2026, 12, 12)
    # two months owed: orange, raised to red
    assert rules.arrears_duration(
        _facts(arrears_months=2, on_project=True, project_completion_on=date(2027, 1, 20)),
        IN_WINDOW, cfg,
    ).level == WarningLevel.red  # fmt: skip
    # red stays red
    assert rules.arrears_duration(
        _facts(arrears_months=3, on_project=True, project_completion_on=date(2027, 1, 20)),
        IN_WINDOW, cfg,
    ).level == WarningLevel.red  # fmt: skip
    # a project completing on 30 June 2027 is not near completion (60 days) before the festival
    far = _facts(on_project=True, project_completion_on=date(2027, 6, 30))
    assert rules.arrears_duration(far, IN_WINDOW, cfg).level == WarningLevel.yellow


def test_payroll_months_late_counts_from_the_last_month_that_ended():
    started = date(2026, 3, 1)
    today = date(2026, 12, 20)
    assert services.months_late(date(2026, 11, 1), started, today) == 0
    assert services.months_late(date(2026, 10, 1), started, today) == 1
    assert services.months_late(date(2026, 9, 1), started, today) == 2
    # nothing paid on a project started in November: October counts as paid, one month late
    assert services.months_late(None, date(2026, 11, 10), today) == 1


# --- the register -------------------------------------------------------------------------------


def test_a_project_with_a_team_leader_is_registered_and_his_id_number_is_masked(
    api, users, project_payload
):
    response = api.post("/projects", as_=users["officer"], json=project_payload())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["general_contractor_name"] == "宏达建设集团有限公司"
    [leader] = body["subcontractors"]
    assert leader["is_person"] is True and leader["enterprise_id"] is None
    number = valid_id_number("19780312", 731)
    assert leader["leader_id_number"] == number[:6] + "********" + number[-4:]
    got = api.get(f"/projects/{body['id']}", as_=users["mediator"])
    assert got.status_code == 200
    listed = api.get("/projects", as_=users["mediator"]).get_json()
    assert [p["id"] for p in listed["items"]] == [body["id"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # a deposit lodged without an amount (regulation art. 32: an amount is lodged)
        ({"deposit_status": "lodged", "deposit_form": "cash"}, "deposit_amount"),
        ({"deposit_form": "bank_guarantee"}, "deposit_amount"),
        # completion before start
        ({"started_on": "2026-03-01", "planned_completion_on": "2026-02-28"},
         "planned_completion_on"),
        ({"wage_account_opened_on": "2026-03-02"}, "wage_account_bank"),
        ({"deposit_amount": "0"}, "deposit_amount"),
        ({"payroll_paid_through": "2026-13"}, "payroll_paid_through"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_message_on_its_field(
    api, users, project_payload, overrides, field
):
    response = api.post("/projects", as_=users["officer"], json=project_payload(**overrides))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_an_invalid_team_leader_id_number_is_refused_on_its_row(api, users, project_payload):
    good = valid_id_number("19780312", 731)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # the check digit wrong
    response = api.post("/projects", as_=users["officer"], json=project_payload(
        subcontractors=[{"leader_name": "王建军", "leader_id_number": bad}]
    ))  # fmt: skip
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "subcontractors.0.leader_id_number" in fields
    # a team leader without any number is refused too: he has no credit code
    response = api.post("/projects", as_=users["officer"], json=project_payload(
        subcontractors=[{"leader_name": "王建军"}]
    ))  # fmt: skip
    assert "subcontractors.0.leader_id_number" in response.get_json()["error"]["fields"]


def test_advocates_and_other_towns_do_not_see_a_project(users, project_payload):
    project = services.create_project(users["officer"], project_payload())
    with pytest.raises(NotFound):
        services.get_visible_project(users["advocate"], project.id)
    with pytest.raises(NotFound):
        services.get_visible_project(users["other_officer"], project.id)
    assert services.get_visible_project(users["city_officer"], project.id).id == project.id
    # another town's union is not one the T1 officer may register a project for
    with pytest.raises(ValidationFailed) as refused:
        services.create_project(users["officer"], project_payload(org="G2"))
    assert "organization_id" in refused.value.fields


def test_the_web_form_keeps_what_was_typed_beside_the_messages(client, users, project_payload):
    login(client, users["officer"])
    payload = project_payload()
    form = {
        "name": "滨江花园三期", "location": payload["location"],
        "organization_id": str(payload["organization_id"]),
        "general_contractor_id": str(payload["general_contractor_id"]),
        "started_on": "2026-03-01", "planned_completion_on": "2026-02-01",
        "deposit_status": "lodged", "deposit_form": "cash",
        "sub-0-leader_name": "王建军", "sub-0-leader_id_number": valid_id_number("19780312", 731),
        "sub-0-trade": "木工班组", "sub-0-enterprise_id": "",
    }  # fmt: skip

    def beside(html: str, input_id: str) -> str:
        return html.split(f'id="{input_id}"', 1)[1].split("</div>", 1)[0]

    response = client.post("/projects/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="滨江花园三期"' in html and 'value="王建军"' in html
    assert "field-error" in beside(html, "f-planned_completion_on")
    assert "field-error" in beside(html, "f-deposit_amount")  # lodged without its amount
    assert "field-error" not in beside(html, "f-sub-0-leader_id_number")
    # an invalid ID number: the message beside the row's input, the number kept
    form |= {"planned_completion_on": "2027-01-20", "deposit_status": "none",
             "deposit_form": "", "sub-0-leader_id_number": "440305197803127310"}  # fmt: skip
    html = client.post("/projects/new", data=form).get_data(as_text=True)
    assert "field-error" in beside(html, "f-sub-0-leader_id_number")
    assert 'value="440305197803127310"' in html


# --- the alerts ---------------------------------------------------------------------------------


def test_no_account_and_no_deposit_are_yellow_to_the_town_and_late_payroll_orange(
    users, orgs, project_payload
):
    project = services.create_project(
        users["officer"], project_payload(payroll_paid_through="2026-09"), now=IN_WINDOW
    )
    alerts = _alerts(project.id)
    assert {rule: (str(a.level), a.target_org_id) for rule, a in alerts.items()} == {
        "project_wage_account": ("yellow", orgs["T1"].id),
        "project_wage_deposit": ("yellow", orgs["T1"].id),
        # paid through September on 20 December: two months late, more than one: orange
        "project_payroll_late": ("orange", orgs["T1"].id),
    }
    # paid through October: one month late, not more than one: the orange alert resolves;
    # the account and a deposit lodged resolve the yellow ones
    services.update_project(project.id, users["officer"], {
        "payroll_paid_through": "2026-10", "wage_account_bank": "工商银行滨江支行",
        "deposit_status": "lodged", "deposit_form": "bank_guarantee", "deposit_amount": "500000",
    }, now=IN_WINDOW)  # fmt: skip
    assert _alerts(project.id) == {}
    # with time the payroll falls behind again: on 1 January 2027 October is two months late;
    # the same row opens again, never a second one
    assert local_date(project.next_check_at) == date(2027, 1, 1)
    later = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    sweep(later)
    assert str(_alerts(project.id)["project_payroll_late"].level) == "orange"
    count = db.session.scalar(
        select(func.count(Alert.id)).where(
            Alert.project_id == project.id, Alert.rule == "project_payroll_late"
        )
    )
    assert count == 1


def test_a_project_alert_climbs_unacknowledged_and_stops_once_acknowledged(
    users, orgs, project_payload
):
    project = services.create_project(
        users["officer"], project_payload(wage_account_bank="工商银行", deposit_status="exempted",
                                           payroll_paid_through="2026-11"),
        now=IN_WINDOW,
    )  # fmt: skip
    assert set(_alerts(project.id)) == set()
    project = services.update_project(project.id, users["officer"], {
        "wage_account_bank": None}, now=IN_WINDOW)  # fmt: skip
    [town] = _alerts(project.id).values()
    # nobody acknowledges in 24 hours: it climbs to the city, one level higher
    sweep(IN_WINDOW + timedelta(hours=25))
    climbed = db.session.scalar(
        select(Alert).where(Alert.project_id == project.id, Alert.target_tier == Tier.city)
    )
    assert (str(climbed.level), climbed.target_org_id) == ("orange", orgs["C"].id)
    assert climbed.climbed_from_id == town.id
    acknowledged = acknowledge(climbed.id, users["city_officer"], {"note": "已督办总包单位开户"},
                               now=IN_WINDOW + timedelta(hours=26))  # fmt: skip
    assert acknowledged.status == AlertStatus.acknowledged


def test_the_project_alert_shows_in_the_inbox_with_a_link_to_the_project(
    client, users, project_payload
):
    project = services.create_project(users["officer"], project_payload())
    login(client, users["officer"])
    html = client.get("/alerts").get_data(as_text=True)
    assert f'href="/projects/{project.id}"' in html
    assert f'id="group-project-{project.id}"' in html


# --- a case on a project ------------------------------------------------------------------------


def test_an_arrears_case_on_a_project_near_completion_is_raised_in_the_window(
    users, make_case, project_payload
):
    project = services.create_project(users["officer"], project_payload(), now=IN_WINDOW)
    # two months owed: orange to the town; on the project completing 20 January 2027, red
    case = make_case(project_id=project.id, now=IN_WINDOW)
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == case.id, Alert.rule == "arrears_duration")
    )
    assert (str(alert.level), alert.target_tier) == ("red", Tier.town)
    other = make_case(now=IN_WINDOW)
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == other.id, Alert.rule == "arrears_duration")
    )
    assert str(alert.level) == "orange"


def test_the_case_page_shows_the_general_contractor_liable_to_pay_first(
    client, users, make_case, make_enterprise, project_payload
):
    project = services.create_project(users["officer"], project_payload())
    team_employer = make_enterprise("G1", name="恒基劳务分包有限公司")
    case = make_case(enterprise_id=team_employer.id, project_id=project.id)
    login(client, users["mediator"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    liable = html.split('id="liable-contractor"', 1)[1].split("</dd>", 1)[0]
    assert "宏达建设集团有限公司" in liable
    assert "第三十条" in liable  # the regulation's article (art. 30)


def test_a_case_may_only_name_a_project_in_scope(
    api, users, make_enterprise, project_payload, case_payload
):
    contractor = make_enterprise("G2")
    project = services.create_project(
        users["other_officer"], project_payload(org="G2", general_contractor_id=contractor.id)
    )
    response = api.post("/cases", as_=users["mediator"], json=case_payload(project_id=project.id))
    assert response.status_code == 422
    assert "project_id" in response.get_json()["error"]["fields"]


def test_duplicates_match_cases_on_the_same_project(
    users, make_case, make_enterprise, project_payload
):
    project = services.create_project(users["officer"], project_payload())
    # three reports against three employers (two subcontractors' crews and an unrelated
    # factory), three different workers: only the project ties the first two together
    first, second, unrelated = (
        make_case(enterprise_id=make_enterprise("G1").id, project_id=project_id,
                  worker_id_number=valid_id_number(serial=serial))
        for serial, project_id in ((101, project.id), (102, project.id), (103, None))
    )  # fmt: skip
    found = duplicates.find_duplicates(users["mediator"], duplicates.probe_of(second))
    assert [(d.id, d.reasons, d.score) for d in found] == [(first.id, ["same_project"], 40)]
    assert unrelated.id not in [d.id for d in found]


# --- the year-end campaign ----------------------------------------------------------------------


def test_the_campaign_lists_projects_near_completion_with_their_cases_checks_and_export(
    client, users, make_case, project_payload
):
    today = local_date(datetime.now(UTC))
    project = services.create_project(users["officer"], project_payload(
        started_on=(today - timedelta(days=200)).isoformat(),
        planned_completion_on=(today + timedelta(days=30)).isoformat(),
    ))  # fmt: skip
    far = services.create_project(users["officer"], project_payload(
        name="远期工程", started_on=(today - timedelta(days=10)).isoformat(),
        planned_completion_on=(today + timedelta(days=400)).isoformat(),
    ))  # fmt: skip
    case = make_case(project_id=project.id)
    result = campaign.campaign(users["officer"], today)
    assert [r.project.id for r in result.rows] == [project.id]
    assert [c.id for c in result.rows[0].cases] == [case.id]
    assert far.id not in [r.project.id for r in result.rows]

    login(client, users["officer"])
    response = client.post(f"/projects/{project.id}/checks",
                           data={"item": "site_visited", "checked": "on"})  # fmt: skip
    assert response.status_code == 302
    check = db.session.scalar(select(ProjectCheck).where(ProjectCheck.project_id == project.id))
    assert (check.item, check.checked_by_id) == ("site_visited", users["officer"].id)
    html = client.get("/projects/campaign").get_data(as_text=True)
    assert 'aria-pressed="true"' in html and users["officer"].display_name in html
    exported = client.get("/projects/campaign/export?format=csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert any(project.name in row for row in rows)
    assert client.get("/projects/campaign/export?format=xlsx").status_code == 200
    # unticking removes it
    client.post(f"/projects/{project.id}/checks", data={"item": "site_visited"})
    assert db.session.scalar(select(func.count(ProjectCheck.id))) == 0


def test_the_campaign_is_for_town_and_city_officers(client, users):
    login(client, users["mediator"])
    assert client.get("/projects/campaign").status_code == 403
    client.post("/logout")
    login(client, users["advocate"])
    assert client.get("/projects/campaign").status_code == 404


def test_project_page_lists_its_cases_and_alerts(client, users, make_case, project_payload):
    project = services.create_project(users["officer"], project_payload())
    case = make_case(project_id=project.id)
    login(client, users["officer"])
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert case.number in html and 'id="alerts"' in html
    assert "王建军" in html and "19780312" not in html


def test_the_demo_project_loads_once_with_its_team_leader(app, users, make_enterprise):
    from mediation.projects.demo import DEMO_PROJECT, load_demo_projects

    make_enterprise("G1"), make_enterprise("G1")
    now = datetime.now(UTC)
    project = load_demo_projects(now)
    assert project is not None and project.name == DEMO_PROJECT
    assert [s.is_person for s in project.subcontractors] == [False, True]
    assert load_demo_projects(now).id == project.id
    assert set(_alerts(project.id)) == {"project_wage_deposit", "project_payroll_late"}
    process_projects([project.id], now)
    assert set(_alerts(project.id)) == {"project_wage_deposit", "project_payroll_late"}
