"""The demo's supervision notices: one rectified, one overdue with its alert open; loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from mediation.core.clock import utcnow
from mediation.demo import load_demo
from mediation.extensions import db
from mediation.labour_supervision.demo import load_demo_notices
from mediation.labour_supervision.models import SupervisionNotice
from mediation.reports.risk import risk_for
from mediation.warnings.models import ACTIVE_STATUSES, Alert


def test_the_demo_has_one_rectified_and_one_overdue_notice_and_loads_them_once(app):
    load_demo()
    notices = {n.status.value: n for n in db.session.scalars(select(SupervisionNotice))}
    assert set(notices) == {"verified", "not_rectified"}
    done, overdue = notices["verified"], notices["not_rectified"]
    assert done.rectified is True and done.reply_text and done.verified_by_id is not None
    assert not db.session.scalars(select(Alert).where(Alert.notice_id == done.id)).all()
    # raised to the issuing union two days ago (and, not acknowledged since, climbed)
    alerts = db.session.scalars(select(Alert).where(Alert.notice_id == overdue.id)).all()
    [first] = [a for a in alerts if a.climbed_from_id is None]
    assert first.status in ACTIVE_STATUSES and first.target_org_id == overdue.organization_id
    assert risk_for([overdue.enterprise_id])[overdue.enterprise_id].overdue_notices == 1
    assert done.enterprise_id != overdue.enterprise_id

    load_demo_notices(utcnow())
    load_demo()
    assert db.session.scalar(select(func.count(SupervisionNotice.id))) == 2
