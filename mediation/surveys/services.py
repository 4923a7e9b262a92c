"""Surveys: who sees and records them, recording one (one transaction), the import's writing,
the expiry reminder, and the figures the risk reads (docs/enterprise-file.md
"Labour-relations survey")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import Select, and_, case, func, or_, select

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import transaction
from mediation.core.errors import NotFound, ValidationFailed
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import get_visible_enterprise
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.surveys.figures import EXPIRY_REMINDER_DAYS
from mediation.surveys.models import LabourSurvey
from mediation.surveys.schemas import FIELDS, SurveyInputSchema

# as the enterprise registry: its staff read and record; advocates do not see it (404)
SURVEY_USERS = frozenset({Role.mediator, Role.officer, Role.admin})


def threshold() -> float:
    """The signing rate below which an enterprise is at risk (`SURVEY_SIGNING_RATE_THRESHOLD`)."""
    return float(current_app.config["SURVEY_SIGNING_RATE_THRESHOLD"])


def require_user(user: User) -> None:
    if user.role not in SURVEY_USERS:
        raise NotFound("Enterprise not found.")


def load(payload: dict | None) -> dict:
    """The payload checked (422 with a message per field)."""
    try:
        return SurveyInputSchema().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def surveys_of(user: User, enterprise_id: int) -> tuple[Enterprise, list[LabourSurvey]]:
    """The enterprise (404 out of the user's area) and its surveys, newest first."""
    require_user(user)
    enterprise = get_visible_enterprise(user, enterprise_id)
    surveys = list(
        db.session.scalars(
            select(LabourSurvey)
            .where(LabourSurvey.enterprise_id == enterprise.id)
            .order_by(LabourSurvey.year.desc())
        )
    )
    return enterprise, surveys


def _write(enterprise_id: int, data: dict, user: User, now: datetime) -> LabourSurvey:
    """Insert the year's survey, or replace the one recorded (inside the caller's transaction).
    Who recorded it and when are kept: `created_*` the first time, `updated_*` each time."""
    year = data["as_of"].year
    survey = db.session.scalar(
        select(LabourSurvey).where(
            LabourSurvey.enterprise_id == enterprise_id, LabourSurvey.year == year
        )
    )
    if survey is None:
        survey = LabourSurvey(
            enterprise_id=enterprise_id, year=year, created_by_id=user.id, created_at=now
        )
        db.session.add(survey)
    elif survey.collective_expires_on != data.get("collective_expires_on"):
        survey.reminded_for = None  # a new expiry date is announced afresh
    for name in FIELDS:
        setattr(survey, name, data[name])
    survey.updated_by_id, survey.updated_at = user.id, now
    return survey


def record_survey(
    user: User, enterprise_id: int, payload: dict | None, *, now: datetime | None = None
) -> LabourSurvey:
    """Record the enterprise's survey for the year of its `as_of` (replacing one recorded that
    year), in one transaction."""
    require_user(user)
    now = ensure_utc(now or utcnow())
    with transaction():
        enterprise = get_visible_enterprise(user, enterprise_id, for_update=True)
        data = load(payload)
        survey = _write(enterprise.id, data, user, now)
        db.session.flush()
    return survey


def write_rows(user: User, rows: Sequence[tuple[int, dict]], *, now: datetime | None = None) -> int:
    """Write checked rows (enterprise id, loaded data) all in one transaction: the import's
    second step (`surveys.importer`). Answers how many were written."""
    require_user(user)
    now = ensure_utc(now or utcnow())
    with transaction():
        for enterprise_id, data in rows:
            _write(enterprise_id, data, user, now)
    return len(rows)


# --- the expiry reminder --------------------------------------------------------------------


def expiring_soon(today: date) -> Select:
    """Surveys whose collective contract expires within `EXPIRY_REMINDER_DAYS` (not yet
    expired) and whose town union was not yet reminded of that expiry. Only each enterprise's
    latest survey counts: an older year's contract was renewed or replaced since."""
    latest = (
        select(LabourSurvey.enterprise_id, func.max(LabourSurvey.year).label("year"))
        .group_by(LabourSurvey.enterprise_id)
        .subquery("latest_survey")
    )
    return (
        select(LabourSurvey)
        .join(
            latest,
            and_(
                latest.c.enterprise_id == LabourSurvey.enterprise_id,
                latest.c.year == LabourSurvey.year,
            ),
        )  # fmt: skip
        .where(
            LabourSurvey.collective_contract.is_not(None),
            LabourSurvey.collective_expires_on >= today,
            LabourSurvey.collective_expires_on <= today + timedelta(days=EXPIRY_REMINDER_DAYS),
            or_(
                LabourSurvey.reminded_for.is_(None),
                LabourSurvey.reminded_for != LabourSurvey.collective_expires_on,
            ),
        )
        .order_by(LabourSurvey.id)
    )


def remind_expiring(now: datetime) -> int:
    """Tell each town union once of the collective contracts of its area that expire within
    60 days (the Collective Contract Provisions art. 40 let either side ask for renewal in the
    last three months): the receivers of `signals.collective_contract_expiring` write the
    outbox rows and the in-app notices, in one transaction with the surveys' `reminded_for`,
    so a second run finds nothing to say. Answers how many contracts were announced."""
    now = ensure_utc(now)
    count = 0
    with transaction():
        soon = expiring_soon(local_date(now)).with_for_update(of=LabourSurvey)
        for survey in db.session.scalars(soon):
            town = survey.enterprise.organization.ancestor_at(Tier.town)
            signals.collective_contract_expiring.send(survey, town=town, now=now)
            survey.reminded_for = survey.collective_expires_on
            count += 1
    return count


# --- what the risk and the watch list read ----------------------------------------------------


def flags_subquery(today: date, rate_threshold: float):
    """Per enterprise with a survey: its latest survey's flags, as integers 0/1 —
    `low_signing_rate` (contracts ÷ employees below the threshold), `collective_expired` (its
    collective contract's expiry is past) and `current` (a survey of `today`'s year exists).
    An enterprise with no row has no survey at all (so none this year)."""
    latest = (
        select(LabourSurvey.enterprise_id, func.max(LabourSurvey.year).label("year"))
        .group_by(LabourSurvey.enterprise_id)
        .subquery("latest_year")
    )
    low = and_(
        LabourSurvey.employees > 0,
        LabourSurvey.contracts_signed < LabourSurvey.employees * rate_threshold,
    )
    expired = and_(
        LabourSurvey.collective_contract.is_not(None),
        LabourSurvey.collective_expires_on < today,
    )
    return (
        select(
            LabourSurvey.enterprise_id.label("enterprise_id"),
            case((low, 1), else_=0).label("low_signing_rate"),
            case((expired, 1), else_=0).label("collective_expired"),
            case((LabourSurvey.year == today.year, 1), else_=0).label("current"),
        )
        .join(
            latest,
            and_(
                latest.c.enterprise_id == LabourSurvey.enterprise_id,
                latest.c.year == LabourSurvey.year,
            ),
        )  # fmt: skip
        .subquery("survey_flags")
    )
