"""How much trouble an enterprise is in, from its cases and their alerts, from the union's
supervision notices whose rectification is overdue, and from its latest labour-relations survey
(a low contract-signing rate, an expired collective contract, no survey this year:
docs/enterprise-file.md "Risk").

Counted over all of an enterprise's cases (the risk is a fact about the employer, whoever
handles the cases); pages that list cases still show only the cases the user may see.
One grouped query answers for any number of enterprises: there is no query per enterprise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import Subquery, and_, case, func, literal, select, union_all

from mediation.cases.enums import State, WarningLevel
from mediation.cases.models import Case
from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from mediation.labour_supervision.models import SupervisionNotice
from mediation.surveys.services import flags_subquery
from mediation.warnings.models import ACTIVE_STATUSES, Alert

# severity as a number, so the database can take the maximum (blue 1 … red 4)
LEVEL_RANKS: dict[WarningLevel, int] = {level: rank for rank, level in enumerate(WarningLevel, 1)}
RANK_LEVELS: dict[int, WarningLevel] = {rank: level for level, rank in LEVEL_RANKS.items()}


@dataclass(frozen=True)
class EnterpriseRisk:
    open_cases: int
    workers_involved: int
    amount_owed_fen: int
    open_alerts: int
    highest_level: WarningLevel | None
    # supervision notices whose rectification is overdue (their alert is active)
    overdue_notices: int = 0
    # from the latest labour-relations survey (surveys.services.flags_subquery)
    low_signing_rate: bool = False
    collective_expired: bool = False
    no_current_survey: bool = False

    @property
    def is_clear(self) -> bool:
        return not (self.open_cases or self.open_alerts or self.overdue_notices)

    @property
    def low_signing_with_arrears(self) -> bool:
        """The watch list's first concern: contracts missing where wages are owed."""
        return self.low_signing_rate and self.amount_owed_fen > 0


NO_RISK = EnterpriseRisk(0, 0, 0, 0, None)


def _level_rank():
    return case(*((Alert.level == level, rank) for level, rank in LEVEL_RANKS.items()), else_=0)


def _risk_select(enterprise_ids: Sequence[int] | None = None):
    """Per enterprise with at least one case: the risk figures (level as its rank)."""
    per_case = (
        select(
            Alert.case_id.label("case_id"),
            func.count(Alert.id).label("n"),
            func.max(_level_rank()).label("rank"),
        )
        .where(Alert.status.in_(ACTIVE_STATUSES))
        .group_by(Alert.case_id)
    )
    if enterprise_ids is not None:
        per_case = per_case.where(
            Alert.case_id.in_(select(Case.id).where(Case.enterprise_id.in_(enterprise_ids)))
        )
    alerts = per_case.subquery("case_alerts")

    is_open = Case.state != State.closed
    owed = func.coalesce(Case.claim_amount_fen, 0) - func.coalesce(Case.paid_amount_fen, 0)
    stmt = (
        select(
            Case.enterprise_id.label("enterprise_id"),
            func.sum(case((is_open, 1), else_=0)).label("open_cases"),
            func.sum(case((is_open, Case.workers_involved), else_=0)).label("workers_involved"),
            func.sum(case((and_(is_open, owed > 0), owed), else_=0)).label("amount_owed_fen"),
            func.coalesce(func.sum(alerts.c.n), 0).label("open_alerts"),
            func.coalesce(func.max(alerts.c.rank), 0).label("level_rank"),
        )
        .select_from(Case)
        .outerjoin(alerts, alerts.c.case_id == Case.id)
        .group_by(Case.enterprise_id)
    )
    if enterprise_ids is not None:
        stmt = stmt.where(Case.enterprise_id.in_(enterprise_ids))
    return stmt


def _notice_select(enterprise_ids: Sequence[int] | None = None):
    """Per enterprise with an overdue supervision notice: how many, their active alerts and the
    highest level (as its rank). An overdue notice is one whose alert is active: the alert is
    raised the day after the deadline and resolved when the rectification is verified."""
    stmt = (
        select(
            SupervisionNotice.enterprise_id.label("enterprise_id"),
            func.count(func.distinct(SupervisionNotice.id)).label("overdue_notices"),
            func.count(Alert.id).label("open_alerts"),
            func.max(_level_rank()).label("level_rank"),
        )
        .join(Alert, Alert.notice_id == SupervisionNotice.id)
        .where(Alert.status.in_(ACTIVE_STATUSES))
        .group_by(SupervisionNotice.enterprise_id)
    )
    if enterprise_ids is not None:
        stmt = stmt.where(SupervisionNotice.enterprise_id.in_(enterprise_ids))
    return stmt


def notice_risk_subquery() -> Subquery:
    """The overdue supervision notices of every enterprise that has one, keyed by
    `enterprise_id`: `overdue_notices, open_alerts, level_rank`. Outer-join it next to
    `risk_subquery()` and pass it to `riskiest_first`."""
    return _notice_select().subquery("enterprise_notice_risk")


def risk_subquery() -> Subquery:
    """The risk of every enterprise that has cases, keyed by `enterprise_id`, with the columns
    `open_cases, workers_involved, amount_owed_fen, open_alerts, level_rank` (0 = no alert).
    Outer-join it to enterprises (and coalesce) to sort by risk; see `riskiest_first`."""
    return _risk_select().subquery("enterprise_risk")


def combined_level_rank(risk: Subquery, notices: Subquery | None):
    """The higher of the cases' and the overdue notices' level ranks (portable: no GREATEST)."""
    cases_rank = func.coalesce(risk.c.level_rank, 0)
    if notices is None:
        return cases_rank
    notices_rank = func.coalesce(notices.c.level_rank, 0)
    return case((notices_rank > cases_rank, notices_rank), else_=cases_rank)


def combined_open_alerts(risk: Subquery, notices: Subquery | None):
    alerts = func.coalesce(risk.c.open_alerts, 0)
    return alerts if notices is None else alerts + func.coalesce(notices.c.open_alerts, 0)


def riskiest_first(risk: Subquery, notices: Subquery | None = None) -> list:
    """ORDER BY terms for enterprises outer-joined to `risk_subquery()` (and to
    `notice_risk_subquery()` when given): highest alert level, then open alerts, amount owed,
    workers, open cases."""
    return [
        combined_level_rank(risk, notices).desc(),
        combined_open_alerts(risk, notices).desc(),
        func.coalesce(risk.c.amount_owed_fen, 0).desc(),
        func.coalesce(risk.c.workers_involved, 0).desc(),
        func.coalesce(risk.c.open_cases, 0).desc(),
    ]


def survey_flags(now: datetime | None = None) -> Subquery:
    """The latest survey's flags per enterprise (`low_signing_rate`, `collective_expired`,
    `current`), today's date and the threshold setting applied."""
    today = local_date(now or utcnow())
    return flags_subquery(today, float(current_app.config["SURVEY_SIGNING_RATE_THRESHOLD"]))


def risk_for(enterprise_ids: Sequence[int]) -> dict[int, EnterpriseRisk]:
    """The risk of each enterprise asked about (every id present; no cases = no case risk), in
    two queries: the cases' figures and the overdue notices' as two arms of one UNION ALL, then
    the surveys' flags."""
    ids = list(dict.fromkeys(enterprise_ids))
    result = dict.fromkeys(ids, replace(NO_RISK, no_current_survey=True))
    if not ids:
        return result
    cases = _risk_select(ids).add_columns(literal(0).label("overdue_notices"))
    notices = _notice_select(ids).subquery("notices")
    notice_arm = select(
        notices.c.enterprise_id, literal(0), literal(0), literal(0), notices.c.open_alerts,
        notices.c.level_rank, notices.c.overdue_notices,
    )  # fmt: skip
    for row in db.session.execute(union_all(cases, notice_arm)):
        enterprise_id, open_cases, workers, owed, alerts, rank, overdue = row
        before = result[enterprise_id]
        before_rank = LEVEL_RANKS[before.highest_level] if before.highest_level else 0
        result[enterprise_id] = replace(
            before,
            open_cases=before.open_cases + int(open_cases or 0),
            workers_involved=before.workers_involved + int(workers or 0),
            amount_owed_fen=before.amount_owed_fen + int(owed or 0),
            open_alerts=before.open_alerts + int(alerts or 0),
            highest_level=RANK_LEVELS.get(max(before_rank, int(rank or 0))),
            overdue_notices=before.overdue_notices + int(overdue or 0),
        )
    flags = survey_flags()
    for row in db.session.execute(select(flags).where(flags.c.enterprise_id.in_(ids))):
        result[row.enterprise_id] = replace(
            result[row.enterprise_id],
            low_signing_rate=bool(row.low_signing_rate),
            collective_expired=bool(row.collective_expired),
            no_current_survey=not row.current,
        )
    return result
