"""The rows a viewer's statistics may count: the cases in the user's scope
(`cases.scope.scope_filter`), within an organization's subtree when one is chosen, and the alerts
raised on those cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from mediation.accounts.models import User
from mediation.cases.enums import Outcome
from mediation.cases.models import Case
from mediation.cases.scope import scope_filter
from mediation.orgs.services import subtree_ids_select
from mediation.warnings.models import Alert

NOT_MERGED = or_(Case.outcome.is_(None), Case.outcome != Outcome.merged)


def scoped(
    user: User,
    org_id: int | None,
    *columns: Any,
    merged: bool = False,
    tree: str = "filter_org_tree",
) -> Select:
    """`columns` of the cases in scope (and in the subtree of `org_id` when given), without
    the reports merged into another case (unless `merged`): the survivor counts the dispute and
    its workers once (docs/collective.md "Merge"). The statistics' covering indexes carry
    `outcome` for this filter. `tree`: the name of the subtree's CTE (one per branch of a
    statement that unites several)."""
    stmt = scope_filter(select(*columns).select_from(Case), user)
    if not merged:
        stmt = stmt.where(NOT_MERGED)
    if org_id is not None:
        stmt = stmt.where(Case.handling_org_id.in_(subtree_ids_select(org_id, name=tree)))
    return stmt


def unrestricted(user: User, org_id: int | None) -> bool:
    """Every case counts: no scope or organization filter to apply (the administrator)."""
    return org_id is None and scope_filter(select(Case.id), user).whereclause is None


def alert_scope(user: User, org_id: int | None) -> ColumnElement[bool]:
    """The condition restricting alerts to the cases in scope: the alerts' figures are the
    cases' (a mass incident's alerts are counted with the incidents, docs/incidents.md)."""
    if unrestricted(user, org_id):
        return Alert.case_id.is_not(None)
    # (an alert raised on a report before it was merged was raised: it counts)
    return Alert.case_id.in_(scoped(user, org_id, Case.id, merged=True))
