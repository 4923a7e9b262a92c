"""The demo's surveys: most enterprises have one, loading twice adds nothing, and the examples
the docs promise are there (docs/enterprise-file.md)."""

from __future__ import annotations

from sqlalchemy import func, select

from mediation.core.clock import local_date, utcnow
from mediation.demo import load_demo
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.reports.risk import risk_for
from mediation.surveys.demo import load_demo_surveys
from mediation.surveys.models import LabourSurvey
from mediation.surveys.services import expiring_soon


def test_the_demo_surveys_most_enterprises_once(app):
    now = utcnow()
    load_demo(now=now)
    year = local_date(now).year
    surveyed = db.session.scalar(
        select(func.count(func.distinct(LabourSurvey.enterprise_id))).where(
            LabourSurvey.year == year
        )
    )
    enterprises = db.session.scalar(select(func.count()).select_from(Enterprise))
    assert enterprises > 0 and surveyed / enterprises >= 0.7
    assert load_demo_surveys(now) == 0  # idempotent
    assert db.session.scalars(expiring_soon(local_date(now))).first() is not None
    risks = risk_for(list(db.session.scalars(select(Enterprise.id))))
    assert any(r.low_signing_rate for r in risks.values())
    assert any(r.collective_expired for r in risks.values())
    assert any(r.no_current_survey for r in risks.values())
