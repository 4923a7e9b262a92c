"""The Changshu demo (docs/demo.md): what a Changshu mediator would recognise, checked as
invariants over the loaded data, and a second load that changes nothing. One load per test: it
drives some sixty cases through the real services."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mediation.accounts.models import User
from mediation.advocates.models import AdvocateProfile, TrainingSession
from mediation.cases.enums import CaseKind, Outcome, RulingResult, State
from mediation.cases.models import Case, CaseEvent, CaseWorker
from mediation.core.calendar import is_working_day
from mediation.core.clock import ensure_utc, local_date, local_zone, utcnow
from mediation.core.identifiers import (
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_organization_code,
)
from mediation.demo import (
    PLAN,
    demo_spring_festival,
    in_office_hours,
    last_office_moment,
    load_demo,
    office_moment,
)
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.hardship.models import AidRecord
from mediation.hearings.models import Hearing
from mediation.incidents.models import IncidentReport
from mediation.legalaid.models import LegalAidReferral
from mediation.meetings.models import Meeting
from mediation.orgs.models import Organization, Tier
from mediation.warnings.models import Alert

STREETS = ("虞山", "琴川", "莫城", "碧溪", "东南", "常福")
TOWNS = ("梅李", "海虞", "古里", "沙家浜", "支塘", "董浜", "辛庄", "尚湖")
NORTHERN_JIANGSU = ("3203", "3207", "3208", "3209", "3213")  # 徐州 连云港 淮安 盐城 宿迁


def _local(moment: datetime) -> datetime:
    return ensure_utc(moment).astimezone(local_zone())


def _born(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _origin(id_number: str) -> str:
    if id_number.startswith("320581"):
        return "local"
    if id_number[:4] in NORTHERN_JIANGSU:
        return "north_jiangsu"
    return {"34": "anhui", "41": "henan", "51": "sichuan", "52": "guizhou"}.get(
        id_number[:2], "elsewhere"
    )


# --- the office-hours helpers, on days whose status the 2026 schedule fixes --------------------


def _china(day: str, hh: int, mm: int = 0) -> datetime:
    return ensure_utc(datetime.fromisoformat(f"{day}T{hh:02d}:{mm:02d}:00+08:00"))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (_china("2026-03-04", 10), _china("2026-03-04", 10)),  # a Wednesday morning
        (_china("2026-03-04", 12, 15), _china("2026-03-04", 13, 30)),  # lunch → afternoon
        (_china("2026-03-04", 18), _china("2026-03-05", 8, 30)),  # evening → next morning
        (_china("2026-03-07", 10), _china("2026-03-09", 8, 30)),  # Saturday → Monday
        # 2026-10-01 to 10-07 are the National Day holiday: the first office moment after it
        # is Thursday 10-08
        (_china("2026-10-02", 9), _china("2026-10-08", 8, 30)),
        # Sunday 2026-01-04 is an adjusted working day (调休) after New Year's Day
        (_china("2026-01-04", 9), _china("2026-01-04", 9)),
        # and Saturday 2026-10-10 one after the National Day holiday
        (_china("2026-10-10", 14), _china("2026-10-10", 14)),
    ],
)
def test_office_moment_follows_the_official_calendar(app, moment, expected):
    assert office_moment(moment) == expected
    assert in_office_hours(expected)


def test_last_office_moment_goes_back_to_the_last_working_afternoon(app):
    assert last_office_moment(_china("2026-03-07", 10)) == _china("2026-03-06", 17, 30)
    assert last_office_moment(_china("2026-03-04", 12)) == _china("2026-03-04", 11, 30)
    assert last_office_moment(_china("2026-03-04", 8)) == _china("2026-03-03", 17, 30)
    assert last_office_moment(_china("2026-03-04", 9)) == _china("2026-03-04", 9)


# --- the loaded demo ----------------------------------------------------------------------------


def _table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_the_demo_is_changshu_and_a_second_load_changes_nothing(app):
    created, _logins = load_demo()
    assert created

    # the city federation, its six streets, eight towns and the development zone, each with
    # grassroots unions
    orgs = list(db.session.scalars(select(Organization)))
    (city,) = [o for o in orgs if o.tier == Tier.city]
    assert city.name == "常熟市总工会"
    towns = [o for o in orgs if o.tier == Tier.town]
    for place in STREETS:
        assert any(o.name == f"{place}街道总工会" for o in towns), place
    for place in TOWNS:
        assert any(o.name == f"{place}镇总工会" for o in towns), place
    assert any("经济技术开发区" in o.name for o in towns)
    assert all(any(g.parent_id == t.id for g in orgs) for t in towns)

    # enterprises: region 320581, both check characters, addresses with roads and numbers,
    # the garment and down-jacket trade among them
    enterprises = list(db.session.scalars(select(Enterprise)))
    for e in enterprises:
        assert is_valid_credit_code(e.credit_code), e.name
        assert e.credit_code[2:8] == "320581", e.name
        assert is_valid_organization_code(e.credit_code[8:17]), e.name
        assert re.fullmatch(r"江苏省常熟市\S+?(路|大道)\d+号", e.address or ""), e.address
    assert sum("羽绒" in (e.sector or "") for e in enterprises) >= 3
    assert sum("服装" in (e.sector or "") for e in enterprises) >= 3

    # staff with real-looking names: two or three Chinese characters
    users = list(db.session.scalars(select(User)))
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", u.display_name or "") for u in users)

    cases = list(db.session.scalars(select(Case)))
    assert len([c for c in cases if c.outcome != Outcome.merged]) >= len(PLAN)

    # every town has cases
    town_of = {o.id: (o if o.tier == Tier.town else o.parent) for o in orgs if o.parent}
    assert {town_of[c.handling_org_id].id for c in cases} == {t.id for t in towns}

    # worker ID numbers: valid, plausible ages, locals and migrants from the five origins;
    # a worker from outside Changshu is a migrant worker
    numbers = [(c.worker_id_number, c) for c in cases if c.worker_id_number]
    by_id = {c.id: c for c in cases}
    numbers += [(w.id_number, by_id[w.case_id]) for w in db.session.scalars(select(CaseWorker))
                if w.id_number]  # fmt: skip
    assert len(numbers) >= len(cases)
    for number, case in numbers:
        assert is_valid_id_number(number), number
        age = (local_date(case.received_at) - _born(number)).days / 365.25
        assert 18 <= age <= 60, (number, case.number)
    for case in cases:
        if case.worker_id_number and _origin(case.worker_id_number) != "local":
            assert case.is_migrant, case.number
    origins = Counter(_origin(n) for n, _c in numbers)
    assert set(origins) == {"local", "anhui", "henan", "sichuan", "guizhou", "north_jiangsu"}
    assert origins["local"] >= 5 and sum(origins.values()) - origins["local"] >= 20

    # every action a person took: in office hours on a working day of the official calendar
    human = list(db.session.scalars(select(CaseEvent).where(CaseEvent.actor_id.is_not(None))))
    assert len(human) > 3 * len(PLAN)
    late = [(e.case_id, e.kind, _local(e.at)) for e in human if not in_office_hours(e.at)]
    assert late == []
    assert all(in_office_hours(c.received_at) for c in cases)
    for alert in db.session.scalars(select(Alert).where(Alert.acknowledged_at.is_not(None))):
        assert in_office_hours(alert.acknowledged_at)
    assert all(in_office_hours(r.at) for r in db.session.scalars(select(IncidentReport)))
    hearings = list(db.session.scalars(select(Hearing)))
    assert hearings and all(in_office_hours(h.starts_at) and in_office_hours(h.ends_at)
                            for h in hearings)  # fmt: skip
    days = [m.held_on for m in db.session.scalars(select(Meeting))]
    days += [t.held_on for t in db.session.scalars(select(TrainingSession))]
    days += [p.recruited_on for p in db.session.scalars(select(AdvocateProfile))]
    days += [a.given_on for a in db.session.scalars(select(AidRecord))]
    days += [r.referred_on for r in db.session.scalars(select(LegalAidReferral))]
    assert days and all(is_working_day(d) for d in days), days

    # awards agree with the result, agreements with the claim
    rulings = [c for c in cases if c.ruling_result is not None]
    assert {c.ruling_result for c in rulings} >= {
        RulingResult.worker_won, RulingResult.partly, RulingResult.employer_won
    }  # fmt: skip
    for case in rulings:
        amount, claim = case.ruling_amount_fen, case.claim_amount_fen
        if case.ruling_result == RulingResult.worker_won:
            assert amount == claim, case.number
        elif case.ruling_result in (RulingResult.employer_won, RulingResult.dismissed):
            assert amount == 0, case.number
        else:
            assert 0 < amount < claim, case.number
    for case in cases:
        if case.agreement_amount_fen is not None:
            assert 0 < case.agreement_amount_fen <= case.claim_amount_fen, case.number
        if case.outcome == Outcome.agreement_performed:
            assert case.paid_amount_fen == case.agreement_amount_fen, case.number

    # construction arrears peak in the weeks before the Spring Festival: more than half of the
    # year's construction arrears disputes came in in the 60 days before it
    festival = demo_spring_festival(utcnow())
    site_arrears = [
        c for c in cases
        if c.is_construction and c.kind == CaseKind.arrears and c.outcome != Outcome.merged
    ]  # fmt: skip
    before = [c for c in site_arrears
              if festival - timedelta(days=60) <= local_date(c.received_at) < festival]  # fmt: skip
    assert len(before) * 2 > len(site_arrears), (len(before), len(site_arrears))

    # the natural-person team leader's case: the general contractor is the respondent
    (contractor_case,) = [c for c in cases if "包工头" in c.title]
    assert contractor_case.is_construction and contractor_case.is_migrant
    assert contractor_case.enterprise.sector == "房屋建筑"
    assert "先行清偿" in contractor_case.description
    assert State(contractor_case.state) == State.closed
    contractor_id = re.search(r"身份证号(\w{18})", contractor_case.description)
    assert contractor_id and is_valid_id_number(contractor_id.group(1))

    # a second load adds and changes nothing
    first = _table_counts()
    versions = {c.id: c.version for c in cases}
    created, _logins = load_demo()
    assert not created
    assert _table_counts() == first
    db.session.expire_all()
    assert {c.id: c.version for c in db.session.scalars(select(Case))} == versions
