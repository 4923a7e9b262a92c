"""Statistics over the cases a user may see, for a period and an organization subtree.

The seed of the reports module (issue 6 builds the full query layer on it): every figure is one
grouped query over the scope-filtered cases, never a loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select

from mediation.accounts.models import User
from mediation.accounts.scope import scope_filter
from mediation.cases.enums import Outcome
from mediation.cases.models import Case, CaseEvent
from mediation.core.clock import LOCAL_TZ
from mediation.core.money import fen_to_yuan
from mediation.extensions import db
from mediation.orgs.services import subtree_ids_select
from mediation.warnings.models import Alert

COLLECTIVE_WORKERS = 10
NOT_MEDIATED = (Outcome.not_accepted, Outcome.withdrawn)


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, China dates
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        low = datetime.combine(self.start, datetime.min.time(), LOCAL_TZ)
        high = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
        return low, high


def _scoped(user: User, org_id: int | None, *columns) -> Select:
    stmt = scope_filter(select(*columns).select_from(Case), user)
    if org_id is not None:
        stmt = stmt.where(
            Case.handling_org_id.in_(subtree_ids_select(org_id, name="filter_org_tree"))
        )
    return stmt


def _grouped(stmt: Select, column) -> dict[str, int]:
    rows = db.session.execute(stmt.add_columns(func.count()).group_by(column)).all()
    return {str(getattr(key, "value", key)): count for key, count in rows}


def summary(user: User, period: Period, org_id: int | None = None) -> dict:
    low, high = period.bounds
    received = Case.received_at.between(low, high - timedelta(microseconds=1))
    closed = Case.closed_at.between(low, high - timedelta(microseconds=1))
    was_accepted = (
        select(CaseEvent.id)
        .where(CaseEvent.case_id == Case.id, CaseEvent.trigger == "accept")
        .exists()
    )

    totals = db.session.execute(
        _scoped(
            user, org_id,
            func.count(),
            func.count().filter(Case.workers_involved >= COLLECTIVE_WORKERS),
            func.coalesce(func.sum(Case.workers_involved), 0),
            func.coalesce(func.sum(Case.claim_amount_fen), 0),
            func.coalesce(func.sum(Case.agreement_amount_fen), 0),
            func.count().filter(was_accepted),
        ).where(received)
    ).one()  # fmt: skip
    by_state = _grouped(_scoped(user, org_id, Case.state).where(received), Case.state)
    by_kind = _grouped(_scoped(user, org_id, Case.kind).where(received), Case.kind)
    by_category = _grouped(_scoped(user, org_id, Case.category).where(received), Case.category)
    by_tier = _grouped(_scoped(user, org_id, Case.tier).where(received), Case.tier)
    by_outcome = _grouped(_scoped(user, org_id, Case.outcome).where(closed), Case.outcome)
    recovered = db.session.scalar(
        _scoped(user, org_id, func.coalesce(func.sum(Case.paid_amount_fen), 0)).where(closed)
    )
    in_scope = _scoped(user, org_id, Case.id)
    alerts = db.session.execute(
        select(Alert.level, func.count())
        .where(Alert.case_id.in_(in_scope), Alert.raised_at.between(low, high))
        .group_by(Alert.level)
    ).all()

    closed_total = sum(by_outcome.values())
    mediated = closed_total - sum(by_outcome.get(o.value, 0) for o in NOT_MEDIATED)
    performed = by_outcome.get(Outcome.agreement_performed.value, 0)
    return {
        "period": {"from": period.start, "to": period.end},
        "organization_id": org_id,
        "received": totals[0],
        "accepted": totals[5],
        "closed": closed_total,
        "collective_cases": totals[1],
        "workers_involved": int(totals[2]),
        "by_state": by_state,
        "by_kind": by_kind,
        "by_category": by_category,
        "by_tier": by_tier,
        "closed_by_outcome": by_outcome,
        "mediation_success_rate": round(performed / mediated, 4) if mediated else None,
        "amounts": {
            "claimed": fen_to_yuan(int(totals[3])),
            "agreed": fen_to_yuan(int(totals[4])),
            "recovered": fen_to_yuan(int(recovered or 0)),
        },
        "alerts_by_level": {str(level.value): n for level, n in alerts},
    }
