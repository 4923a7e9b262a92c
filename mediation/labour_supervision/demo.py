"""The demo's supervision notices (docs/enterprise-file.md "Supervision notices"): in the first
town that has an officer, a mediator and enterprises, one notice whose rectification was
verified and one whose deadline passed with the rectification found not done (its alert is
open in the town's inbox). Found generically (by tier and role, not by name), made through the
real services with back-dated moments, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from mediation.accounts.models import Role, User
from mediation.cases.models import Case
from mediation.core.clock import local_date
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.labour_supervision import services
from mediation.labour_supervision.models import SupervisionNotice
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids


def _town_staff() -> tuple[User, User, list[Enterprise]] | None:
    """The first town with an active officer and mediator and two enterprises, those with the
    most cases first."""
    for town in db.session.scalars(
        select(Organization).where(Organization.tier == Tier.town).order_by(Organization.id)
    ):
        staff = {
            u.role: u
            for u in db.session.scalars(
                select(User)
                .where(User.organization_id == town.id, User.active.is_(True),
                       User.role.in_([Role.officer, Role.mediator]))
                .order_by(User.id.desc())
            )
        }  # fmt: skip
        if Role.officer not in staff or Role.mediator not in staff:
            continue
        cases = func.count(Case.id)
        enterprises = list(
            db.session.scalars(
                select(Enterprise)
                .outerjoin(Case, Case.enterprise_id == Enterprise.id)
                .where(Enterprise.organization_id.in_(subtree_ids(town.id)))
                .group_by(Enterprise.id)
                .order_by(cases.desc(), Enterprise.id)
                .limit(2)
            )
        )
        if len(enterprises) == 2:
            return staff[Role.officer], staff[Role.mediator], enterprises
    return None


def _case_of(user: User, enterprise: Enterprise) -> list[int]:
    from mediation.cases.scope import visible_cases

    case_id = db.session.scalar(
        visible_cases(user).with_only_columns(Case.id)
        .where(Case.enterprise_id == enterprise.id).order_by(Case.id).limit(1)
    )  # fmt: skip
    return [case_id] if case_id is not None else []


def load_demo_notices(now: datetime) -> None:
    """Adds nothing when the demo has a supervision notice already."""
    if db.session.scalar(select(SupervisionNotice.id).limit(1)) is not None:
        return
    found = _town_staff()
    if found is None:
        return
    officer, mediator, (first, second) = found
    day = lambda n: local_date(now - timedelta(days=n)).isoformat()  # noqa: E731
    at = lambda n: now - timedelta(days=n)  # noqa: E731

    rectified = services.create_notice(mediator, {
        "kind": "opinion", "enterprise_id": first.id, "issued_on": day(40),
        "findings": "经查，该企业未与部分职工签订书面劳动合同，且9月份工资延迟发放12天，"
                    "未事先征得工会同意。",
        "rectification": "一、与未签订劳动合同的职工在规定期限内依法签订书面劳动合同；"
                         "二、按月足额支付工资，确需延期的应事先征得工会同意。",
        "deadline": day(26), "case_ids": _case_of(mediator, first),
    }, now=at(40))  # fmt: skip
    services.record_reply(rectified.id, officer, {
        "reply_on": day(33), "reply_text": "我司已与全部职工补签劳动合同，并承诺每月15日前发放工资。",
    }, now=at(33))  # fmt: skip
    services.verify(rectified.id, officer, {
        "rectified": True, "note": "现场抽查劳动合同台账和工资发放记录，整改到位。",
    }, now=at(27))  # fmt: skip

    overdue = services.create_notice(mediator, {
        "kind": "recommendation", "enterprise_id": second.id, "issued_on": day(20),
        "findings": "经查，该企业拖欠一线职工两个月工资，加班费未按规定标准支付。",
        "rectification": "立即足额支付拖欠的工资和加班费，并书面报告整改情况。",
        "deadline": day(6), "case_ids": _case_of(mediator, second),
    }, now=at(20))  # fmt: skip
    services.record_reply(overdue.id, officer, {
        "reply_on": day(14), "reply_text": "我司资金周转困难，将于月底前分批支付。",
    }, now=at(14))  # fmt: skip
    # checked after the deadline and found not done: the rectification is overdue (the town's
    # alert is raised in this transaction)
    services.verify(overdue.id, officer, {
        "rectified": False, "note": "复查时工资仍未支付，已约谈企业负责人。",
    }, now=at(2))  # fmt: skip
