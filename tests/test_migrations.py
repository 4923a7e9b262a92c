"""`flask db upgrade` on an empty database must yield exactly the models' schema, and
`downgrade base` must take it all away again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from mediation import create_app
from mediation.core import migrations as hooks
from mediation.core.db import engines
from mediation.extensions import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.helpers import TRIGRAM_INDEXES, trigram_indexes
from tests.pg_schema import ensure_pg_trgm, schema_url

TRIGRAM_REVISION_PARENT = "fd0eee1e9b99"  # the revision before the trigram indexes
# the autovacuum settings of `cases` (migration 5e2d7b9c1a40), PostgreSQL only
CASES_AUTOVACUUM = {
    "autovacuum_vacuum_insert_threshold": "1000",
    "autovacuum_vacuum_insert_scale_factor": "0",
    "autovacuum_vacuum_scale_factor": "0.01",
}


def table_options(conn, table: str) -> dict[str, str]:
    options = conn.scalar(text(f"SELECT reloptions FROM pg_class WHERE oid = '{table}'::regclass"))
    return dict(option.split("=", 1) for option in options or [])


APPEND_ONLY_PROBE = (
    "INSERT INTO organizations (id, code, name, tier) VALUES (1, 'C', 'city', 'city')",
    "INSERT INTO enterprises (id, name, credit_code, organization_id, ownership, has_union, created_at)"
    " VALUES (1, 'e', '91350100M000100Y43', 1, 'private', false, CURRENT_TIMESTAMP)",
)


def _check_upgrade_downgrade(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": hooks.compare_type,
                    # (leaves out what the models create on another database only)
                    "include_object": hooks.object_filter(conn.dialect.name),
                    "render_item": hooks.render_item,
                },
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"migrations and models differ: {diff}"

        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables

        # the free-text search's trigram indexes (PostgreSQL only), which the comparison above
        # checks by name and column only; the step down drops them and keeps the extension
        on_postgres = db.engine.dialect.name == "postgresql"
        if on_postgres:
            with db.engine.connect() as conn:
                assert trigram_indexes(conn) == TRIGRAM_INDEXES
                # what the comparison does not see: storage settings and INCLUDE columns
                assert table_options(conn, "cases") == CASES_AUTOVACUUM
                assert "INCLUDE (id, received_at)" in conn.scalar(
                    text("SELECT pg_get_indexdef('ix_cases_handling_org_state_level'::regclass)")
                )
                # the list's other sorts (migration b7d41e2a9c35) check a scope from the index
                for name in ("ix_cases_updated_id", "ix_cases_workers_id", "ix_cases_claim_id"):
                    assert "INCLUDE (handling_org_id)" in conn.scalar(
                        text(f"SELECT pg_get_indexdef('{name}'::regclass)")
                    )
        else:
            indexes = [inspect(db.engine).get_indexes(t) for t in ("cases", "enterprises")]
            assert not {i["name"] for found in indexes for i in found} & set(TRIGRAM_INDEXES)
        flask_migrate.downgrade(revision=TRIGRAM_REVISION_PARENT)
        if on_postgres:
            with db.engine.connect() as conn:
                assert trigram_indexes(conn) == {}
                assert not set(CASES_AUTOVACUUM) & set(table_options(conn, "cases"))
                assert conn.scalar(
                    text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
                )
        flask_migrate.upgrade()

        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        for engine in engines():
            engine.dispose()


def test_sqlite_upgrade_equals_models_and_downgrades(tmp_path):
    _check_upgrade_downgrade(f"sqlite:///{tmp_path / 'migrated.db'}")


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_postgres_upgrade_equals_models_and_downgrades():
    schema = f"migtest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        extensions = ensure_pg_trgm(conn)  # not in this test's schema (see tests.pg_schema)
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        base = TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        _check_upgrade_downgrade(schema_url(base, schema, extensions))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_migrated_timeline_is_append_only(tmp_path):
    """The migration installs the same append-only guard as the models."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.begin() as conn:
            for statement in APPEND_ONLY_PROBE:
                conn.execute(text(statement))
            conn.execute(
                text(
                    "INSERT INTO cases (id, number, kind, category, enterprise_id, workers_involved,"
                    " is_migrant, is_construction, title, description, channel, received_at,"
                    " owner_absconded, incident_in_progress, state, handling_org_id, tier, version,"
                    " event_seq, created_at, updated_at) VALUES (1, 'C-2026-00001', 'dispute',"
                    " 'other', 1, 1, false, false, 't', '', 'walk_in', CURRENT_TIMESTAMP, false,"
                    " false, 'reported', 1, 'city', 1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO case_events (case_id, seq, at, kind, hash) VALUES"
                    " (1, 1, CURRENT_TIMESTAMP, 'created', 'x')"
                )
            )
        for statement in ("UPDATE case_events SET body = 'forged'", "DELETE FROM case_events"):
            with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        for engine in engines():
            engine.dispose()


def test_first_alert_moments_are_backfilled_from_the_alerts(tmp_path):
    """Migration fd0eee1e9b99: each case's earliest alert per target tier (town, city)."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'b.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision="746bc9487064")
        with db.engine.begin() as conn:
            for statement in APPEND_ONLY_PROBE:
                conn.execute(text(statement))
            for case_id in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO cases (id, number, kind, category, enterprise_id,"
                        " workers_involved, is_migrant, is_construction, title, description,"
                        " channel, received_at, owner_absconded, incident_in_progress, state,"
                        " handling_org_id, tier, version, event_seq, created_at, updated_at)"
                        " VALUES (:id, :number, 'dispute', 'other', 1, 1, false, false, 't', '',"
                        " 'walk_in', CURRENT_TIMESTAMP, false, false, 'reported', 1, 'city', 1,"
                        " 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": case_id, "number": f"C-2026-0000{case_id}"},
                )
            for rule, tier, raised_at in (
                ("a", "town", "2026-03-05 02:00:00.000000"),
                ("b", "town", "2026-03-03 02:00:00.000000"),
                ("a", "city", "2026-03-04 02:00:00.000000"),
                ("a", "grassroots", "2026-03-01 02:00:00.000000"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO alerts (case_id, rule, level, target_tier, target_org_id,"
                        " status, raised_at) VALUES (1, :rule, 'yellow', :tier, 1, 'open', :at)"
                    ),
                    {"rule": rule, "tier": tier, "at": raised_at},
                )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, first_town_alert_at, first_city_alert_at FROM cases ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, "2026-03-03 02:00:00.000000", "2026-03-04 02:00:00.000000"),
            (2, None, None),
        ]
        for engine in engines():
            engine.dispose()
