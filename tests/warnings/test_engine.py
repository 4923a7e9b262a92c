"""The alert engine through its public surface: case services (immediate rules), the sweep with an
explicit `now`, acknowledgement (service and web), the demo data and the `warnings sweep` command.

Times are fixed in March 2026 (China time) so working days and deadlines are known exactly.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mediation import signals
from mediation.cases import services
from mediation.cases.audit import verify_chains
from mediation.cases.enums import EventKind, WarningLevel
from mediation.cases.models import Case, CaseEvent
from mediation.core.clock import ensure_utc
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings import rules
from mediation.warnings.models import ACTIVE_STATUSES, Alert, AlertStatus, Notification
from mediation.warnings.services import acknowledge, update_rule_settings
from mediation.warnings.sweep import sweep
from tests.conftest import login
from tests.helpers import CHINA, DAY, HOUR, SECOND, T0, StatementCounter, local, reload

# Three working days after T0 (Monday 2 March 2026, 10:00): overdue from Fri 6 March 00:00.
ACCEPTANCE_DUE = local(2026, 3, 6)
# A case no fact-driven rule cares about: one worker, a small dismissal dispute.
QUIET = {
    "kind": "dispute",
    "category": "dismissal",
    "workers_involved": 1,
    "arrears_months": None,
    "claim_amount": "5000.00",
}


def quiet(make_case, now: datetime = T0, **kw) -> Case:
    return make_case(now=now, **(QUIET | kw))


def alerts_of(case_id: int) -> dict[tuple[str, str], Alert]:
    db.session.expire_all()
    return {
        (a.rule, a.target_tier.value): a
        for a in db.session.scalars(select(Alert).where(Alert.case_id == case_id))
    }


def active_keys(case_id: int) -> set[tuple[str, str]]:
    return {key for key, a in alerts_of(case_id).items() if a.status in ACTIVE_STATUSES}


def alert_events(case_id: int) -> list[CaseEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == EventKind.alert)
            .order_by(CaseEvent.seq)
        )
    )


def keys(alerts) -> set[tuple[int, str, str]]:
    return {(a.case_id, a.rule, Tier(a.target_tier).value) for a in alerts}


def duplicates() -> list:
    return list(
        db.session.execute(
            select(Alert.case_id, Alert.rule, Alert.target_tier, func.count())
            .group_by(Alert.case_id, Alert.rule, Alert.target_tier)
            .having(func.count() > 1)
        )
    )


@pytest.fixture
def act(users):
    """Fire triggers at a chosen time, as the T1 officer."""

    def fire(case: Case, *triggers: str, now: datetime, **payload) -> Case:
        defaults = {
            "accept": {"mediator_id": users["mediator"].id},
            "begin_mediation": {},
            "record_agreement": {
                "terms": "单位于期限内一次性支付",
                "agreement_amount": "4000.00",
                "agreement_due_on": (now + 20 * DAY).astimezone(CHINA).date().isoformat(),
            },
            "confirm_performance": {"paid_amount": "4000.00"},
            "record_payment": {"paid_amount": "2000.00"},
            "withdraw": {"reason": "申请人撤回"},
            "fail_mediation": {"reason": "双方分歧过大"},
        }
        for trigger in triggers:
            data = dict(defaults[trigger], **payload)
            case = services.fire_trigger(case.id, trigger, users["officer"], data, now=now)
        return case

    return fire


# --- immediate rules --------------------------------------------------------------------------------


def test_a_60_worker_case_is_red_for_the_city_the_moment_it_is_saved(make_case, orgs):
    case = make_case(now=T0, workers_involved=60)  # arrears, two months

    # committed: another connection sees it without any sweep having run
    with db.engine.connect() as conn:
        seen = conn.execute(
            select(Alert.rule, Alert.level, Alert.target_tier, Alert.status).where(
                Alert.case_id == case.id
            )
        ).all()
    assert ("major_collective", WarningLevel.red, Tier.city, AlertStatus.open) in seen

    alerts = alerts_of(case.id)
    assert set(alerts) == {
        ("major_collective", "city"),
        ("collective", "town"),
        ("arrears_duration", "town"),
    }
    major = alerts[("major_collective", "city")]
    assert major.level == WarningLevel.red
    assert major.status == AlertStatus.open
    assert major.target_org_id == orgs["C"].id
    assert major.raised_at == T0
    assert major.climbed_from_id is None
    assert alerts[("collective", "town")].target_org_id == orgs["T1"].id
    assert alerts[("arrears_duration", "town")].level == WarningLevel.orange

    # the case object returned by create_case already follows, and so does the stored row
    assert (case.warning_level, case.tier) == (WarningLevel.red, Tier.city)
    stored = reload(case.id)
    assert (stored.warning_level, stored.tier) == (WarningLevel.red, Tier.city)

    events = alert_events(case.id)
    assert {e.data["rule"] for e in events} == {
        "major_collective",
        "collective",
        "arrears_duration",
    }
    major_event = next(e for e in events if e.data["rule"] == "major_collective")
    assert major_event.data["alert_id"] == major.id
    assert major_event.at == T0
    assert major_event.seq > 1  # after the `created` event, on the same chain


def test_a_new_case_goes_in_once_with_its_warning_fields_and_its_whole_chain(make_case):
    """The immediate rules are evaluated before the new case's row is inserted: one INSERT
    carries the warning fields and the count of events, no UPDATE follows (its dead row kept
    the newest cases' pages from being all-visible), and the chain of the `created` event and
    the alerts' events verifies."""
    with StatementCounter() as counter:
        case = make_case(now=T0, workers_involved=60)
    written = [s.split("(")[0].split(" SET")[0].strip() for s in counter.statements]
    assert written.count("INSERT INTO cases") == 1
    assert not [s for s in written if s.startswith("UPDATE cases")], written
    assert written.count("INSERT INTO case_events") == 1  # created and the three alerts'

    stored = reload(case.id)
    assert (stored.warning_level, stored.tier) == (WarningLevel.red, Tier.city)
    assert stored.first_town_alert_at == stored.first_city_alert_at == T0
    assert stored.next_check_at is not None and stored.next_check_at > T0
    events = list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )
    assert [e.seq for e in events] == [1, 2, 3, 4] and stored.event_seq == 4
    assert events[0].kind == EventKind.created and events[0].data["number"] == case.number
    assert {e.kind for e in events[1:]} == {EventKind.alert}
    assert verify_chains() == (1, 4, [])

    quiet_case = quiet(make_case)  # no alert: the created event alone
    stored = reload(quiet_case.id)
    assert stored.event_seq == 1 and stored.warning_level is None
    assert verify_chains() == (2, 5, [])


def test_a_receiver_of_case_creating_adds_its_events_to_the_new_chain(make_case):
    """`signals.case_creating` is how another domain writes with a new case: a receiver's
    events follow `created` (and the engine's alerts) on the case's chain, counted in the
    row's `event_seq` from the start."""

    class OneNote:
        event_count = 1

        def write(self, case):
            return [{"case_id": case.id, "kind": EventKind.note, "actor_id": None, "at": T0,
                     "body": "from a receiver", "data": {}}]  # fmt: skip

    def receiver(case, *, now, **_):
        return OneNote()

    signals.case_creating.connect(receiver)
    try:
        case = make_case(now=T0, workers_involved=60)
    finally:
        signals.case_creating.disconnect(receiver)
    stored = reload(case.id)
    assert stored.event_seq == 5  # created, three alerts, the receiver's note
    kinds = [e.kind for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    )]  # fmt: skip
    assert kinds[0] == EventKind.created and EventKind.note in kinds[1:]
    assert ("major_collective", "city") in active_keys(case.id)
    assert verify_chains() == (1, 5, [])


@pytest.mark.parametrize("fact", ["owner_absconded", "incident_in_progress"])
def test_an_absconded_owner_or_incident_is_red_for_the_city_at_once(make_case, orgs, fact):
    case = quiet(make_case, **{fact: True})
    alerts = alerts_of(case.id)
    assert set(alerts) == {("owner_absconded", "city")}
    alert = alerts[("owner_absconded", "city")]
    assert (alert.level, alert.status, alert.target_org_id) == (
        WarningLevel.red,
        AlertStatus.open,
        orgs["C"].id,
    )
    assert (reload(case.id).warning_level, reload(case.id).tier) == (WarningLevel.red, Tier.city)
    assert [e.data["rule"] for e in alert_events(case.id)] == ["owner_absconded"]


def test_a_quiet_case_has_no_alert_and_waits_for_its_first_deadline(make_case):
    case = quiet(make_case)
    assert alerts_of(case.id) == {}
    stored = reload(case.id)
    assert stored.warning_level is None
    assert stored.tier == Tier.grassroots
    assert stored.next_check_at == ACCEPTANCE_DUE


def test_a_case_that_fails_validation_leaves_no_alert(make_case, users):
    with pytest.raises(ValidationFailed):
        make_case(now=T0, workers_involved=60, worker_id_number="440305199003071234")
    # out of the mediator's scope: refused inside the transaction
    with pytest.raises(ValidationFailed):
        make_case(now=T0, workers_involved=60, owner_absconded=True, org="G2")
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_repeat_enterprise_on_the_third_case(make_case, make_enterprise, orgs):
    enterprise = make_enterprise()
    first = quiet(make_case, enterprise_id=enterprise.id)
    second = quiet(make_case, now=T0 + 10 * DAY, enterprise_id=enterprise.id)
    third = quiet(make_case, now=T0 + 20 * DAY, enterprise_id=enterprise.id)
    assert ("repeat_enterprise", "town") not in alerts_of(first.id)
    assert ("repeat_enterprise", "town") not in alerts_of(second.id)
    alert = alerts_of(third.id)[("repeat_enterprise", "town")]
    assert (alert.level, alert.target_org_id) == (WarningLevel.orange, orgs["T1"].id)


def test_an_edit_that_clears_the_fact_resolves_the_alert(make_case, users):
    case = quiet(make_case, owner_absconded=True)
    alert = alerts_of(case.id)[("owner_absconded", "city")]
    edited_at = T0 + 2 * HOUR

    services.update_facts(
        case.id, users["mediator"], {"version": case.version, "owner_absconded": False},
        now=edited_at,
    )  # fmt: skip

    alert = alerts_of(case.id)[("owner_absconded", "city")]
    assert alert.status == AlertStatus.resolved
    assert alert.resolved_at == edited_at
    stored = reload(case.id)
    assert stored.warning_level is None
    assert stored.tier == Tier.grassroots
    events = [e for e in alert_events(case.id) if e.data["alert_id"] == alert.id]
    assert [e.at for e in events] == [T0, edited_at]  # raised, then resolved


def test_an_edit_that_records_the_fact_raises_the_alert(make_case, users, orgs):
    case = quiet(make_case)
    services.update_facts(
        case.id, users["mediator"], {"version": case.version, "workers_involved": 60},
        now=T0 + HOUR,
    )  # fmt: skip
    alerts = alerts_of(case.id)
    assert set(alerts) == {("collective", "town"), ("major_collective", "city")}
    assert alerts[("major_collective", "city")].raised_at == T0 + HOUR
    assert reload(case.id).warning_level == WarningLevel.red


def test_a_rule_that_moves_up_to_where_its_alert_climbed_keeps_it_open(make_case, users, orgs):
    """Two months of arrears (orange, town) went unacknowledged and climbed to the city; then the
    arrears reach three months, for which the rule itself wants red at the city. The city alert
    must stay open: the red-city condition holds."""
    case = make_case(now=T0, workers_involved=1, arrears_months=2)
    assert active_keys(case.id) == {("arrears_duration", "town")}
    outcome = sweep(T0 + DAY)
    assert keys(outcome.climbed) == {(case.id, "arrears_duration", "city")}

    case = reload(case.id)
    services.update_facts(
        case.id, users["mediator"], {"version": case.version, "arrears_months": 3},
        now=T0 + DAY + HOUR,
    )  # fmt: skip

    alerts = alerts_of(case.id)
    city = alerts[("arrears_duration", "city")]
    assert city.status == AlertStatus.open
    assert city.level == WarningLevel.red
    assert alerts[("arrears_duration", "town")].status == AlertStatus.resolved
    stored = reload(case.id)
    assert (stored.warning_level, stored.tier) == (WarningLevel.red, Tier.city)


# --- the sweep ------------------------------------------------------------------------------------


def test_the_sweep_raises_a_time_driven_alert_once(make_case, users, orgs):
    case = quiet(make_case)

    early = sweep(ACCEPTANCE_DUE - SECOND)
    assert early.raised == [] and early.checked == 0

    outcome = sweep(ACCEPTANCE_DUE)
    assert outcome.checked == 1
    assert keys(outcome.raised) == {(case.id, "acceptance_overdue", "town")}
    alert = alerts_of(case.id)[("acceptance_overdue", "town")]
    assert (alert.level, alert.target_org_id, alert.raised_at) == (
        WarningLevel.yellow,
        orgs["T1"].id,
        ACCEPTANCE_DUE,
    )
    assert reload(case.id).warning_level == WarningLevel.yellow
    assert reload(case.id).tier == Tier.town

    again = sweep(ACCEPTANCE_DUE)
    assert again.raised == [] and again.climbed == []

    # the officer takes it on; a later sweep that checks the case again (the acknowledgement
    # deadline it had scheduled) neither raises it again nor reopens it
    acknowledge(alert.id, users["officer"], {"note": "已联系企业"}, now=ACCEPTANCE_DUE + HOUR)
    later = sweep(ACCEPTANCE_DUE + DAY)
    assert later.checked == 1
    assert later.raised == [] and later.climbed == []
    assert alerts_of(case.id)[("acceptance_overdue", "town")].status == AlertStatus.acknowledged
    assert len(alerts_of(case.id)) == 1
    assert len(alert_events(case.id)) == 1
    assert duplicates() == []


def test_the_unique_key_refuses_a_second_alert(make_case, orgs):
    case = quiet(make_case, owner_absconded=True)
    db.session.add(
        Alert(
            case_id=case.id,
            rule="owner_absconded",
            target_tier=Tier.city,
            level=WarningLevel.red,
            target_org_id=orgs["C"].id,
            raised_at=T0,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1


def test_recording_an_agreement_resolves_mediation_overdue_by_the_next_sweep(make_case, act, orgs):
    case = quiet(make_case)
    act(case, "accept", "begin_mediation", now=T0 + HOUR)

    # the 15 days' last day is Tuesday 17 March: overdue from Wednesday 18 March
    outcome = sweep(T0 + 16 * DAY)
    assert keys(outcome.raised) == {
        (case.id, "mediation_due_soon", "grassroots"),
        (case.id, "mediation_overdue", "town"),
    }
    overdue = alerts_of(case.id)[("mediation_overdue", "town")]
    assert (overdue.level, overdue.target_org_id) == (WarningLevel.orange, orgs["T1"].id)

    agreed_at = T0 + 16 * DAY + 2 * HOUR
    act(case, "record_agreement", now=agreed_at)
    sweep(T0 + 16 * DAY + 3 * HOUR)
    sweep(T0 + 17 * DAY)

    alerts = alerts_of(case.id)
    assert alerts[("mediation_overdue", "town")].status == AlertStatus.resolved
    assert alerts[("mediation_due_soon", "grassroots")].status == AlertStatus.resolved
    # resolved by the transition's own evaluation or, at the latest, by the next sweep
    assert (
        agreed_at <= alerts[("mediation_overdue", "town")].resolved_at <= T0 + 16 * DAY + 3 * HOUR
    )
    assert not any(a.is_active for a in alerts.values())  # nothing climbed from them
    stored = reload(case.id)
    assert stored.warning_level is None
    assert stored.tier == Tier.grassroots
    # the next thing to watch is the agreement's due date (the day after it, 00:00)
    due_on = stored.agreement_due_on
    assert stored.next_check_at == ensure_utc(
        datetime.combine(due_on + DAY, datetime.min.time(), tzinfo=CHINA)
    )


def test_a_payment_settles_the_instalment_in_default_within_its_transaction(make_case, act):
    """Two instalments of 2,000 yuan, 10 March and 10 April: unpaid on 11 March the first is in
    default; paying it resolves the alert in the payment's own transaction, and the case is next
    looked at after the second date (docs/domain.md "The mediation agreement")."""
    case = quiet(make_case)
    act(case, "accept", "begin_mediation", now=T0 + HOUR)
    instalments = [
        {"due_on": "2026-03-10", "amount": "2000.00"},
        {"due_on": "2026-04-10", "amount": "2000.00"},
    ]
    act(case, "record_agreement", now=T0 + DAY, agreement_due_on="2026-04-10",
        instalments=instalments)  # fmt: skip
    assert reload(case.id).next_check_at == local(2026, 3, 11)
    outcome = sweep(local(2026, 3, 11))
    assert keys(outcome.raised) == {(case.id, "agreement_default", "town")}

    paid_at = local(2026, 3, 11, 15, 0)
    act(case, "record_payment", now=paid_at)
    alert = alerts_of(case.id)[("agreement_default", "town")]
    assert alert.status == AlertStatus.resolved and alert.resolved_at == paid_at
    stored = reload(case.id)
    assert stored.state == "agreement" and stored.paid_amount_fen == 200_000
    assert stored.next_check_at == local(2026, 4, 11)


def test_a_closed_case_has_its_alerts_resolved_and_no_next_check(make_case, act):
    case = quiet(make_case, owner_absconded=True)
    act(case, "accept", "begin_mediation", now=T0 + HOUR)
    sweep(T0 + 13 * DAY)
    assert active_keys(case.id) >= {
        ("owner_absconded", "city"),
        ("mediation_due_soon", "grassroots"),
    }

    closed_at = T0 + 14 * DAY
    act(case, "withdraw", now=closed_at)

    alerts = alerts_of(case.id)
    assert alerts and all(a.status == AlertStatus.resolved for a in alerts.values())
    assert all(a.resolved_at == closed_at for a in alerts.values())
    stored = reload(case.id)
    assert stored.next_check_at is None
    assert stored.warning_level is None

    later = sweep(T0 + 90 * DAY)
    assert later.checked == 0
    assert later.raised == [] and later.climbed == []
    assert not active_keys(case.id)


# --- climbing -------------------------------------------------------------------------------------


def test_an_unacknowledged_town_alert_climbs_to_the_city_after_24_hours(make_case, orgs):
    case = quiet(make_case)
    sweep(ACCEPTANCE_DUE)
    town = alerts_of(case.id)[("acceptance_overdue", "town")]
    assert reload(case.id).next_check_at == ACCEPTANCE_DUE + DAY

    before = sweep(ACCEPTANCE_DUE + DAY - SECOND)
    assert before.climbed == []
    assert ("acceptance_overdue", "city") not in alerts_of(case.id)

    outcome = sweep(ACCEPTANCE_DUE + DAY)
    assert keys(outcome.climbed) == {(case.id, "acceptance_overdue", "city")}
    assert outcome.raised == []
    alerts = alerts_of(case.id)
    city = alerts[("acceptance_overdue", "city")]
    assert city.level == WarningLevel.orange  # yellow + 1
    assert city.target_org_id == orgs["C"].id
    assert city.climbed_from_id == town.id
    assert city.status == AlertStatus.open
    assert city.raised_at == ACCEPTANCE_DUE + DAY
    assert alerts[("acceptance_overdue", "town")].status == AlertStatus.open
    stored = reload(case.id)
    assert (stored.warning_level, stored.tier) == (WarningLevel.orange, Tier.city)
    assert any(e.data["alert_id"] == city.id for e in alert_events(case.id))

    # nothing above the city; later sweeps do not climb again
    assert sweep(ACCEPTANCE_DUE + 5 * DAY).climbed == []
    assert duplicates() == []


def test_a_climbed_alert_resolves_with_its_origin(make_case, act):
    case = quiet(make_case)
    sweep(ACCEPTANCE_DUE)
    sweep(ACCEPTANCE_DUE + DAY)
    assert active_keys(case.id) == {("acceptance_overdue", "town"), ("acceptance_overdue", "city")}

    act(case, "accept", now=ACCEPTANCE_DUE + DAY + HOUR)

    assert active_keys(case.id) == set()
    assert reload(case.id).warning_level is None


def test_a_red_town_alert_climbs_after_12_hours(make_case, users, orgs):
    update_rule_settings(users["admin"], {"owner_absconded": {"target": "town"}}, now=T0 - DAY)
    case = quiet(make_case, owner_absconded=True)
    town = alerts_of(case.id)[("owner_absconded", "town")]
    assert town.level == WarningLevel.red
    assert town.target_org_id == orgs["T1"].id

    assert sweep(T0 + 12 * HOUR - SECOND).climbed == []
    outcome = sweep(T0 + 12 * HOUR)
    assert keys(outcome.climbed) == {(case.id, "owner_absconded", "city")}
    city = alerts_of(case.id)[("owner_absconded", "city")]
    assert (city.level, city.target_org_id, city.climbed_from_id) == (
        WarningLevel.red,
        orgs["C"].id,
        town.id,
    )


def test_a_grassroots_alert_climbs_tier_by_tier(make_case, act, orgs):
    case = quiet(make_case)
    act(case, "accept", now=T0 + HOUR)
    # 3 days before the 15 days' last day (17 March): from 15 March
    sweep(T0 + 13 * DAY)
    blue = alerts_of(case.id)[("mediation_due_soon", "grassroots")]
    assert (blue.level, blue.target_org_id) == (WarningLevel.blue, orgs["G1"].id)

    sweep(T0 + 14 * DAY)
    town = alerts_of(case.id)[("mediation_due_soon", "town")]
    assert (town.level, town.target_org_id, town.climbed_from_id) == (
        WarningLevel.yellow,
        orgs["T1"].id,
        blue.id,
    )
    sweep(T0 + 15 * DAY)
    city = alerts_of(case.id)[("mediation_due_soon", "city")]
    assert (city.level, city.target_org_id, city.climbed_from_id) == (
        WarningLevel.orange,
        orgs["C"].id,
        town.id,
    )


def test_an_acknowledged_alert_does_not_climb(make_case, users):
    taken = quiet(make_case)
    ignored = quiet(make_case)
    sweep(ACCEPTANCE_DUE)
    alert = alerts_of(taken.id)[("acceptance_overdue", "town")]
    acknowledge(alert.id, users["officer"], {"note": "已安排调解员核实"}, now=ACCEPTANCE_DUE + HOUR)

    outcome = sweep(ACCEPTANCE_DUE + 3 * DAY)
    assert keys(outcome.climbed) == {(ignored.id, "acceptance_overdue", "city")}
    assert active_keys(taken.id) == {("acceptance_overdue", "town")}
    assert alerts_of(taken.id)[("acceptance_overdue", "town")].status == AlertStatus.acknowledged
    assert reload(taken.id).tier == Tier.town
    assert reload(ignored.id).tier == Tier.city


# --- acknowledgement ------------------------------------------------------------------------------


@pytest.fixture
def town_alert(make_case) -> Alert:
    case = quiet(make_case)
    sweep(ACCEPTANCE_DUE)
    return alerts_of(case.id)[("acceptance_overdue", "town")]


def post_ack(app, user, alert_id: int, note: str | None):
    client = app.test_client()
    login(client, user)
    data = {} if note is None else {"note": note}
    return client.post(f"/alerts/{alert_id}/acknowledge", data=data)


@pytest.mark.parametrize("who", ["other_officer", "city_officer", "mediator", "advocate"])
def test_acknowledging_an_alert_outside_ones_desk_is_404(app, users, town_alert, who):
    response = post_ack(app, users[who], town_alert.id, "我来处理")
    assert response.status_code == 404
    with pytest.raises(NotFound):
        acknowledge(town_alert.id, users[who], {"note": "我来处理"})
    assert alerts_of(town_alert.case_id)[("acceptance_overdue", "town")].status == AlertStatus.open


def test_acknowledging_an_unknown_alert_is_404(app, users, town_alert):
    assert post_ack(app, users["officer"], town_alert.id + 1000, "好").status_code == 404


@pytest.mark.parametrize("note", [None, "", "   "])
def test_acknowledging_requires_a_note(app, users, town_alert, note):
    response = post_ack(app, users["officer"], town_alert.id, note)
    assert response.status_code == 422
    assert alerts_of(town_alert.case_id)[("acceptance_overdue", "town")].status == AlertStatus.open


def test_acknowledge_service_without_a_note_is_422(users, town_alert):
    with pytest.raises(ValidationFailed) as exc:
        acknowledge(town_alert.id, users["officer"], {})
    assert exc.value.status_code == 422
    assert "note" in exc.value.fields


def test_acknowledging_writes_an_event_and_a_second_time_is_409(app, users, town_alert):
    officer = users["officer"]
    response = post_ack(app, officer, town_alert.id, "已安排调解员今日到企业核实")
    assert response.status_code == 302

    alert = alerts_of(town_alert.case_id)[("acceptance_overdue", "town")]
    assert alert.status == AlertStatus.acknowledged
    assert alert.acknowledged_by_id == officer.id
    assert alert.acknowledged_at is not None
    assert alert.note == "已安排调解员今日到企业核实"
    event = db.session.scalar(
        select(CaseEvent).where(
            CaseEvent.case_id == alert.case_id, CaseEvent.kind == EventKind.acknowledgement
        )
    )
    assert event.actor_id == officer.id
    assert event.body == "已安排调解员今日到企业核实"
    assert event.data["alert_id"] == alert.id

    with pytest.raises(Conflict) as exc:
        acknowledge(alert.id, officer, {"note": "再次签收"})
    assert exc.value.status_code == 409
    assert (
        alerts_of(alert.case_id)[("acceptance_overdue", "town")].note
        == "已安排调解员今日到企业核实"
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == alert.case_id, CaseEvent.kind == EventKind.acknowledgement)
        )
        == 1
    )


def test_an_admin_may_acknowledge_any_alert(users, town_alert):
    alert = acknowledge(town_alert.id, users["admin"], {"note": "市总已知悉"}, now=ACCEPTANCE_DUE)
    assert alert.status == AlertStatus.acknowledged
    assert alert.acknowledged_at == ACCEPTANCE_DUE


# --- the scheduler stopped for three days ---------------------------------------------------------


def test_after_three_days_of_downtime_one_sweep_raises_everything_due_once(make_case, act):
    s0 = local(2026, 3, 16, 10, 0)  # Monday: the last sweep before the scheduler stopped
    s3 = s0 + 3 * DAY  # Thursday 19 March 10:00: the first sweep after it came back

    # reported Saturday 14 March: working days Mon 16, Tue 17, Wed 18 → overdue Thu 19 00:00
    a = quiet(make_case, now=s0 - 2 * DAY)
    # same, but accepted during the downtime: acceptance overdue must never be raised
    b = quiet(make_case, now=s0 - 2 * DAY)
    # mediating since 2 March: due soon before s0; overdue 17 March, but it reached agreement first
    c = quiet(make_case, now=s0 - 14 * DAY)
    act(c, "accept", "begin_mediation", now=s0 - 14 * DAY + HOUR)
    # mediating since 15 Feb: due soon and overdue before s0; stalled (30 days) on 17 March
    d = quiet(make_case, now=s0 - 29 * DAY)
    act(d, "accept", "begin_mediation", now=s0 - 29 * DAY + HOUR)
    # an agreement due 17 March and not performed → default from 18 March 00:00
    e = quiet(make_case, now=s0 - 10 * DAY)
    act(e, "accept", "begin_mediation", now=s0 - 10 * DAY + HOUR)
    act(e, "record_agreement", now=s0 - DAY, agreement_due_on="2026-03-17")
    # the same, but performed during the downtime
    f = quiet(make_case, now=s0 - 10 * DAY)
    act(f, "accept", "begin_mediation", now=s0 - 10 * DAY + HOUR)
    act(f, "record_agreement", now=s0 - DAY, agreement_due_on="2026-03-17")

    first = sweep(s0)
    assert keys(first.raised) == {
        (c.id, "mediation_due_soon", "grassroots"),
        (d.id, "mediation_due_soon", "grassroots"),
        (d.id, "mediation_overdue", "town"),
    }
    before_downtime = {a.id for a in db.session.scalars(select(Alert))}

    # while the scheduler is stopped, people keep working
    act(b, "accept", now=s0 + HOUR)
    act(c, "record_agreement", now=s0 + 12 * HOUR)
    act(f, "confirm_performance", now=s0 + DAY)

    outcome = sweep(s3)
    assert keys(outcome.raised) == {
        (a.id, "acceptance_overdue", "town"),
        (d.id, "mediation_stalled", "city"),
        (e.id, "agreement_default", "town"),
    }
    # the two alerts raised at s0 went unacknowledged past their 24 h window: each climbs once
    assert keys(outcome.climbed) == {
        (d.id, "mediation_due_soon", "town"),
        (d.id, "mediation_overdue", "city"),
    }
    new = outcome.raised + outcome.climbed
    assert all(alert.raised_at == s3 for alert in new)
    assert not {alert.id for alert in new} & before_downtime

    # conditions that cleared meanwhile raised nothing
    assert ("acceptance_overdue", "town") not in alerts_of(b.id)
    assert ("mediation_overdue", "town") not in alerts_of(c.id)
    assert active_keys(c.id) == set()
    assert alerts_of(f.id) == {}
    assert reload(f.id).next_check_at is None

    # none twice: the same sweep again finds nothing, and every key is unique
    again = sweep(s3)
    assert again.raised == [] and again.climbed == []
    assert duplicates() == []
    total = db.session.scalar(select(func.count()).select_from(Alert))
    assert total == 3 + 3 + 2

    # every open case now waits for a moment after s3
    for case in (a, b, c, d, e):
        assert reload(case.id).next_check_at > s3


# --- demo data ------------------------------------------------------------------------------------


def test_the_demo_data_has_alerts_at_every_level_open_and_acknowledged(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    alerts = list(db.session.scalars(select(Alert)))

    assert {a.level for a in alerts} == set(WarningLevel)
    statuses = Counter(a.status for a in alerts)
    assert statuses[AlertStatus.open] > 0
    assert statuses[AlertStatus.acknowledged] > 0
    assert any(a.climbed_from_id is not None for a in alerts)
    assert duplicates() == []

    # every case's warning level is the highest of its active alerts
    by_case: dict[int, list[Alert]] = {}
    for alert in alerts:
        if alert.is_active:
            by_case.setdefault(alert.case_id, []).append(alert)
    for case in db.session.scalars(select(Case)):
        active = by_case.get(case.id, [])
        assert case.warning_level == rules.max_level(a.level for a in active), case.number
        if not case.is_open:
            assert not active and case.next_check_at is None, case.number


# --- the command ----------------------------------------------------------------------------------


def invoke(app, *args: str):
    result = app.test_cli_runner().invoke(args=["warnings", "sweep", *args])
    db.session.expire_all()
    return result


def test_sweep_command_prints_what_it_raised(app, make_case):
    case = quiet(make_case)
    result = invoke(app, "--now", "2026-03-06T00:00:00+08:00")
    assert result.exit_code == 0, result.output
    assert case.number in result.output
    assert str(rules.RULE_LABELS["acceptance_overdue"]) in result.output  # Chinese
    assert "raised 1" in result.output
    assert set(alerts_of(case.id)) == {("acceptance_overdue", "town")}

    quiet_again = invoke(app, "--now", "2026-03-06T00:00:00+08:00")
    assert quiet_again.exit_code == 0
    assert "raised 0" in quiet_again.output
    assert case.number not in quiet_again.output


def test_sweep_command_reads_a_time_without_offset_as_china_time(app, make_case):
    case = quiet(make_case)
    before = invoke(app, "--now", "2026-03-05T23:59:59")  # 15:59:59 UTC
    assert before.exit_code == 0, before.output
    assert alerts_of(case.id) == {}
    at = invoke(app, "--now", "2026-03-06T00:00")
    assert at.exit_code == 0, at.output
    assert set(alerts_of(case.id)) == {("acceptance_overdue", "town")}


def _future() -> str:
    from datetime import timedelta

    from mediation.core.clock import utcnow

    return (utcnow() + timedelta(days=400)).isoformat()


def test_a_sweep_in_the_future_is_a_dry_run_by_default(app, make_case):
    case = quiet(make_case)
    result = invoke(app, "--now", _future())
    assert result.exit_code == 0, result.output
    assert case.number in result.output and "dry run" in result.output
    assert alerts_of(case.id) == {}
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert reload(case).warning_level is None


@pytest.mark.parametrize("flag", ["--send", "--no-dry-run"])
def test_a_sweep_in_the_future_writes_only_when_asked(app, make_case, flag):
    case = quiet(make_case)
    result = invoke(app, "--now", _future(), flag)
    assert result.exit_code == 0, result.output
    assert "dry run" not in result.output
    assert alerts_of(case.id)


def test_a_past_sweep_can_be_a_dry_run_on_request(app, make_case):
    case = quiet(make_case)
    result = invoke(app, "--now", "2026-03-06T00:00:00+08:00", "--dry-run")
    assert result.exit_code == 0 and "raised 1" in result.output and "dry run" in result.output
    assert alerts_of(case.id) == {}


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-03-06T25:00", ""])
def test_sweep_command_refuses_a_malformed_now(app, make_case, bad):
    case = quiet(make_case)
    result = invoke(app, "--now", bad)
    assert result.exit_code != 0
    assert "--now" in result.output
    assert "ISO 8601" in result.output
    assert alerts_of(case.id) == {}


# --- claiming -------------------------------------------------------------------------------------


def test_a_sweep_only_checks_due_cases(make_case):
    due = [quiet(make_case) for _ in range(3)]
    not_due = quiet(make_case, now=T0 + 3 * DAY)  # Thursday: overdue from Tuesday 10 March
    not_due_check = reload(not_due.id).next_check_at
    not_due_seq = reload(not_due.id).event_seq
    assert not_due_check > ACCEPTANCE_DUE

    outcome = sweep(ACCEPTANCE_DUE)
    assert outcome.checked == 3
    assert keys(outcome.raised) == {(c.id, "acceptance_overdue", "town") for c in due}
    untouched = reload(not_due.id)
    assert untouched.next_check_at == not_due_check
    assert untouched.event_seq == not_due_seq
    assert alerts_of(not_due.id) == {}

    assert sweep(ACCEPTANCE_DUE).checked == 0


def test_a_sweep_in_small_batches_still_processes_every_due_case(make_case):
    cases = [quiet(make_case) for _ in range(5)]
    outcome = sweep(ACCEPTANCE_DUE, batch_size=2)
    assert outcome.checked == 5
    assert keys(outcome.raised) == {(c.id, "acceptance_overdue", "town") for c in cases}
    assert all(reload(c.id).next_check_at > ACCEPTANCE_DUE for c in cases)


def test_a_limitation_alert_raised_by_the_sweep(make_case, orgs):
    # infringement known 1 April 2025: the year's last day is 1 April 2026, warned 30 days
    # before it is over, from 3 March 00:00 (a hotline report: no application interrupts it)
    reported = local(2026, 2, 20, 9)
    case = quiet(
        make_case, now=reported, infringement_known_at="2025-04-01", channel="hotline",
        reported_at=reported.isoformat(),
    )  # fmt: skip
    # acceptance comes first: working days Tue 24, Wed 25, Thu 26 Feb after the festival
    assert reload(case.id).next_check_at == local(2026, 2, 27)
    sweep(local(2026, 3, 2, 23))
    assert ("limitation_near", "grassroots") not in active_keys(case.id)
    sweep(local(2026, 3, 3))
    alert = alerts_of(case.id)[("limitation_near", "grassroots")]
    assert (alert.level, alert.target_org_id) == (WarningLevel.yellow, orgs["G1"].id)


# --- clocks: a paused local clock and the sweep ------------------------------------------------


def test_a_paused_acceptance_clock_raises_nothing_and_the_sweep_wakes_it_on_its_resume_day(
    make_case, users
):
    from mediation.cases import clock_events

    case = quiet(make_case, channel="hotline", reported_at=T0.isoformat())
    clock_events.record_clock_event(
        case.id, "acceptance", users["mediator"],
        {"kind": "suspend", "at": "2026-03-03", "resume_on": "2026-03-10",
         "reason": "等待申请人补充材料", "version": reload(case).version},
        now=T0 + HOUR,
    )  # fmt: skip
    # without the pause the case was overdue from 6 March; paused, nothing at the sweep then
    sweep(ACCEPTANCE_DUE + DAY)
    assert ("acceptance_overdue", "town") not in active_keys(case.id)
    # the case sleeps until its resume day
    assert reload(case).next_check_at == local(2026, 3, 10)
    # 7 days paused: the last day moves from 5 to 12 March; overdue from 13 March
    sweep(local(2026, 3, 12, 23))
    assert ("acceptance_overdue", "town") not in active_keys(case.id)
    sweep(local(2026, 3, 13, 0, 1))
    assert ("acceptance_overdue", "town") in active_keys(case.id)


@pytest.mark.parametrize("reason", ["new_application", "default_after_closure", "enforcement_only"])
def test_a_long_closed_case_reopened_raises_nothing_old(make_case, act, users, reason):
    """Reopening must not fire every old clock at once (issue 18 point 8): the clocks start
    again from the reopening, as its reason says."""
    case = quiet(make_case, infringement_known_at="2025-12-01")
    act(case, "accept", now=T0 + HOUR)
    act(case, "withdraw", now=T0 + 2 * HOUR)
    reopened_at = T0 + 200 * DAY
    services.fire_trigger(
        case.id, "reopen", users["officer"],
        {"reason": "职工再次申请", "reopen_reason": reason, "mediator_id": users["mediator"].id},
        now=reopened_at,
    )  # fmt: skip
    sweep(reopened_at + HOUR)
    assert active_keys(case.id) == set()
    stored = reload(case.id)
    assert (stored.reopened_at, stored.reopen_reason.value) == (reopened_at, reason)
    if reason == "new_application":
        # the new application's 15 days: nothing before they are over
        assert stored.application_received_at == reopened_at
        assert stored.next_check_at is not None and stored.next_check_at > reopened_at + 10 * DAY
