"""The test and benchmark set-up's extension schema (tests.pg_schema.ensure_pg_trgm): it goes on
the search path after a run's own schema, so a database whose extension sits beside tables must
be refused, not used (a run would otherwise work on, and empty, those tables)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import TEST_DATABASE_URL, requires_postgres
from tests.pg_schema import EXTENSION_SCHEMA, ensure_pg_trgm


@pytest.fixture
def scratch_database():
    """A database of this test's own (created and dropped here)."""
    base = make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"mediation_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine = create_engine(base.set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name}"))
        admin.dispose()


@requires_postgres
def test_the_extension_goes_to_a_schema_of_its_own(scratch_database):
    with scratch_database.begin() as conn:
        assert ensure_pg_trgm(conn) == EXTENSION_SCHEMA
    with scratch_database.begin() as conn:  # found again where it is
        assert ensure_pg_trgm(conn) == EXTENSION_SCHEMA


@requires_postgres
def test_an_extension_beside_tables_is_refused(scratch_database):
    with scratch_database.begin() as conn:
        conn.execute(text("CREATE EXTENSION pg_trgm SCHEMA public"))
        conn.execute(text("CREATE TABLE public.organizations (id integer)"))
        conn.execute(text("INSERT INTO public.organizations VALUES (1)"))
    with scratch_database.begin() as conn, pytest.raises(RuntimeError, match="holds 1 tables"):
        ensure_pg_trgm(conn)
    with scratch_database.begin() as conn:  # nothing touched
        assert conn.scalar(text("SELECT count(*) FROM public.organizations")) == 1
