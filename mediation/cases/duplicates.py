"""Possible duplicates: open cases that may be the same dispute as a case, or as a report being
registered (docs/collective.md "Possible duplicates"). Same employer with an overlapping
category within a window, or the same worker's ID number or phone; scored, most likely first,
each with its reasons; only cases the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import selectinload

from mediation.accounts.models import User
from mediation.cases.enums import OPEN_STATES, CaseKind, Category
from mediation.cases.models import Case, CaseWorker
from mediation.cases.scope import scope_filter
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.identifiers import normalize_id_number
from mediation.core.messages import N_
from mediation.extensions import db

DEFAULT_WINDOW_DAYS = 30
MAX_CANDIDATES = 50

# the points each reason adds (docs/collective.md "Possible duplicates"): the same ID number is
# almost surely the same worker; the same employer and claim close in time very likely the
# same dispute; a phone is shared by families and crews
SCORES = {
    "same_id_number": 60,
    "same_employer": 40,
    "overlapping_category": 20,
    "same_phone": 30,
    # a construction project's workers are hired by many subcontractors and team leaders: the
    # same project is one arrears dispute whatever employer each report names
    # (docs/enterprise-file.md "Construction projects")
    "same_project": 40,
}
REASON_LABELS = {
    "same_id_number": N_("Same worker ID number"),
    "same_employer": N_("Same employer within the window"),
    "overlapping_category": N_("Overlapping category"),
    "same_phone": N_("Same worker phone"),
    "same_project": N_("Same construction project"),
}
# the pay claims overlap: an arrears report and a remuneration dispute are one claim
PAY = frozenset({Category.remuneration})


@dataclass
class Probe:
    """What is known of the case being compared: a saved case or a report being typed."""

    enterprise_id: int | None
    category: Category | None
    kind: CaseKind | None
    received_at: datetime
    id_numbers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    exclude_id: int | None = None
    project_id: int | None = None


@dataclass
class Duplicate:
    case: Case
    score: int
    reasons: list[str]

    @property
    def id(self) -> int:
        return self.case.id

    @property
    def number(self) -> str:
        return self.case.number

    @property
    def reason_labels(self) -> list[str]:
        return [REASON_LABELS[r] for r in self.reasons]


def window_days() -> int:
    return int(current_app.config.get("DUPLICATE_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))


def probe_of(case: Case) -> Probe:
    workers = list(case.workers)
    ids = {w.id_number for w in workers if w.id_number}
    phones = {w.phone for w in workers if w.phone}
    if case.worker_id_number:
        ids.add(case.worker_id_number)
    if case.worker_phone:
        phones.add(case.worker_phone)
    return Probe(
        enterprise_id=case.enterprise_id,
        category=Category(case.category),
        kind=CaseKind(case.kind),
        received_at=case.received_at,
        id_numbers=ids,
        phones=phones,
        exclude_id=case.id,
        project_id=case.project_id,
    )


def probe_of_form(values: dict, enterprise_id: int | None, project_id: int | None = None) -> Probe:
    """A report being registered, from what was typed so far (anything may be missing)."""

    def enum_or_none(cls: type, value: object) -> object:
        try:
            return cls(value)
        except ValueError:
            return None

    number = (values.get("worker_id_number") or "").strip()
    phone = (values.get("worker_phone") or "").strip()
    return Probe(
        enterprise_id=enterprise_id,
        category=enum_or_none(Category, values.get("category")),  # type: ignore[arg-type]
        kind=enum_or_none(CaseKind, values.get("kind")),  # type: ignore[arg-type]
        received_at=utcnow(),
        id_numbers={normalize_id_number(number)} if number else set(),
        phones={phone} if phone else set(),
        project_id=project_id,
    )


def _pay_claim(category: Category | None, kind: CaseKind | None) -> bool:
    return kind == CaseKind.arrears or category in PAY


def categories_overlap(a: Case, probe: Probe) -> bool:
    if probe.category is None and probe.kind is None:
        return True  # nothing typed yet: the employer alone decides
    if probe.category is not None and Category(a.category) == probe.category:
        return True
    return _pay_claim(Category(a.category), CaseKind(a.kind)) and _pay_claim(
        probe.category, probe.kind
    )


def find_duplicates(user: User, probe: Probe, *, days: int | None = None) -> list[Duplicate]:
    """The open cases in `user`'s scope that may be the same dispute, most likely first."""
    window = timedelta(days=days if days is not None else window_days())
    at = ensure_utc(probe.received_at)
    conditions: list[ColumnElement[bool]] = []
    if probe.enterprise_id is not None:
        conditions.append(
            (Case.enterprise_id == probe.enterprise_id)
            & (Case.received_at >= at - window)
            & (Case.received_at <= at + window)
        )
    if probe.project_id is not None:
        conditions.append(Case.project_id == probe.project_id)
    if probe.id_numbers:
        conditions.append(Case.worker_id_number.in_(sorted(probe.id_numbers)))
        conditions.append(
            Case.id.in_(
                select(CaseWorker.case_id).where(CaseWorker.id_number.in_(sorted(probe.id_numbers)))
            )
        )
    if probe.phones:
        conditions.append(Case.worker_phone.in_(sorted(probe.phones)))
        conditions.append(
            Case.id.in_(
                select(CaseWorker.case_id).where(CaseWorker.phone.in_(sorted(probe.phones)))
            )
        )
    if not conditions:
        return []
    stmt = (
        select(Case)
        .where(Case.state.in_(OPEN_STATES), or_(*conditions))
        .options(selectinload(Case.workers))
    )
    if probe.exclude_id is not None:
        stmt = stmt.where(Case.id != probe.exclude_id)
    stmt = scope_filter(stmt, user).order_by(Case.received_at.desc()).limit(MAX_CANDIDATES)
    found = []
    for case in db.session.scalars(stmt):
        reasons = _reasons(case, probe, at, window)
        if reasons:
            found.append(Duplicate(case, min(sum(SCORES[r] for r in reasons), 100), reasons))
    found.sort(key=lambda d: (-d.score, -d.case.received_at.timestamp(), -d.case.id))
    return found


def _reasons(case: Case, probe: Probe, at: datetime, window: timedelta) -> list[str]:
    reasons = []
    workers = list(case.workers)
    ids = {w.id_number for w in workers if w.id_number} | {case.worker_id_number} - {None}
    phones = {w.phone for w in workers if w.phone} | {case.worker_phone} - {None}
    if probe.id_numbers & ids:
        reasons.append("same_id_number")
    if (
        probe.enterprise_id == case.enterprise_id
        and abs(ensure_utc(case.received_at) - at) <= window
        and categories_overlap(case, probe)
    ):
        reasons += ["same_employer", "overlapping_category"]
    if probe.phones & phones:
        reasons.append("same_phone")
    if probe.project_id is not None and case.project_id == probe.project_id:
        reasons.append("same_project")
    return reasons
