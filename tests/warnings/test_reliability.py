"""Several sweepers at once over thousands of due cases (PostgreSQL: `FOR UPDATE SKIP LOCKED`):
every due alert is raised exactly once and no case is missed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import func, or_, select, text

from mediation.cases.enums import EventKind
from mediation.cases.models import Case, CaseEvent
from mediation.extensions import db
from mediation.warnings.models import Alert
from mediation.warnings.sweep import sweep
from tests.conftest import requires_postgres
from tests.helpers import local

N_CASES = 5_000
SWEEPERS = 4
NOW = local(2026, 3, 20, 10, 0)


def insert_due_cases(orgs, n: int) -> None:
    """Bulk-insert n mediating cases, each against an enterprise of its own, applied for 16 days
    ago (walk-ins: the report and the application at once) and due now: each needs `mediation_due_soon` (grassroots) and `mediation_overdue` (town).
    Half are handled by G1, half by G2."""
    params = {
        "n": n,
        "g1": orgs["G1"].id,
        "g2": orgs["G2"].id,
        "received": NOW - timedelta(days=16),
        "due": NOW - timedelta(minutes=5),
    }
    db.session.execute(
        text(
            "INSERT INTO enterprises (name, credit_code, organization_id, ownership, has_union,"
            " created_at) "
            "SELECT 'enterprise ' || g, lpad(g::text, 18, '0'),"
            " CASE WHEN g % 2 = 0 THEN :g1 ELSE :g2 END, 'private', false, :received "
            "FROM generate_series(1, :n) g"
        ),
        params,
    )
    db.session.execute(
        text(
            """
            INSERT INTO cases (number, kind, category, enterprise_id, workers_involved,
                is_migrant, is_construction, title, description, channel, received_at,
                application_received_at, owner_absconded, incident_in_progress, state, state_changed_at, handling_org_id,
                tier, version, event_seq, next_check_at, created_at, updated_at)
            SELECT 'R-' || g, 'dispute', 'dismissal', e.id, 1, false, false, 'case ' || g, '',
                'walk_in', :received, :received, false, false, 'mediating', :received,
                e.organization_id, 'grassroots', 1, 0,
                :due - (g % 97) * interval '1 minute', :received, :received
            FROM generate_series(1, :n) g
            JOIN enterprises e ON e.credit_code = lpad(g::text, 18, '0')
            """
        ),
        params,
    )
    db.session.commit()
    db.session.execute(text("ANALYZE cases"))
    db.session.commit()


@requires_postgres
def test_four_sweepers_raise_every_due_alert_exactly_once(app, orgs):
    insert_due_cases(orgs, N_CASES)
    assert (
        db.session.scalar(select(func.count()).select_from(Case).where(Case.next_check_at <= NOW))
        == N_CASES
    )

    outcomes, errors = [], []
    start = threading.Barrier(SWEEPERS)

    def run() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                outcome = sweep(NOW, batch_size=100)
                outcomes.append((outcome.checked, len(outcome.raised), len(outcome.climbed)))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    began = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(SWEEPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    assert not any(t.is_alive() for t in threads), "a sweeper hung"
    assert errors == []
    assert len(outcomes) == SWEEPERS

    db.session.expire_all()
    # exactly once: no (case, rule, tier) twice, and the total is what the cases need
    duplicated = db.session.execute(
        select(Alert.case_id, Alert.rule, Alert.target_tier)
        .group_by(Alert.case_id, Alert.rule, Alert.target_tier)
        .having(func.count() > 1)
    ).all()
    assert duplicated == []
    per_rule = dict(db.session.execute(select(Alert.rule, func.count()).group_by(Alert.rule)).all())
    assert per_rule == {"mediation_due_soon": N_CASES, "mediation_overdue": N_CASES}
    assert sum(raised for _, raised, _ in outcomes) == 2 * N_CASES
    assert sum(climbed for _, _, climbed in outcomes) == 0

    # none missed, none processed twice: every case checked once and moved on
    assert sum(checked for checked, _, _ in outcomes) == N_CASES
    assert (
        db.session.scalar(select(func.count()).select_from(Case).where(Case.next_check_at <= NOW))
        == 0
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(Case).where(Case.next_check_at.is_(None))
        )
        == 0
    )
    cases_with_both = db.session.scalar(
        select(func.count()).select_from(
            select(Alert.case_id).group_by(Alert.case_id).having(func.count() == 2).subquery()
        )
    )
    assert cases_with_both == N_CASES
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(or_(Case.warning_level.is_distinct_from("orange"), Case.tier != "town"))
        )
        == 0
    )
    # each raise is on its case's timeline once, and the chain counters agree
    assert (
        db.session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == EventKind.alert)
        )
        == 2 * N_CASES
    )
    assert db.session.scalar(select(func.sum(Case.event_seq))) == 2 * N_CASES

    # the work was shared out, not done by one sweeper while the others waited
    assert sum(1 for checked, _, _ in outcomes if checked) >= 2
    # the sweep after them finds nothing left to do
    assert sweep(NOW).checked == 0
    assert elapsed < 60, f"four sweepers over {N_CASES} due cases took {elapsed:.1f} s"
