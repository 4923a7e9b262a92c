"""The alerts of a mass incident: red to the city on save, the report chain's overdue alerts
to the reporting union's superior, their climb and their resolution (docs/incidents.md)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mediation.extensions import db
from mediation.incidents import services
from mediation.incidents.models import Incident
from mediation.orgs.models import Tier
from mediation.warnings import services as warning_services
from mediation.warnings.models import Alert, AlertStatus, Notification
from mediation.warnings.sweep import sweep
from tests.incidents.conftest import T10

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def _alerts(incident_id: int) -> dict[tuple[str, str], Alert]:
    db.session.expire_all()
    return {
        (a.rule, Tier(a.target_tier).value): a
        for a in db.session.scalars(select(Alert).where(Alert.incident_id == incident_id))
    }


def _create(user, payload, now=T10) -> Incident:
    return services.create_incident(user, payload, now=now)


def test_saving_an_incident_raises_red_to_the_city_at_once(users, orgs, incident_payload):
    officer = users["city_officer"]
    officer.email = "city@example.org"
    db.session.commit()
    incident = _create(users["g1_mediator"], incident_payload())
    alerts = _alerts(incident.id)
    red = alerts[("mass_incident", "city")]
    assert red.level.value == "red" and red.target_org_id == orgs["C"].id
    assert red.status == AlertStatus.open and red.case_id is None
    # the city's officers are told in the same transaction
    assert db.session.scalar(select(Notification).where(Notification.alert_id == red.id))


def test_no_verbal_report_by_eleven_raises_the_overdue_alert_and_it_climbs(
    users, orgs, incident_payload
):
    """Saved at 10:00 by a grassroots union: nothing due before 11:00; at 11:00 the missing
    verbal report is an orange alert to the town (the superior); unacknowledged for its window
    it climbs to the city, one level higher."""
    incident = _create(users["g1_mediator"], incident_payload())
    assert incident.next_check_at == T10 + HOUR

    sweep(T10 + HOUR - MINUTE)
    assert ("incident_verbal_overdue", "town") not in _alerts(incident.id)

    outcome = sweep(T10 + HOUR)
    alert = _alerts(incident.id)[("incident_verbal_overdue", "town")]
    assert alert.level.value == "orange" and alert.target_org_id == orgs["T1"].id
    assert [a.rule for a in outcome.raised] == ["incident_verbal_overdue"]
    assert sweep(T10 + HOUR).raised == []  # raised once

    # 24 hours unacknowledged: it climbs to the city as red
    climbed = sweep(T10 + HOUR + timedelta(hours=24))
    alerts = _alerts(incident.id)
    up = alerts[("incident_verbal_overdue", "city")]
    assert up.level.value == "red" and up.climbed_from_id == alert.id
    assert up.target_org_id == orgs["C"].id
    assert any(a.rule == "incident_verbal_overdue" for a in climbed.climbed)


def test_an_acknowledged_overdue_alert_does_not_climb(users, incident_payload):
    incident = _create(users["g1_mediator"], incident_payload())
    sweep(T10 + HOUR)
    alert = _alerts(incident.id)[("incident_verbal_overdue", "town")]
    warning_services.acknowledge(
        alert.id, users["officer"], {"note": "已电话督促"}, now=T10 + 2 * HOUR
    )
    sweep(T10 + 30 * HOUR)
    alerts = _alerts(incident.id)
    assert ("incident_verbal_overdue", "city") not in alerts
    assert alerts[("incident_verbal_overdue", "town")].status == AlertStatus.acknowledged


def test_making_the_report_resolves_the_overdue_alert_and_what_climbed(users, incident_payload):
    incident = _create(users["g1_mediator"], incident_payload())
    sweep(T10 + HOUR)
    sweep(T10 + 26 * HOUR)
    assert ("incident_verbal_overdue", "city") in _alerts(incident.id)
    services.add_report(
        incident.id,
        users["g1_mediator"],
        {"kind": "verbal", "at": (T10 + 26 * HOUR).isoformat(), "content": "电话报告市总"},
        now=T10 + 26 * HOUR,
    )
    alerts = _alerts(incident.id)
    assert alerts[("incident_verbal_overdue", "town")].status == AlertStatus.resolved
    assert alerts[("incident_verbal_overdue", "city")].status == AlertStatus.resolved


def test_a_report_in_time_raises_nothing_and_the_written_report_is_next(users, incident_payload):
    incident = _create(users["g1_mediator"], incident_payload())
    services.add_report(
        incident.id, users["g1_mediator"],
        {"kind": "verbal", "at": (T10 + 20 * MINUTE).isoformat(), "content": "口头报告"},
        now=T10 + 20 * MINUTE,
    )  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).next_check_at == T10 + 2 * HOUR
    sweep(T10 + HOUR)
    assert ("incident_verbal_overdue", "town") not in _alerts(incident.id)
    sweep(T10 + 2 * HOUR)
    assert ("incident_written_overdue", "town") in _alerts(incident.id)


def test_a_daily_follow_up_is_due_until_it_ends_then_the_final_report(users, incident_payload):
    user = users["g1_mediator"]
    incident = _create(user, incident_payload())
    for kind, minutes in (("verbal", 30), ("written", 90)):
        services.add_report(
            incident.id, user,
            {"kind": kind, "at": (T10 + minutes * MINUTE).isoformat(), "content": kind},
            now=T10 + minutes * MINUTE,
        )  # fmt: skip
    day_after = T10 + 90 * MINUTE + 24 * HOUR
    sweep(day_after - MINUTE)
    assert ("incident_follow_up_overdue", "town") not in _alerts(incident.id)
    sweep(day_after)
    assert _alerts(incident.id)[("incident_follow_up_overdue", "town")].is_active
    services.update_incident(incident.id, user, {"status": "ended"}, now=day_after + HOUR)
    alerts = _alerts(incident.id)
    assert alerts[("incident_follow_up_overdue", "town")].status == AlertStatus.resolved
    assert alerts[("mass_incident", "city")].status == AlertStatus.resolved
    sweep(day_after + 25 * HOUR)
    assert _alerts(incident.id)[("incident_final_overdue", "town")].is_active
    services.add_report(
        incident.id, user,
        {"kind": "final", "at": (day_after + 26 * HOUR).isoformat(), "content": "终报"},
        now=day_after + 26 * HOUR,
    )  # fmt: skip
    assert not any(a.is_active for a in _alerts(incident.id).values())
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).next_check_at is None


def test_a_town_unions_missing_report_goes_to_the_city(users, orgs, incident_payload):
    incident = _create(users["mediator"], incident_payload())  # reporting union: town T1
    sweep(T10 + HOUR)
    alert = _alerts(incident.id)[("incident_verbal_overdue", "city")]
    assert alert.target_org_id == orgs["C"].id


def test_the_incident_alert_is_in_the_city_inbox_and_case_alerts_are_untouched(
    users, incident_payload, make_case
):
    case = make_case(workers_involved=60)
    incident = _create(users["g1_mediator"], incident_payload())
    inbox = list(db.session.scalars(warning_services.inbox_query(users["city_officer"])))
    rules = {(a.rule, a.case_id, a.incident_id) for a in inbox}
    assert ("mass_incident", None, incident.id) in rules
    assert ("major_collective", case.id, None) in rules


def test_sweeping_twice_at_once_raises_one_alert(users, incident_payload):
    incident = _create(users["g1_mediator"], incident_payload())
    sweep(T10 + HOUR)
    sweep(T10 + HOUR)
    rows = db.session.scalars(
        select(Alert).where(
            Alert.incident_id == incident.id, Alert.rule == "incident_verbal_overdue"
        )
    ).all()
    assert len(rows) == 1


def test_the_officer_dashboard_and_inbox_show_an_incident_alert(client, users, incident_payload):
    from tests.conftest import login

    incident = _create(users["g1_mediator"], incident_payload())
    login(client, users["city_officer"])
    home = client.get("/").get_data(as_text=True)
    assert f'data-incident="{incident.id}"' in home
    inbox = client.get("/alerts").get_data(as_text=True)
    assert f'href="/incidents/{incident.id}"' in inbox
    alert = _alerts(incident.id)[("mass_incident", "city")]
    r = client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "已知悉", "back": "incident"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/incidents/{incident.id}")
    assert _alerts(incident.id)[("mass_incident", "city")].status == AlertStatus.acknowledged


def test_a_shorter_window_set_by_the_administrator_applies_at_the_next_sweep(
    users, incident_payload
):
    incident = _create(users["g1_mediator"], incident_payload())
    warning_services.update_rule_settings(
        users["admin"], {"incident_reports": {"verbal_minutes": 30}}, now=T10 + 5 * MINUTE
    )
    sweep(T10 + 30 * MINUTE)
    assert ("incident_verbal_overdue", "town") in _alerts(incident.id)


def test_the_sweep_command_names_the_incident_it_raised_for(app, users, incident_payload):
    incident = _create(users["g1_mediator"], incident_payload())
    result = app.test_cli_runner().invoke(
        args=["warnings", "sweep", "--now", (T10 + HOUR).isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert f"incident {incident.id}" in result.output
    assert "raised 1" in result.output
