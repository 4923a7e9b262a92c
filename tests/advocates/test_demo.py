"""The demo loads the worker services through their services, with the training rule on, and a
second load adds nothing (docs/worker-services.md "Demo data")."""

from __future__ import annotations

from sqlalchemy import func, select

from mediation.advocates.models import AdvocateProfile, TrainingSession
from mediation.cases.models import case_advocates
from mediation.demo import load_demo
from mediation.extensions import db
from mediation.hardship.models import AidRecord, HardshipFile
from mediation.legalaid.models import LegalAidReferral


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (AdvocateProfile, TrainingSession, HardshipFile, AidRecord, LegalAidReferral)
    }


def test_the_demo_passes_the_training_rule_and_loads_once(app):
    app.config["ADVOCATE_TRAINING_REQUIRED"] = True
    try:
        created, _logins = load_demo()
        assert created
        first = _counts()
        assert all(first.values()), first
        # the demo cases' advocates were assigned under the rule
        assert db.session.scalar(select(func.count()).select_from(case_advocates)) > 0
        files = db.session.scalars(select(HardshipFile)).all()
        assert all(f.case_id is not None for f in files)
        created_again, _logins = load_demo()
        assert not created_again and _counts() == first
    finally:
        app.config["ADVOCATE_TRAINING_REQUIRED"] = False
