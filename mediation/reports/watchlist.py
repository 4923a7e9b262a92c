"""The enterprise watch list: the employers in the user's area ranked by risk (open alerts,
their level, amount owed, workers, open cases: `reports.risk`), then by repeat complaints
(cases received in the last 90 days). Only employers with something to watch are listed: an open
case, an active alert, a case in the window, or a latest labour-relations survey with a signing
rate below the threshold or an expired collective contract. A low signing rate together with
wages owed ranks first of all; no survey this year ranks an employer higher among its equals
but does not list it on its own (in January no employer would have one: docs/enterprise-file.md
"Risk"). One statement for the whole list."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.orgs.models import Organization
from mediation.reports.risk import (
    RANK_LEVELS,
    EnterpriseRisk,
    combined_level_rank,
    combined_open_alerts,
    notice_risk_subquery,
    risk_subquery,
    riskiest_first,
    survey_flags,
)
from mediation.reports.stats.scoping import NOT_MERGED

WINDOW_DAYS = 90
REPEAT_CASES = 3  # the `repeat_enterprise` rule's default: 3 cases within 90 days


@dataclass(frozen=True)
class WatchEntry:
    enterprise_id: int
    name: str
    credit_code: str
    area: str
    risk: EnterpriseRisk
    recent_cases: int
    # whom the union calls (the registry's contact, docs/enterprises in domain.md)
    contact_person: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None

    @property
    def is_repeat(self) -> bool:
        return self.recent_cases >= REPEAT_CASES


def watch_list(
    user: User, *, now: datetime | None = None, limit: int | None = None
) -> Iterator[WatchEntry]:
    now = now or utcnow()
    risk = risk_subquery()
    notices = notice_risk_subquery()  # an overdue supervision notice is watched too
    recent = (
        select(Case.enterprise_id.label("enterprise_id"), func.count().label("n"))
        .where(Case.received_at >= now - timedelta(days=WINDOW_DAYS), NOT_MERGED)
        .group_by(Case.enterprise_id)
        .subquery("recent_cases")
    )
    recent_n = func.coalesce(recent.c.n, 0)
    flags = survey_flags(now)
    low = func.coalesce(flags.c.low_signing_rate, 0)
    expired = func.coalesce(flags.c.collective_expired, 0)
    current = func.coalesce(flags.c.current, 0)
    low_with_arrears = case(
        (and_(low == 1, func.coalesce(risk.c.amount_owed_fen, 0) > 0), 1), else_=0
    )
    stmt = (
        visible_enterprises(user)
        .with_only_columns(
            Enterprise.id,
            Enterprise.name,
            Enterprise.credit_code,
            Organization.name,
            risk.c.open_cases,
            risk.c.workers_involved,
            risk.c.amount_owed_fen,
            combined_open_alerts(risk, notices),
            combined_level_rank(risk, notices),
            recent_n,
            Enterprise.contact_person,
            Enterprise.contact_phone,
            Enterprise.contact_email,
            low,
            expired,
            current,
            func.coalesce(notices.c.overdue_notices, 0),
        )  # fmt: skip
        .join(Organization, Organization.id == Enterprise.organization_id)
        .outerjoin(risk, risk.c.enterprise_id == Enterprise.id)
        .outerjoin(recent, recent.c.enterprise_id == Enterprise.id)
        .outerjoin(flags, flags.c.enterprise_id == Enterprise.id)
        .outerjoin(notices, notices.c.enterprise_id == Enterprise.id)
        .where(
            or_(
                func.coalesce(risk.c.open_cases, 0) > 0,
                func.coalesce(risk.c.open_alerts, 0) > 0,
                recent_n > 0,
                low == 1,
                expired == 1,
                func.coalesce(notices.c.overdue_notices, 0) > 0,
            )
        )
        .order_by(
            low_with_arrears.desc(),
            *riskiest_first(risk, notices),
            (low + expired + 1 - current).desc(),
            recent_n.desc(),
            Enterprise.name,
            Enterprise.id,
        )
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield WatchEntry(
            enterprise_id=row[0],
            name=row[1],
            credit_code=row[2],
            area=row[3],
            risk=EnterpriseRisk(
                open_cases=int(row[4] or 0),
                workers_involved=int(row[5] or 0),
                amount_owed_fen=int(row[6] or 0),
                open_alerts=int(row[7] or 0),
                highest_level=RANK_LEVELS.get(int(row[8] or 0)),
                low_signing_rate=bool(row[13]),
                collective_expired=bool(row[14]),
                no_current_survey=not row[15],
                overdue_notices=int(row[16] or 0),
            ),
            recent_cases=int(row[9] or 0),
            contact_person=row[10],
            contact_phone=row[11],
            contact_email=row[12],
        )
