"""Wage arrears through the engine (docs/domain.md "Wage arrears", "Default rules"): the
criminal-threshold and provincial key-monitoring rules on saved cases, their settings, the
months owed growing across sweeps, and a delay agreed with the union.

Times are China time in 2026; the rules' worked examples are in `test_rules.py`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.cases.enums import WarningLevel
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings.models import ACTIVE_STATUSES, Alert, AlertStatus
from mediation.warnings.services import acknowledge
from mediation.warnings.settings import SettingsError, validate
from mediation.warnings.sweep import sweep
from tests.conftest import login
from tests.helpers import DAY, HOUR, SECOND, T0, local, reload
from tests.html import dom


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
    from mediation.warnings.services import update_rule_settings

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
