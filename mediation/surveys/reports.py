"""Signing rates and collective-contract coverage by town, ownership and sector, over one
year's surveys of the user's area (docs/enterprise-file.md "Reports"). One query; the sums
are made here, so every figure is a plain count and the rates are exact fractions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from mediation.accounts.models import User
from mediation.core.i18n import lazy_gettext
from mediation.enterprises.models import Enterprise, Ownership
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.surveys.figures import collective_in_force, rate
from mediation.surveys.models import LabourSurvey
from mediation.surveys.services import require_user

GROUPINGS = ("town", "ownership", "sector")


@dataclass
class Totals:
    """The sums of a group of surveys and the rates read from them."""

    key: str = ""
    label: Any = ""  # text, or a lazy translation
    enterprises: int = 0
    employees: int = 0
    contracts_signed: int = 0
    migrant_workers: int = 0
    migrant_contracts_signed: int = 0
    unions: int = 0
    union_members: int = 0
    collective_enterprises: int = 0  # a collective contract in force on the survey's date
    collective_employees: int = 0  # the employees of those enterprises
    wage_negotiations: int = 0

    def add(self, survey: LabourSurvey) -> None:
        self.enterprises += 1
        self.employees += survey.employees
        self.contracts_signed += survey.contracts_signed
        self.migrant_workers += survey.migrant_workers
        self.migrant_contracts_signed += survey.migrant_contracts_signed
        self.unions += int(survey.union_established)
        self.union_members += survey.union_members
        if collective_in_force(survey, survey.as_of):
            self.collective_enterprises += 1
            self.collective_employees += survey.employees
        self.wage_negotiations += int(survey.wage_negotiation)

    @property
    def signing_rate(self) -> Fraction | None:
        return rate(self.contracts_signed, self.employees)

    @property
    def migrant_signing_rate(self) -> Fraction | None:
        return rate(self.migrant_contracts_signed, self.migrant_workers)

    @property
    def coverage(self) -> Fraction | None:
        """Collective-contract coverage: employees under a contract in force ÷ employees."""
        return rate(self.collective_employees, self.employees)

    @property
    def enterprise_coverage(self) -> Fraction | None:
        return rate(self.collective_enterprises, self.enterprises)


@dataclass
class CoverageReport:
    year: int
    total: Totals
    private: Totals  # the seed's focus: private enterprises (and their migrant workers)
    groups: dict[str, list[Totals]]


def _group(
    surveys: Iterable[tuple[LabourSurvey, Enterprise]],
    key_of: Callable[[Enterprise], tuple[str, str]],
) -> list[Totals]:
    groups: dict[str, Totals] = {}
    for survey, enterprise in surveys:
        key, label = key_of(enterprise)
        groups.setdefault(key, Totals(key=key, label=label)).add(survey)
    return sorted(groups.values(), key=lambda t: (-t.employees, t.key))


def coverage_report(user: User, year: int) -> CoverageReport:
    require_user(user)
    area = visible_enterprises(user).with_only_columns(Enterprise.id)
    rows = [
        (survey, enterprise)
        for survey, enterprise in db.session.execute(
            select(LabourSurvey, Enterprise)
            .join(Enterprise, Enterprise.id == LabourSurvey.enterprise_id)
            .where(LabourSurvey.year == year, LabourSurvey.enterprise_id.in_(area))
        )
    ]
    orgs = {o.id: o for o in db.session.scalars(select(Organization))}

    def town(e: Enterprise) -> tuple[str, str]:
        t = orgs[e.organization_id].ancestor_at(Tier.town)
        return t.code, t.name

    def ownership(e: Enterprise) -> tuple[str, str]:
        o = Ownership(e.ownership)
        return o.value, str(o.label)

    def sector(e: Enterprise) -> tuple[str, str]:
        return (e.sector or "", e.sector or "")

    total = Totals(key="total", label=lazy_gettext("All enterprises"))
    private = Totals(key="private", label=lazy_gettext("Private enterprises"))
    for survey, enterprise in rows:
        total.add(survey)
        if Ownership(enterprise.ownership) == Ownership.private:
            private.add(survey)
    return CoverageReport(
        year=year,
        total=total,
        private=private,
        groups={
            "town": _group(rows, town),
            "ownership": _group(rows, ownership),
            "sector": _group(rows, sector),
        },  # fmt: skip
    )
