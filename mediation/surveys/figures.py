"""The figures derived from a survey (docs/enterprise-file.md "Derived figures"): pure
functions, shared by the pages, the API, the risk and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from mediation.surveys.models import LabourSurvey

# a collective contract about to expire: the town union is reminded this many days ahead
EXPIRY_REMINDER_DAYS = 60


def rate(part: int, whole: int) -> Fraction | None:
    """part ÷ whole, exactly; None when there is nobody to count (whole 0)."""
    return Fraction(part, whole) if whole else None


def collective_in_force(survey: LabourSurvey, on: date) -> bool:
    """A collective contract covers the enterprise on `on`: one is recorded, it was signed by
    then and has not expired (the expiry day itself still counts)."""
    if survey.collective_contract is None:
        return False
    if survey.collective_signed_on is not None and survey.collective_signed_on > on:
        return False
    return survey.collective_expires_on is None or survey.collective_expires_on >= on


def collective_expired(survey: LabourSurvey, on: date) -> bool:
    return (
        survey.collective_contract is not None
        and survey.collective_expires_on is not None
        and survey.collective_expires_on < on
    )


@dataclass(frozen=True)
class SurveyFigures:
    signing_rate: Fraction | None  # contracts signed ÷ employees (domain.md "Enterprise file")
    migrant_signing_rate: Fraction | None  # migrants' contracts ÷ migrant workers
    union_density: Fraction | None  # members ÷ employees
    collective_in_force: bool  # on the survey's date
    collective_expired: bool  # today
    low_signing_rate: bool  # below the SURVEY_SIGNING_RATE_THRESHOLD setting


def figures(survey: LabourSurvey, *, today: date, threshold: float) -> SurveyFigures:
    signing = rate(survey.contracts_signed, survey.employees)
    return SurveyFigures(
        signing_rate=signing,
        migrant_signing_rate=rate(survey.migrant_contracts_signed, survey.migrant_workers),
        union_density=rate(survey.union_members, survey.employees),
        collective_in_force=collective_in_force(survey, survey.as_of),
        collective_expired=collective_expired(survey, today),
        low_signing_rate=signing is not None and signing < Fraction(str(threshold)),
    )


def percent(value: Fraction | None) -> str:
    """A rate as a percentage with one decimal ("—" when there is none)."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"
