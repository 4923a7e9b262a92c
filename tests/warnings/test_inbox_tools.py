"""The alert inbox's queue tools (docs/alert-inbox.md): when each alert climbs (and by how much it
is overdue), groups per case and incident, one note for several alerts (all or nothing), search,
sorting, scope, and the same in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from mediation.cases.enums import EventKind, WarningLevel
from mediation.cases.models import CaseEvent
from mediation.core.clock import local_date, utcnow
from mediation.core.i18n import gettext
from mediation.extensions import db
from mediation.incidents.services import create_incident
from mediation.orgs.models import Tier
from mediation.warnings import inbox, rules
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.services import acknowledge
from mediation.warnings.settings import current_settings
from mediation.warnings.sweep import sweep
from tests.api.conftest import Api
from tests.conftest import login
from tests.helpers import HOUR, MINUTE, T0, alert_of
from tests.html import dom

EN = {"Accept-Language": "en"}
# 12 workers in a dismissal dispute: the collective alert (yellow, town T1) and no arrears alert
YELLOW_ONLY = {"kind": "dispute", "category": "dismissal", "arrears_months": None}


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def groups(response) -> list[tuple[str, list[str]]]:
    """The inbox's groups in order: their key and their alerts' rules."""
    return [
        (s.attrs["data-group"], [c.attrs["data-rule"] for c in s.find_all("div", cls="alert-card")])
        for s in dom(response).find_all("section", cls="alert-group")
    ]


def ago(hours: float):
    return utcnow() - timedelta(hours=hours)


# --- when an alert climbs ---------------------------------------------------------------------------


def test_the_climb_moment_is_the_acknowledgement_window_after_it_was_raised(app):
    """Worked example (config/warning_rules.toml: 24 h, 12 h for red): raised Monday 2 March 2026
    10:00 China time at a town, a yellow alert climbs to the city on Tuesday 10:00, a red one at
    22:00 the same day; at the city (the top tier), or once acknowledged, none climbs."""
    settings = current_settings()
    assert rules.climbs_at("open", WarningLevel.yellow, Tier.town, T0, settings) == T0 + 24 * HOUR
    assert rules.climbs_at("open", WarningLevel.red, Tier.town, T0, settings) == T0 + 12 * HOUR
    assert rules.climbs_at("open", WarningLevel.red, Tier.city, T0, settings) is None
    assert rules.climbs_at("acknowledged", WarningLevel.red, Tier.town, T0, settings) is None
    assert rules.climbs_at("resolved", WarningLevel.blue, Tier.grassroots, T0, settings) is None


def test_the_engine_climbs_at_the_moment_the_inbox_shows(users, make_case, orgs):
    case = make_case(now=T0)  # 12 workers: a yellow collective alert for town T1
    alert = alert_of(case.id, "collective")
    climb = inbox.climb_of(alert, T0 + 5 * HOUR + 30 * MINUTE, current_settings())
    assert climb is not None
    assert (climb.at, climb.hours, climb.overdue, climb.to) == (
        T0 + 24 * HOUR,
        18,
        False,
        "市总工会",
    )

    sweep(now=climb.at - MINUTE)
    assert db.session.scalar(select(Alert).where(Alert.climbed_from_id == alert.id)) is None
    sweep(now=climb.at)
    climbed = db.session.scalar(select(Alert).where(Alert.climbed_from_id == alert.id))
    assert climbed is not None and climbed.target_org_id == orgs["C"].id

    db.session.expire_all()  # the town's alert stays open, and overdue
    late = T0 + 26 * HOUR + 30 * MINUTE
    overdue = inbox.climb_of(db.session.get(Alert, alert.id), late, current_settings())
    assert overdue is not None and (overdue.hours, overdue.overdue) == (2, True)


def test_the_inbox_says_when_each_alert_climbs_or_by_how_many_hours_it_is_overdue(
    app, users, make_case
):
    cases = {
        "in 22 hours": make_case(now=ago(1.5), **YELLOW_ONLY),
        "within the hour": make_case(now=ago(23.5), **YELLOW_ONLY),
        "overdue 1 hour": make_case(now=ago(25.5), **YELLOW_ONLY),
        "overdue 2 hours": make_case(now=ago(26.5), **YELLOW_ONLY),
    }
    page = dom(signed_in(app, users["officer"]).get("/alerts", headers=EN))
    texts = {
        name: page.find("div", id=f"alert-{alert_of(c.id, 'collective').id}")
        .find("div", cls="climb")
        .text
        for name, c in cases.items()
    }
    assert "Climbs to 市总工会 in 22 hours (" in texts["in 22 hours"]
    assert "Climbs to 市总工会 within the hour (" in texts["within the hour"]
    assert texts["overdue 1 hour"].startswith("Overdue by 1 hour: climbs to 市总工会")
    assert texts["overdue 2 hours"].startswith("Overdue by 2 hours: climbs to 市总工会")
    due = alert_of(cases["overdue 2 hours"].id, "collective").raised_at + 24 * HOUR
    assert f"(due {(due + 8 * HOUR).strftime('%Y-%m-%d %H:%M')})" in texts["overdue 2 hours"]


def test_an_acknowledged_alert_has_no_climb(app, users, make_case):
    case = make_case(**YELLOW_ONLY)
    target = alert_of(case.id, "collective")
    acknowledge(target.id, users["officer"], {"note": "已安排"})
    page = dom(signed_in(app, users["officer"]).get("/alerts"))
    assert page.find("div", id=f"alert-{target.id}").find("div", cls="climb") is None


# --- groups ------------------------------------------------------------------------------------------


def test_alerts_are_grouped_by_case_and_by_incident_most_severe_first(app, users, make_case, orgs):
    first = make_case(now=ago(3))  # orange arrears + yellow collective, town T1
    second = make_case(now=ago(1))
    acknowledge(alert_of(second.id, "arrears_duration").id, users["officer"], {"note": "已安排"})
    incident = create_incident(users["mediator"], {
        "employer_name": "某建筑劳务公司", "place": "项目部门口", "started_at": utcnow().isoformat(),
        "participants": 20, "behaviours": ["gathering"], "cause": "wage_arrears",
        "organization_id": orgs["G1"].id,
    })  # fmt: skip

    shown = groups(signed_in(app, users["officer"]).get("/alerts"))
    assert shown == [
        (f"case-{first.id}", ["arrears_duration", "collective"]),  # open orange first
        (f"case-{second.id}", ["collective", "arrears_duration"]),  # the acknowledged one last
    ]
    admin = dict(groups(signed_in(app, users["admin"]).get("/alerts")))
    assert f"incident-{incident.id}" in admin
    assert admin[f"incident-{incident.id}"]  # its alerts, in a group of their own
    assert set(admin[f"case-{first.id}"]) == {"arrears_duration", "collective"}


# --- one note for several alerts -----------------------------------------------------------------


def _acknowledgements(case_id: int) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.kind == EventKind.acknowledgement
    )))  # fmt: skip


def test_one_note_acknowledges_every_selected_alert_today(app, users, make_case):
    one, two = make_case(), make_case()
    ids = [alert_of(one.id, "collective").id, alert_of(one.id, "arrears_duration").id,
           alert_of(two.id, "collective").id]  # fmt: skip
    client = signed_in(app, users["officer"])
    response = client.post(
        "/alerts/acknowledge",
        data={"ids": [str(i) for i in ids], "note": "已统一安排走访", "sort": "age"},
        headers=EN,  # the message is written when flashed, in the poster's language
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/alerts?sort=age")  # the filters kept
    db.session.expire_all()
    for alert_id in ids:
        alert = db.session.get(Alert, alert_id)
        assert alert.status == AlertStatus.acknowledged and alert.note == "已统一安排走访"
        assert alert.acknowledged_by_id == users["officer"].id
        assert local_date(alert.acknowledged_at) == local_date(utcnow())
    assert [e.body for e in _acknowledgements(one.id)] == ["已统一安排走访"] * 2
    assert [e.data["alert_id"] for e in _acknowledgements(two.id)] == [ids[2]]
    assert alert_of(two.id, "arrears_duration").status == AlertStatus.open  # not selected
    assert "3 alerts acknowledged." in client.get("/alerts", headers=EN).get_data(as_text=True)


def test_one_alert_no_longer_open_acknowledges_none_of_the_selection(app, users, make_case):
    case = make_case()
    done, other = alert_of(case.id, "collective"), alert_of(case.id, "arrears_duration")
    acknowledge(done.id, users["officer"], {"note": "已安排"})
    client = signed_in(app, users["officer"])
    response = client.post(
        "/alerts/acknowledge", data={"ids": [done.id, other.id], "note": "再次"}, headers=EN
    )
    assert response.status_code == 302
    assert alert_of(case.id, "arrears_duration").status == AlertStatus.open
    assert alert_of(case.id, "collective").note == "已安排"
    assert len(_acknowledgements(case.id)) == 1
    assert "nothing was acknowledged" in client.get("/alerts", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize("note", ["", "   "])
def test_an_empty_note_is_refused_beside_the_note_and_the_selection_is_kept(
    app, users, make_case, note
):
    case = make_case()
    ids = [alert_of(case.id, "collective").id, alert_of(case.id, "arrears_duration").id]
    client = signed_in(app, users["officer"])
    response = client.post("/alerts/acknowledge", data={"ids": ids, "note": note}, headers=EN)
    assert response.status_code == 422
    page = dom(response)
    field = page.find("textarea", id="bulk-note").parent
    assert "has-error" in field.classes
    assert field.find("p", cls="field-error").text == "Write an acknowledgement note."
    for alert_id in ids:
        assert "checked" in page.find("input", id=f"select-{alert_id}").attrs
    assert all(alert_of(case.id, r).status == AlertStatus.open
               for r in ("collective", "arrears_duration"))  # fmt: skip
    assert _acknowledgements(case.id) == []

    # in Chinese: the catalogue's words for it
    chinese = dom(client.post("/alerts/acknowledge", data={"ids": ids, "note": note}))
    with force_locale("zh_Hans_CN"):
        expected = gettext("Write an acknowledgement note.")
    assert chinese.find("p", id="bulk-note-error").text == expected


def test_nothing_selected_is_refused(app, users, make_case):
    make_case()
    response = signed_in(app, users["officer"]).post(
        "/alerts/acknowledge", data={"note": "已安排"}, headers=EN
    )
    assert response.status_code == 422
    assert dom(response).find("p", id="bulk-ids-error").text == "Choose at least one alert."


@pytest.mark.parametrize("who", ["other_officer", "city_officer", "mediator", "advocate"])
def test_an_alert_out_of_scope_in_the_selection_is_404_and_nothing_is_acknowledged(
    app, users, make_case, make_enterprise, who
):
    case = make_case()  # its town alerts are T1's
    own = (
        make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id)
        if who == "other_officer"
        else None
    )
    ids = [alert_of(case.id, "collective").id]
    if own is not None:
        ids.append(alert_of(own.id, "collective").id)
    response = signed_in(app, users[who]).post(
        "/alerts/acknowledge", data={"ids": ids, "note": "我来处理"}
    )
    assert response.status_code == 404
    assert alert_of(case.id, "collective").status == AlertStatus.open
    if own is not None:
        assert alert_of(own.id, "collective").status == AlertStatus.open


# --- search and sorting --------------------------------------------------------------------------


def test_search_by_case_number_or_employer(app, users, make_case, make_enterprise):
    steel = make_enterprise(name="江川钢结构工程有限公司")
    a = make_case(enterprise_id=steel.id)
    b = make_case()
    client = signed_in(app, users["officer"])
    assert [k for k, _ in groups(client.get(f"/alerts?q={b.number}"))] == [f"case-{b.id}"]
    assert [k for k, _ in groups(client.get("/alerts?q=钢结构"))] == [f"case-{a.id}"]
    assert groups(client.get("/alerts?q=no-such-thing_%")) == []
    # the filters stay in the form
    page = dom(client.get("/alerts?q=钢结构&sort=climb"))
    assert page.find("input", name="q").attrs["value"] == "钢结构"
    chosen = [
        o for o in page.find("select", name="sort").find_all("option") if "selected" in o.attrs
    ]
    assert chosen[0].attrs["value"] == "climb"


def test_sorting_by_level_age_and_time_to_climb(app, users, make_case):
    oldest = make_case(now=ago(20))  # all its alerts acknowledged: it no longer climbs
    for rule in ("collective", "arrears_duration"):
        acknowledge(alert_of(oldest.id, rule).id, users["officer"], {"note": "已安排"})
    yellow = make_case(now=ago(10), **YELLOW_ONLY)  # yellow only, climbs in 14 h
    orange = make_case(now=ago(2))  # orange and yellow, climbs in 22 h
    client = signed_in(app, users["officer"])

    def order(sort: str) -> list[int]:
        return [int(k.split("-")[1]) for k, _ in groups(client.get(f"/alerts?sort={sort}"))]

    assert order("level") == [orange.id, yellow.id, oldest.id]
    assert order("age") == [oldest.id, yellow.id, orange.id]
    assert order("climb") == [yellow.id, orange.id, oldest.id]
    assert order("nonsense") == order("level")


def test_the_sql_climb_order_is_the_rules_climb_moment(app, users, make_case):
    """The SQL that sorts by time to climb computes `rules.climbs_at` exactly (to the second)."""
    make_case(now=T0)
    make_case(now=T0 + 90 * MINUTE, workers_involved=60)  # a red alert for the city: no climb
    settings = current_settings()
    rows = db.session.execute(select(Alert, inbox.climb_order(settings))).all()
    assert len(rows) >= 4
    for alert, seconds in rows:
        expected = inbox.alert_climbs_at(alert, settings)
        assert (seconds is None) == (expected is None), alert.rule
        if expected is not None:
            assert int(seconds) == int(expected.timestamp())


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_lists_the_climb_moment(client, users, make_case):
    case = make_case(now=T0)
    body = Api(client).get("/alerts", as_=users["officer"]).get_json()
    by_rule = {a["rule"]: a for a in body["items"] if a["case_id"] == case.id}
    assert by_rule["collective"]["climbs_at"] == (T0 + 24 * HOUR).isoformat()


def test_the_api_acknowledges_several_alerts_with_one_note(
    client, users, make_case, make_enterprise
):
    api = Api(client)
    case = make_case()
    ids = [alert_of(case.id, "collective").id, alert_of(case.id, "arrears_duration").id]

    empty = api.post("/alerts/acknowledge", as_=users["officer"], json={"ids": ids, "note": " "})
    assert empty.status_code == 422
    assert empty.get_json()["error"]["fields"] == {"note": ["Write an acknowledgement note."]}
    none = api.post("/alerts/acknowledge", as_=users["officer"], json={"ids": [], "note": "x"})
    assert none.status_code == 422 and "ids" in none.get_json()["error"]["fields"]

    other = make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id)
    outside = api.post("/alerts/acknowledge", as_=users["officer"],
                       json={"ids": [*ids, alert_of(other.id, "collective").id], "note": "已安排"})  # fmt: skip
    assert outside.status_code == 404
    assert alert_of(case.id, "collective").status == AlertStatus.open

    done = api.post(
        "/alerts/acknowledge", as_=users["officer"], json={"ids": ids, "note": "已安排"}
    )
    assert done.status_code == 200, done.get_json()
    answered = done.get_json()["alerts"]
    assert sorted(a["id"] for a in answered) == sorted(ids)
    assert {(a["status"], a["note"], a["climbs_at"]) for a in answered} == {
        ("acknowledged", "已安排", None)
    }
    again = api.post("/alerts/acknowledge", as_=users["officer"], json={"ids": ids, "note": "再"})
    assert again.status_code == 409
