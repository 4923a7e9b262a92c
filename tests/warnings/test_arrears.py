"""Wage arrears through the engine (docs/domain.md "Wage arrears", "Default rules"): the
criminal-threshold and provincial key-monitoring rules on saved cases, their settings, the
months owed growing across sweeps, and a delay agreed with the union.

Times are China time in 2026; the rules' worked examples are in `test_rules.py`.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.cases.audit import verify_chains
from mediation.cases.enums import EventKind, WarningLevel
from mediation.cases.models import CaseEvent
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings.delays import record_wage_delay
from mediation.warnings.models import ACTIVE_STATUSES, Alert, AlertStatus
from mediation.warnings.services import acknowledge, update_rule_settings
from mediation.warnings.settings import SettingsError, validate
from mediation.warnings.sweep import sweep
from tests.conftest import login
from tests.helpers import DAY, HOUR, SECOND, T0, local, reload
from tests.html import dom


def last_event(case_id: int, kind: EventKind) -> CaseEvent:
    db.session.expire_all()
    return db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
        .order_by(CaseEvent.seq.desc())
    ).first()


def active(case_id: int) -> dict[tuple[str, str], Alert]:
    db.session.expire_all()
    return {
        (a.rule, a.target_tier.value): a
        for a in db.session.scalars(select(Alert).where(Alert.case_id == case_id))
        if a.status in ACTIVE_STATUSES
    }


# --- the crime of refusing to pay labour remuneration ---------------------------------------------


def test_ten_workers_owed_sixty_thousand_yuan_are_red_for_the_city_at_once(make_case, orgs):
    case = make_case(now=T0, workers_involved=10, claim_amount="60000.00", arrears_months=1)
    alert = active(case.id)[("criminal_threshold", "city")]
    assert (alert.level, alert.target_org_id) == (WarningLevel.red, orgs["C"].id)
    assert (reload(case.id).warning_level, reload(case.id).tier) == (WarningLevel.red, Tier.city)


def test_the_criminal_threshold_is_not_reached_below_the_amounts(make_case):
    group = make_case(now=T0, workers_involved=10, claim_amount="59999.99", arrears_months=1)
    one = make_case(now=T0, workers_involved=1, claim_amount="10000.00", arrears_months=2)
    assert ("criminal_threshold", "city") not in active(group.id)
    assert ("criminal_threshold", "city") not in active(one.id)


def test_one_worker_owed_ten_thousand_yuan_for_three_months(make_case, users):
    case = make_case(now=T0, workers_involved=1, claim_amount="12000.00", arrears_months=3)
    assert ("criminal_threshold", "city") in active(case.id)


# --- provincial key monitoring --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workers", "claim", "fires"),
    [(100, "1000.00", True), (99, "1000.00", False), (1, "5000000.00", True),
     (1, "4999999.99", False)],
)  # fmt: skip
def test_provincial_key_monitoring_goes_to_the_city(make_case, orgs, workers, claim, fires):
    case = make_case(now=T0, kind="dispute", category="dismissal", arrears_months=None,
                     workers_involved=workers, claim_amount=claim)  # fmt: skip
    alerts = active(case.id)
    assert (("provincial_key", "city") in alerts) == fires
    if fires:
        alert = alerts[("provincial_key", "city")]
        assert (alert.level, alert.target_org_id) == (WarningLevel.red, orgs["C"].id)


def test_the_city_officer_sees_the_provincial_alert_in_the_inbox(client, make_case, users):
    case = make_case(now=T0, kind="dispute", category="dismissal", arrears_months=None,
                     workers_involved=120, claim_amount="1000.00")  # fmt: skip
    login(client, users["city_officer"])
    client.post("/language", data={"lang": "en"})
    page = client.get("/alerts").get_data(as_text=True)
    assert case.number in page
    assert "Provincial key monitoring: report to the provincial federation" in page


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"arrears_duration": {"max_agreed_delay_days": 0}}, "arrears_duration.max_agreed_delay_days"),
        ({"arrears_duration": {"max_agreed_delay_days": 367}}, "arrears_duration.max_agreed_delay_days"),
        ({"criminal_threshold": {"single_worker_yuan": "x"}}, "criminal_threshold.single_worker_yuan"),
        ({"criminal_threshold": {"single_worker_months": 0}}, "criminal_threshold.single_worker_months"),
        ({"criminal_threshold": {"group_workers": -10}}, "criminal_threshold.group_workers"),
        ({"criminal_threshold": {"group_yuan": 10**11}}, "criminal_threshold.group_yuan"),
        ({"criminal_threshold": {"level": "pink"}}, "criminal_threshold.level"),
        ({"provincial_key": {"workers": 0}}, "provincial_key.workers"),
        ({"provincial_key": {"claim_yuan": 10**11}}, "provincial_key.claim_yuan"),
    ],
)  # fmt: skip
def test_the_new_settings_are_bounded(changes, field):
    with pytest.raises(SettingsError) as info:
        validate(changes)
    assert field in info.value.fields


def test_a_province_sets_its_own_figures(users, make_case):
    update_rule_settings(
        users["admin"], {"criminal_threshold": {"group_yuan": 30000, "single_worker_yuan": 5000}}
    )
    case = make_case(now=T0, workers_involved=10, claim_amount="30000.00", arrears_months=1)
    assert ("criminal_threshold", "city") in active(case.id)


def test_the_rules_page_shows_the_new_settings_with_their_labels(client, users):
    login(client, users["admin"])
    client.post("/language", data={"lang": "en"})
    page = dom(client.get("/admin/rules"))
    for key, value, label in (
        ("arrears_duration.max_agreed_delay_days", "30", "Longest wage delay the union"),
        ("criminal_threshold.single_worker_yuan", "10000", "Owed to one worker (yuan)"),
        ("criminal_threshold.single_worker_months", "3", "Owed to one worker for months"),
        ("criminal_threshold.group_workers", "10", "Workers owed, at least"),
        ("criminal_threshold.group_yuan", "60000", "Owed to them in total (yuan)"),
        ("provincial_key.workers", "100", "Workers involved, at least"),
        ("provincial_key.claim_yuan", "5000000", "Amount claimed (yuan), at least"),
    ):
        field = page.find("input", id=f"r-{key}")
        assert field is not None and field.attrs["value"] == value, key
        assert label in page.find("label", for_=f"r-{key}").text, key
    legends = " ".join(legend.text for legend in page.find_all("legend"))
    assert "Possible refusal to pay labour remuneration" in legends
    assert "Provincial key monitoring" in legends


# --- the months owed grow across sweeps -----------------------------------------------------------

JANUARY = local(2026, 1, 20, 10)  # unpaid since 15 January: one month owed


def quiet_arrears(make_case, **kw):
    """One worker owed little: no head-count or criminal rule, only the months owed."""
    values = {"workers_involved": 1, "claim_amount": "4000.00", "arrears_months": None,
              "wages_unpaid_since": "2026-01-15"}  # fmt: skip
    return make_case(now=JANUARY, **(values | kw))


def failed(case, users, at):
    """Mediation failed: the mediation's clocks stop, the months owed keep growing."""
    for trigger, payload in (("accept", {"mediator_id": users["mediator"].id}),
                             ("fail_mediation", {"reason": "用人单位拒不到场"})):  # fmt: skip
        case = services.fire_trigger(case.id, trigger, users["officer"], payload, now=at)
    return case


def acknowledge_all(case_id, users, at):
    for alert in active(case_id).values():
        if alert.status == AlertStatus.open:
            officer = users["officer"] if alert.target_tier == Tier.town else users["city_officer"]
            acknowledge(alert.id, officer, {"note": "已签收"}, now=at)


def test_one_month_owed_in_january_is_red_for_the_city_in_june_without_an_edit(
    make_case, users, orgs
):
    case = failed(quiet_arrears(make_case), users, JANUARY + HOUR)
    alert = active(case.id)[("arrears_duration", "town")]
    assert alert.level == WarningLevel.yellow
    acknowledge_all(case.id, users, JANUARY + 2 * HOUR)
    version = reload(case.id).version
    sweep(JANUARY + DAY)  # the climb deadline it was waiting for: acknowledged, nothing climbs
    # nothing else to wait for but the next pay day
    assert reload(case.id).next_check_at == local(2026, 2, 15)
    assert sweep(local(2026, 2, 15) - SECOND).checked == 0

    february = sweep(local(2026, 2, 15))
    assert february.checked == 1
    assert active(case.id)[("arrears_duration", "town")].level == WarningLevel.orange
    acknowledge_all(case.id, users, local(2026, 2, 15, 9))

    june = sweep(local(2026, 6, 20))  # no sweep ran since February
    alerts = active(case.id)
    red = alerts[("arrears_duration", "city")]
    assert (red.level, red.target_org_id) == (WarningLevel.red, orgs["C"].id)
    assert ("arrears_duration", "town") not in alerts
    assert june.checked == 1
    stored = reload(case.id)
    assert (stored.warning_level, stored.tier) == (WarningLevel.red, Tier.city)
    # the facts were never edited: the months grew with the calendar alone
    assert stored.version == version
    assert stored.arrears_months is None


# --- a delay of wages agreed with the union -------------------------------------------------------

MARCH = local(2026, 3, 2, 10)  # unpaid since 15 February: one month owed, yellow


def delayed(case, users, until: str, at=MARCH, by: str = "mediator", **kw):
    payload = {
        "until": until,
        "reason": "疫情停工，资金周转困难，经工会同意",
        "version": case.version,
    }
    return record_wage_delay(case.id, users[by], payload | kw, now=at)


def test_an_agreed_delay_silences_the_arrears_alert_and_it_resumes_the_day_after(make_case, users):
    case = failed(quiet_arrears(make_case, wages_unpaid_since="2026-02-15"), users, MARCH)
    acknowledge_all(case.id, users, MARCH)
    assert active(case.id)[("arrears_duration", "town")].level == WarningLevel.yellow

    case_id = delayed(reload(case.id), users, "2026-03-20", at=MARCH + HOUR).id

    stored = reload(case_id)
    assert stored.wage_delay_until == date(2026, 3, 20)
    assert ("arrears_duration", "town") not in active(case_id)  # silent during the delay
    assert stored.warning_level is None
    assert stored.next_check_at == local(2026, 3, 21)  # the day after its last day
    event = last_event(case_id, EventKind.edit)
    assert event.actor_id == users["mediator"].id
    assert event.data["wage_delay_until"] == [None, "2026-03-20"]
    assert event.data["union_consent"] is True
    assert "2026-03-20" in event.body and "工会同意" in event.body
    assert verify_chains()[2] == []  # the hash chain holds

    assert sweep(local(2026, 3, 20, 23, 59)).checked == 0
    resumed = sweep(local(2026, 3, 21))
    assert resumed.checked == 1
    # 15 February and 15 March are owed by now: orange, and it keeps growing
    assert active(case_id)[("arrears_duration", "town")].level == WarningLevel.orange
    assert reload(case_id).next_check_at <= local(2026, 4, 15)


@pytest.mark.parametrize(
    ("until", "message"),
    [("2026-03-02", "Must be after today."), ("2026-03-01", "Must be after today."),
     ("2026-04-02", "Must be on or before 2026-04-01.")],
)  # fmt: skip
def test_a_delay_in_the_past_or_beyond_the_cap_is_refused_and_nothing_is_written(
    make_case, users, until, message
):
    case = quiet_arrears(make_case, wages_unpaid_since="2026-02-15")
    seq = reload(case.id).event_seq
    with pytest.raises(ValidationFailed) as info:
        delayed(case, users, until)
    assert [str(m) for m in info.value.fields["until"]] == [message]
    stored = reload(case.id)
    assert (stored.wage_delay_until, stored.event_seq, stored.version) == (None, seq, case.version)


def test_the_cap_is_the_provinces_setting(make_case, users):
    update_rule_settings(users["admin"], {"arrears_duration": {"max_agreed_delay_days": 15}})
    case = quiet_arrears(make_case, wages_unpaid_since="2026-02-15")
    with pytest.raises(ValidationFailed):
        delayed(case, users, "2026-03-18")
    assert delayed(case, users, "2026-03-17").wage_delay_until == date(2026, 3, 17)


def test_who_may_record_a_delay_and_on_which_case(make_case, users, make_enterprise):
    case = quiet_arrears(make_case, wages_unpaid_since="2026-02-15")
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    with pytest.raises(PermissionDenied):
        delayed(case, users, "2026-03-10", by="advocate")
    with pytest.raises(NotFound):
        delayed(case, users, "2026-03-10", by="other_mediator")
    with pytest.raises(Conflict):  # stale version, whatever else is wrong
        delayed(case, users, "2026-01-01", version=case.version + 1)
    dismissal = make_case(now=MARCH, kind="dispute", category="dismissal", arrears_months=None)
    with pytest.raises(Conflict):
        delayed(dismissal, users, "2026-03-10")
    closed = services.fire_trigger(case.id, "reject", users["officer"], {"reason": "不予受理"},
                                   now=MARCH)  # fmt: skip
    with pytest.raises(Conflict):
        delayed(closed, users, "2026-03-10")
    assert reload(case.id).wage_delay_until is None
    for by in ("officer", "admin"):
        other = quiet_arrears(make_case, wages_unpaid_since="2026-02-15")
        assert delayed(other, users, "2026-03-10", by=by).wage_delay_until == date(2026, 3, 10)


def test_the_case_page_form_records_a_delay_or_shows_why_not(client, make_case, users):
    case = make_case()
    other = make_case(kind="dispute", category="dismissal", arrears_months=None)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    login(client, users["advocate"])
    assert dom(client.get(f"/cases/{case.id}")).find("form", id="wage-delay-form") is None
    client.post("/logout")
    login(client, users["mediator"])
    client.post("/language", data={"lang": "en"})
    assert dom(client.get(f"/cases/{other.id}")).find("form", id="wage-delay-form") is None
    form = dom(client.get(f"/cases/{reload(case.id).id}")).find("form", id="wage-delay-form")
    assert form is not None
    until_field = form.find("input", name="until")
    today = local_date(utcnow())
    assert until_field.attrs["max"] == (today + timedelta(days=30)).isoformat()
    version = form.find("input", name="version").attrs["value"]

    data = {"until": today.isoformat(), "reason": "工会同意延期", "version": version}
    refused = client.post(f"/cases/{case.id}/wage-delay", data=data)
    assert refused.status_code == 422
    page = dom(refused)
    details = page.find("details", id="action-wage_delay")
    assert "open" in details.attrs
    assert "Must be after today." in details.text
    assert details.find("textarea", name="reason").text == "工会同意延期"  # what was typed
    assert reload(case.id).wage_delay_until is None

    until = today + timedelta(days=7)
    response = client.post(f"/cases/{case.id}/wage-delay", data=data | {"until": until.isoformat()})
    assert response.status_code == 302
    assert reload(case.id).wage_delay_until == until
    shown = dom(client.get(f"/cases/{case.id}")).find("dd", id="wage-delay").text
    assert until.isoformat() in shown

    stale = client.post(f"/cases/{case.id}/wage-delay", data=data | {"until": until.isoformat()})
    assert stale.status_code == 409
