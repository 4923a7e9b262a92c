"""The demo has a town's return for last month, submitted and approved, and a draft for this
month; a second load adds none (docs/returns.md)."""

from __future__ import annotations

from sqlalchemy import select

from mediation.core.clock import utcnow
from mediation.demo import load_demo
from mediation.extensions import db
from mediation.returns.demo import load_demo_returns
from mediation.returns.models import Return


def test_the_demo_has_an_approved_return_and_a_draft(app):
    created, _logins = load_demo()
    assert created
    returns = db.session.scalars(select(Return).order_by(Return.period_start)).all()
    assert [str(r.state) for r in returns] == ["approved", "draft"]
    approved = returns[0]
    assert [v.decision for v in approved.versions] == ["approved"]
    assert approved.versions[0].snapshot["typical_cases"]
    load_demo_returns(utcnow())
    assert len(db.session.scalars(select(Return)).all()) == 2
