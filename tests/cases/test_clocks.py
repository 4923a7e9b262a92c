"""The case clocks through the services (docs/domain.md "Clocks in detail"): report vs
application, pausing, interrupting and extending, the arbitration stage; each refusal writes
nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mediation.cases import clock_events, services
from mediation.cases.clocks import ClockName, ClockState, clock_named
from mediation.cases.enums import EventKind
from mediation.cases.models import Case, CaseEvent
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from tests.conftest import trigger_payload
from tests.helpers import T0, local

DAY = timedelta(days=1)


def clock(case: Case, name: ClockName, now=T0):
    return clock_named(clock_events.clocks_of(db.session.get(Case, case.id), now), name)


def events_of(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def unchanged(case: Case, version: int, n_events: int) -> bool:
    db.session.expire_all()
    fresh = db.session.get(Case, case.id)
    return fresh.version == version and len(events_of(case)) == n_events


@pytest.fixture
def report(make_case):
    """A hotline call on Monday 2 March 2026: a report, no application."""
    return make_case(channel="hotline", reported_at=T0.isoformat(), now=T0)


# --- report vs application ------------------------------------------------------------------


def test_a_hotline_report_starts_no_mediation_period(report):
    assert report.application_received_at is None
    mediation = clock(report, ClockName.mediation)
    assert mediation.state == ClockState.not_started and mediation.last_day is None
    assert clock(report, ClockName.acceptance).state == ClockState.running


def test_a_walk_in_records_the_application_with_the_report(make_case):
    case = make_case(channel="walk_in", now=T0)
    assert case.application_received_at == case.received_at == T0
    assert clock(case, ClockName.mediation).last_day == date(2026, 3, 17)


def test_received_at_still_records_both_moments(make_case):
    """Older clients send `received_at` (design.md §8a): an application at that moment."""
    case = make_case(channel="hotline", received_at=(T0 - DAY).isoformat(), now=T0)
    assert case.received_at == case.application_received_at == T0 - DAY


def test_recording_the_application_starts_the_fifteen_days_from_it(report, users):
    applied = local(2026, 3, 9, 15)
    case = clock_events.record_application(
        report.id, users["mediator"], {"received_at": applied.isoformat(), "version": report.version},
        now=applied,
    )  # fmt: skip
    assert case.application_received_at == applied
    assert clock(case, ClockName.mediation, applied).last_day == date(2026, 3, 24)
    assert EventKind.application in [e.kind for e in events_of(case)]


def test_an_application_before_the_report_is_refused_and_writes_nothing(report, users):
    before = (T0 - DAY).isoformat()
    n = len(events_of(report))
    with pytest.raises(ValidationFailed) as exc:
        clock_events.record_application(
            report.id, users["mediator"], {"received_at": before, "version": report.version}
        )
    assert "received_at" in exc.value.fields
    assert unchanged(report, report.version, n)


def test_a_second_application_is_a_conflict(make_case, users):
    case = make_case(channel="walk_in", now=T0)
    with pytest.raises(Conflict):
        clock_events.record_application(
            case.id, users["mediator"], {"received_at": T0.isoformat(), "version": case.version}
        )


# --- pause, interrupt, extend -----------------------------------------------------------------


def _event(case, name, user, now=T0 + DAY, **payload):
    fresh = db.session.get(Case, case.id)
    return clock_events.record_clock_event(
        case.id, name, user, {"version": fresh.version, **payload}, now=now
    )


def test_waiting_on_a_party_pauses_the_acceptance_clock_and_resuming_pushes_it(report, users):
    # received Monday 2 March: last day Thursday 5 March (3 working days)
    assert clock(report, ClockName.acceptance).last_day == date(2026, 3, 5)
    _event(report, "acceptance", users["mediator"], kind="suspend", at="2026-03-03",
           reason="等待申请人补充材料")  # fmt: skip
    paused = clock(report, ClockName.acceptance, local(2026, 3, 4, 9))
    assert paused.state == ClockState.paused and paused.paused_since == date(2026, 3, 3)
    _event(report, "acceptance", users["mediator"], now=local(2026, 3, 6, 9), kind="resume",
           at="2026-03-06", reason="材料已补齐")  # fmt: skip
    resumed = clock(report, ClockName.acceptance, local(2026, 3, 6, 9))
    assert resumed.state == ClockState.running
    # paused 3-5 March: the three working days are 6, 9 and 10 March (a working-day clock
    # goes on counting working days, so it never ends on a weekend)
    assert resumed.last_day == date(2026, 3, 10)
    kinds = [(e.data or {}).get("kind") for e in events_of(report) if e.kind == EventKind.clock]
    assert kinds == ["suspend", "resume"]


def test_a_suspension_with_a_resume_day_runs_again_by_itself(report, users):
    _event(report, "supervision", users["mediator"], kind="suspend", at="2026-03-03",
           resume_on="2026-03-13", reason="单位负责人出差")  # fmt: skip
    assert clock(report, ClockName.supervision, local(2026, 3, 10)).state == ClockState.paused
    later = clock(report, ClockName.supervision, local(2026, 3, 14))
    assert later.state == ClockState.running
    assert later.last_day == date(2026, 4, 1) + timedelta(days=10)


@pytest.mark.parametrize(
    ("name", "payload", "field"),
    [
        # the statutory mediation period is never paused by waiting on a party
        ("mediation", {"kind": "suspend", "at": "2026-03-03"}, "kind"),
        ("acceptance", {"kind": "resume", "at": "2026-03-03"}, "kind"),  # nothing suspended
        ("acceptance", {"kind": "extend", "at": "2026-03-03"}, "kind"),
        ("acceptance", {"kind": "suspend", "at": "2026-03-01"}, "at"),  # before it started
        ("acceptance", {"kind": "suspend", "at": "2026-03-03", "resume_on": "2026-03-02"},
         "resume_on"),
        ("mediation", {"kind": "extend", "at": "2026-03-16", "new_last_day": "2026-03-31"},
         "consent"),
        ("mediation", {"kind": "extend", "at": "2026-03-16", "new_last_day": "2026-03-31",
                       "consent": {"worker": True, "employer": False}}, "consent"),
        ("mediation", {"kind": "extend", "at": "2026-03-16", "new_last_day": "2026-05-31",
                       "consent": {"worker": True, "employer": True}}, "new_last_day"),
        ("mediation", {"kind": "extend", "at": "2026-03-16", "new_last_day": "2026-03-10",
                       "consent": {"worker": True, "employer": True}}, "new_last_day"),
        ("mediation", {"kind": "bend", "at": "2026-03-16"}, "kind"),
    ],
)  # fmt: skip
def test_events_the_law_does_not_allow_are_refused_with_the_field_and_write_nothing(
    make_case, users, name, payload, field
):
    case = make_case(channel="walk_in", now=T0)
    n = len(events_of(case))
    with pytest.raises(ValidationFailed) as exc:
        _event(case, name, users["mediator"], now=local(2026, 3, 16, 9), reason="理由", **payload)
    assert field in exc.value.fields, exc.value.fields
    assert unchanged(case, case.version, n)


def test_an_extension_both_parties_agree_to_moves_the_last_day(make_case, users):
    case = make_case(channel="walk_in", now=T0)
    _event(case, "mediation", users["mediator"], now=local(2026, 3, 16, 9), kind="extend",
           at="2026-03-16", new_last_day="2026-03-31", reason="双方同意延长调解",
           consent={"worker": True, "employer": True})  # fmt: skip
    extended = clock(case, ClockName.mediation, local(2026, 3, 16, 9))
    assert extended.last_day == date(2026, 3, 31)
    assert extended.original_last_day == date(2026, 3, 17)
    event = [e for e in events_of(case) if e.kind == EventKind.clock][-1]
    assert event.data["consent"] == {"worker": True, "employer": True}


def test_an_interruption_restarts_the_limitation_year(make_case, users):
    case = make_case(
        channel="hotline", reported_at=T0.isoformat(), category="dismissal", kind="dispute",
        infringement_known_at="2025-06-01", arrears_months=None, now=T0,
    )  # fmt: skip
    assert clock(case, ClockName.limitation).last_day == date(2026, 6, 1)
    _event(case, "limitation", users["mediator"], kind="interrupt", at="2026-03-02",
           reason="职工向劳动监察投诉", evidence="投诉回执")  # fmt: skip
    limitation = clock(case, ClockName.limitation, T0 + DAY)
    assert limitation.last_day == date(2027, 3, 2)
    assert limitation.started_on == date(2026, 3, 2)


def test_a_suspended_limitation_resumes_with_the_remaining_time(make_case, users):
    case = make_case(
        channel="hotline", reported_at=T0.isoformat(), category="dismissal", kind="dispute",
        infringement_known_at="2025-06-01", arrears_months=None, now=T0,
    )  # fmt: skip
    _event(case, "limitation", users["mediator"], kind="suspend", at="2026-03-02",
           reason="职工因伤住院无法主张权利")  # fmt: skip
    _event(case, "limitation", users["mediator"], now=local(2026, 4, 1, 9), kind="resume",
           at="2026-04-01", reason="已出院")  # fmt: skip
    # 30 days suspended: 1 June 2026 + 30 = 1 July 2026 (a Wednesday)
    assert clock(case, ClockName.limitation, local(2026, 4, 1, 9)).last_day == date(2026, 7, 1)


def test_remuneration_while_employment_lasts_runs_no_limitation_and_unknown_says_so(make_case):
    ongoing = make_case(employment_status="ongoing", now=T0)
    assert clock(ongoing, ClockName.limitation).last_day is None
    assert not clock(ongoing, ClockName.limitation).unknown
    unknown = make_case(now=T0)
    limitation = clock(unknown, ClockName.limitation)
    assert limitation.unknown and limitation.last_day is None
    assert str(limitation.note) in (
        "Unknown: record whether the employment lasts.",
        "不明：请记录劳动关系是否存续。",
    )


def test_an_unknown_clock_is_not_found_and_a_clock_that_does_not_apply_conflicts(make_case, users):
    case = make_case(channel="walk_in", now=T0)
    with pytest.raises(NotFound):
        _event(case, "sundial", users["mediator"], kind="suspend", at="2026-03-03", reason="x")
    with pytest.raises(Conflict):
        _event(case, "award", users["mediator"], kind="extend", at="2026-03-03", reason="x")


# --- the arbitration stage ---------------------------------------------------------------------


def _failed(make_case, drive):
    return drive(make_case(channel="walk_in", now=T0), "failed")


def test_the_arbitration_stage_runs_its_clocks(make_case, drive, users):
    case = _failed(make_case, drive)
    case = clock_events.record_arbitration(
        case.id, users["mediator"],
        {"applied_on": "2026-04-03", "decision": "accepted", "decided_on": "2026-04-07",
         "version": case.version},
        now=local(2026, 4, 8),
    )  # fmt: skip
    award = clock(case, ClockName.award, local(2026, 4, 8))
    assert award.state == ClockState.running and award.last_day == date(2026, 5, 22)
    assert (
        clock(case, ClockName.arbitration_acceptance, local(2026, 4, 8)).state == ClockState.ended
    )
    case = clock_events.record_arbitration(
        case.id, users["mediator"],
        {"applied_on": "2026-04-03", "decision": "accepted", "decided_on": "2026-04-07",
         "award_on": "2026-05-20", "award_final": True, "version": case.version},
        now=local(2026, 5, 21),
    )  # fmt: skip
    appeal = clock(case, ClockName.appeal, local(2026, 5, 21))
    # 15 days: 4 June; the employer's 30 days end on 19 June, the Dragon Boat Festival, and so
    # on Monday 22 June
    assert appeal.last_day == date(2026, 6, 4) and appeal.other_last_day == date(2026, 6, 22)
    assert clock(case, ClockName.limitation, local(2026, 5, 21)).state == ClockState.ended


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"applied_on": "2026-04-03", "decision": "accepted"}, "decided_on"),
        ({"applied_on": "2026-04-03", "decision": "accepted", "decided_on": "2026-04-01"},
         "decided_on"),
        ({"applied_on": "2026-04-03", "award_on": "2026-05-01", "award_final": False},
         "award_on"),
        ({"applied_on": "2026-04-03", "decision": "accepted", "decided_on": "2026-04-07",
          "award_on": "2026-05-01"}, "award_final"),
        ({"applied_on": "2025-01-01"}, "applied_on"),  # before the report
    ],
)  # fmt: skip
def test_an_arbitration_stage_out_of_order_is_refused(make_case, drive, users, payload, field):
    case = _failed(make_case, drive)
    n = len(events_of(case))
    with pytest.raises(ValidationFailed) as exc:
        clock_events.record_arbitration(
            case.id, users["mediator"], {**payload, "version": case.version}, now=local(2026, 6, 1)
        )
    assert field in exc.value.fields, exc.value.fields
    assert unchanged(case, case.version, n)


def test_arbitration_waits_for_failed_mediation(make_case, users):
    case = make_case(channel="walk_in", now=T0)
    with pytest.raises(Conflict):
        clock_events.record_arbitration(
            case.id, users["mediator"], {"applied_on": "2026-03-03", "version": case.version}
        )


def test_an_advocate_records_no_clock_event(make_case, users):
    case = make_case(channel="walk_in", now=T0)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    with pytest.raises(PermissionDenied):
        _event(case, "supervision", users["advocate"], kind="suspend", at="2026-03-03", reason="x")


def test_trigger_payloads_still_work_for_the_agreement_clock(make_case, drive, users):
    case = drive(make_case(channel="walk_in", now=T0), "agreement")
    agreement = clock(case, ClockName.agreement, T0)
    assert agreement.state == ClockState.running
    assert (
        agreement.last_day.isoformat()
        == trigger_payload("record_agreement", users)["agreement_due_on"]
    )


# --- provisional calendars ---------------------------------------------------------------------


def test_a_deadline_counted_into_a_year_without_a_schedule_is_provisional():
    from mediation.cases.clocks import acceptance_clock, mediation_clock
    from mediation.cases.enums import CaseKind, State
    from mediation.orgs.models import Tier
    from mediation.warnings.rules import CaseFacts

    moment = local(2026, 12, 30, 10)
    f = CaseFacts(
        state=State.reported, kind=CaseKind.dispute, received_at=moment,
        application_received_at=moment, handling_tier=Tier.grassroots,
    )  # fmt: skip
    acceptance = acceptance_clock(f, 3, date(2026, 12, 30))
    # 31 Dec, then 1 January 2027 (a holiday by the fallback), 4 and 5 January
    assert acceptance.last_day == date(2027, 1, 5) and acceptance.provisional
    mediation = mediation_clock(f, date(2026, 12, 30))
    assert mediation.last_day == date(2027, 1, 14) and mediation.provisional
    early = CaseFacts(
        state=State.reported, kind=CaseKind.dispute, received_at=local(2026, 3, 2, 10),
        application_received_at=local(2026, 3, 2, 10), handling_tier=Tier.grassroots,
    )  # fmt: skip
    assert not acceptance_clock(early, 3, date(2026, 3, 2)).provisional


def test_recording_the_award_keeps_the_decision_already_recorded(make_case, drive, users):
    case = _failed(make_case, drive)
    case = clock_events.record_arbitration(
        case.id, users["mediator"],
        {"applied_on": "2026-04-03", "decision": "accepted", "decided_on": "2026-04-07",
         "version": case.version},
    )  # fmt: skip
    case = clock_events.record_arbitration(
        case.id, users["mediator"],
        {"award_on": "2026-05-20", "award_final": False, "version": case.version},
    )  # fmt: skip
    assert (case.arbitration_decided_on, case.award_on) == (date(2026, 4, 7), date(2026, 5, 20))


def test_a_suspension_overlapping_an_earlier_one_is_refused(report, users):
    _event(report, "supervision", users["mediator"], kind="suspend", at="2026-03-03",
           reason="等待")  # fmt: skip
    _event(report, "supervision", users["mediator"], now=local(2026, 3, 10), kind="resume",
           at="2026-03-10", reason="恢复")  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        _event(report, "supervision", users["mediator"], now=local(2026, 3, 12), kind="suspend",
               at="2026-03-05", reason="补记")  # fmt: skip
    assert "at" in exc.value.fields


def test_without_a_channel_a_new_case_is_a_report(make_case, case_payload, users):
    body = case_payload(reported_at=T0.isoformat())
    body.pop("channel")
    case = services.create_case(users["mediator"], body, now=T0)
    assert case.application_received_at is None
