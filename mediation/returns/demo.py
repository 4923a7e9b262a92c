"""Demo returns (docs/returns.md): a town's return for last month, submitted and approved by
the city, and a draft for this month. Idempotent, through the real services; the town, its
officer and the city's officer are found by tier and role, not by name."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.core.clock import local_date
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.returns import services
from mediation.returns.models import Return
from mediation.returns.periods import PeriodKind, last_month


def _officer(org_id: int) -> User | None:
    return db.session.scalar(
        select(User)
        .where(User.organization_id == org_id, User.role == Role.officer, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def load_demo_returns(now: datetime) -> None:
    city = db.session.scalar(select(Organization).where(Organization.tier == Tier.city).limit(1))
    if city is None or (city_officer := _officer(city.id)) is None:
        return
    towns = db.session.scalars(
        select(Organization)
        .where(Organization.tier == Tier.town, Organization.parent_id == city.id)
        .order_by(Organization.code)
    ).all()
    town = next((t for t in towns if _officer(t.id) is not None), None)
    if town is None:
        return
    officer = _officer(town.id)
    assert officer is not None
    today = local_date(now)
    previous = last_month(today)

    def exists(kind: PeriodKind, start) -> bool:
        return db.session.scalar(select(Return.id).where(
            Return.organization_id == town.id, Return.period_kind == kind,
            Return.period_start == start)) is not None  # fmt: skip

    if not exists(PeriodKind.month, previous.start):
        written = now - timedelta(hours=3)
        ret = services.create_draft(officer, {
            "kind": "month", "year": previous.year, "number": previous.number,
            "organization_id": town.id}, now=written)  # fmt: skip
        cited = [c.id for c in services.candidate_cases(officer, ret)[:2]]
        services.update_sections(officer, ret.id, {
            "typical_case_ids": cited,
            "typical_cases": "选取本月欠薪集体争议和解除劳动合同争议各一件：经工会调解，"
                             "双方达成分期支付协议，已按期履行首期款项。",
            "main_problems": "欠薪争议集中在建筑工程和服装加工行业；个别企业负责人联系不上，"
                             "调解难度大。",
            "next_steps": "一、春节前开展欠薪专项排查；二、对重点企业落实联络员；"
                          "三、加强与人社、法院的联动。",
        }, now=written + timedelta(minutes=40))  # fmt: skip
        services.fire(officer, ret.id, "submit", now=written + timedelta(hours=1))
        services.fire(city_officer, ret.id, "approve", {"note": "同意。"}, now=now)
    if not exists(PeriodKind.month, today.replace(day=1)):
        draft = services.create_draft(officer, {
            "kind": "month", "year": today.year, "number": today.month,
            "organization_id": town.id}, now=now)  # fmt: skip
        services.update_sections(officer, draft.id, {
            "main_problems": "（起草中）", "next_steps": "（起草中）"}, now=now)  # fmt: skip
