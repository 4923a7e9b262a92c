"""Two reports against one employer registered at the same moment in different organizations
each count the other in the repeat-employer rule (docs/collective.md "Repeat complaints"):
intake locks the employer's row (PostgreSQL only: SQLite serialises writers and cannot show
the race)."""

from __future__ import annotations

from sqlalchemy import select

from mediation.cases import services
from mediation.core.clock import utcnow
from mediation.extensions import db
from mediation.warnings.models import Alert, AlertStatus
from tests.cases.test_concurrency import race, split
from tests.conftest import requires_postgres

pytestmark = requires_postgres


def test_concurrent_reports_in_two_organizations_see_the_repeat(
    app, make_case, make_enterprise, case_payload, users, orgs
):
    employer = make_enterprise("G1")
    make_case(enterprise_id=employer.id, workers_involved=1)  # the first complaint
    now = utcnow()  # the same moment for both
    payloads = [
        case_payload(enterprise_id=employer.id, org=org, workers_involved=1) for org in ("G1", "G2")
    ]

    def create(i, user):
        return services.create_case(user, payloads[i], now=now).id

    results = race(app, [users["admin"].id, users["city_officer"].id], create)
    ids, errors = split(results)
    assert not errors, errors
    repeats = db.session.scalars(
        select(Alert.case_id).where(
            Alert.case_id.in_(ids),
            Alert.rule == "repeat_enterprise",
            Alert.status == AlertStatus.open,
        )
    ).all()
    # the third complaint in the window raises the repeat alert: whichever committed second
    # counted the other
    assert len(repeats) == 1, repeats
