"""Sweep benchmark: N open cases on PostgreSQL, a chosen number due; prints sweep times.

    .venv/bin/python bench/sweep.py --sizes 10000,100000,1000000 --due-percent 1

Works in a schema of its own (dropped at the end) of the database named by --database-url
(default: $TEST_DATABASE_URL, else postgresql://127.0.0.1/test). Figures go to stdout; record them
in docs/performance.md. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from config.default import normalize_database_url  # noqa: E402
from mediation import create_app  # noqa: E402
from mediation.core.clock import utcnow  # noqa: E402
from mediation.extensions import db  # noqa: E402
from mediation.warnings.sweep import sweep  # noqa: E402
from tests.pg_schema import ensure_pg_trgm, schema_url  # noqa: E402

SCHEMA = "bench_sweep"


def generate(n: int, now) -> None:
    """Bulk-insert the org tree, officers, N/5 enterprises (at least 1,000: about five cases
    per employer) and N mediating cases, none due."""
    enterprises = max(1000, n // 5)
    db.session.execute(text("TRUNCATE case_events, notifications, alerts, case_advocates, cases,"
                            " case_number_counters, users, enterprises, organizations RESTART IDENTITY CASCADE"))  # fmt: skip
    db.session.execute(
        text(
            "INSERT INTO organizations (id, code, name, tier, parent_id) VALUES (1, 'C', 'city', 'city', NULL)"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO organizations (id, code, name, tier, parent_id) "
            "SELECT 1 + g, 'T' || g, 'town ' || g, 'town', 1 FROM generate_series(1, 10) g"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO organizations (id, code, name, tier, parent_id) "
            "SELECT 100 + g, 'G' || g, 'grassroots ' || g, 'grassroots', 2 + (g % 10) FROM generate_series(1, 100) g"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO users (username, display_name, password_hash, role, organization_id, email, locale, active, created_at) "
            "SELECT 'officer' || o.id, 'officer ' || o.id, 'x', 'officer', o.id, 'officer' || o.id || '@bench.local', 'zh_Hans_CN', true, now() "
            "FROM organizations o WHERE o.tier IN ('city', 'town')"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO enterprises (name, credit_code, organization_id, ownership, has_union, created_at) "
            "SELECT 'enterprise ' || g, lpad(g::text, 18, '0'), 101 + (g % 100), 'private', false, now() "
            "FROM generate_series(1, :e) g"
        ),
        {"e": enterprises},
    )
    db.session.execute(
        text("""
        INSERT INTO cases (number, kind, category, enterprise_id, workers_involved, is_migrant,
            is_construction, title, description, channel, received_at, owner_absconded,
            incident_in_progress, state, state_changed_at, handling_org_id, tier, version, event_seq,
            next_check_at, created_at, updated_at)
        SELECT 'B-' || g, 'dispute', 'dismissal', 1 + (g % :e), 1, false, false,
            'case ' || g, '', 'walk_in', :received, false, false, 'mediating', :received,
            101 + (g % 100), 'grassroots', 1, 0, :later, :received, :received
        FROM generate_series(1, :n) g"""),
        {
            "n": n,
            "e": enterprises,
            "received": now - timedelta(days=5),
            "later": now + timedelta(days=7),
        },
    )
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def make_due(count: int, now) -> None:
    """Reset alerts and events, then make `count` cases due: received 16 days ago, so the
    mediation-due-soon (blue) and mediation-overdue (orange, town) rules fire for each."""
    db.session.execute(text("TRUNCATE case_events, notifications, alerts"))
    db.session.execute(text("UPDATE cases SET event_seq = 0, warning_level = NULL, tier = 'grassroots', "
                            "received_at = :received, next_check_at = :later WHERE next_check_at IS NULL OR next_check_at <= :now OR warning_level IS NOT NULL"),
                       {"received": now - timedelta(days=5), "later": now + timedelta(days=7), "now": now})  # fmt: skip
    if count:
        db.session.execute(text(
            "UPDATE cases SET received_at = :received, next_check_at = :due "
            "WHERE id IN (SELECT id FROM cases ORDER BY id LIMIT :count)"),
            {"received": now - timedelta(days=16), "due": now - timedelta(minutes=1), "count": count})  # fmt: skip
    db.session.commit()


def timed_sweep(now) -> tuple[float, object]:
    start = time.perf_counter()
    outcome = sweep(now)
    return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5, help="runs of the nothing-due sweep")
    parser.add_argument("--due-repeat", type=int, default=3, help="runs of the due sweep")
    parser.add_argument(
        "--database-url", default=os.environ.get("TEST_DATABASE_URL", "postgresql://127.0.0.1/test")
    )
    args = parser.parse_args()

    base = normalize_database_url(args.database_url)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        extensions = ensure_pg_trgm(conn)  # not in the dropped schema (see tests.pg_schema)
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    url = schema_url(base, SCHEMA, extensions)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            db.create_all()
            print(
                f"{'open cases':>12} {'due':>8} {'sweep median':>14} {'per due case':>13} {'alerts':>8}  runs"
            )
            for n in [int(x) for x in args.sizes.split(",")]:
                now = utcnow()
                t0 = time.perf_counter()
                generate(n, now)
                gen = time.perf_counter() - t0
                make_due(0, now)
                idle = [timed_sweep(now)[0] for _ in range(args.repeat)]
                print(
                    f"{n:>12,} {0:>8,} {statistics.median(idle) * 1000:>11.1f} ms {'—':>13} {0:>8}  {args.repeat}   (generated in {gen:.1f} s)"
                )
                due = int(n * args.due_percent / 100)
                runs, raised = [], 0
                for _ in range(args.due_repeat):
                    make_due(due, now)
                    seconds, outcome = timed_sweep(now)
                    runs.append(seconds)
                    raised = len(outcome.raised)
                    assert outcome.checked == due, (outcome.checked, due)
                med = statistics.median(runs)
                print(
                    f"{n:>12,} {due:>8,} {med * 1000:>11.1f} ms {med / max(due, 1) * 1000:>10.3f} ms {raised:>8}  {args.due_repeat}"
                )
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
