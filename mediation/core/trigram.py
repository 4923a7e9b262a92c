"""Trigram indexes (PostgreSQL's pg_trgm) for the substring searches `ILIKE '%…%'`.

A GIN index with `gin_trgm_ops` answers `column ILIKE '%term%'` from the term's trigrams instead
of reading every row. PostgreSQL only: on SQLite the indexes are not created (the search reads
the table there, as before). A term of fewer than three characters has no trigram, so the index
cannot narrow it down (docs/performance.md, "Free-text search").
"""

from __future__ import annotations

from sqlalchemy import DDL, Connection, FromClause, Index, event, text

CREATE_PG_TRGM = "CREATE EXTENSION IF NOT EXISTS pg_trgm"

# the shortest term the trigram indexes can narrow down
MIN_TRIGRAM_TERM = 3


def trigram_index(name: str, column: str) -> Index:
    """A GIN trigram index on `column`, created on PostgreSQL only (`ddl_if`); the migrations'
    comparison skips it elsewhere (`core.migrations.object_filter`)."""
    return Index(
        name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
    ).ddl_if(dialect="postgresql")


def needs_pg_trgm(table: FromClause) -> None:
    """`create_all` creates the extension before `table` (whose trigram indexes need its
    operator class); the migration does the same for a migrated database."""
    event.listen(table, "before_create", DDL(CREATE_PG_TRGM).execute_if(dialect="postgresql"))


# where code working in a schema of its own creates the extension when the database lacks it
EXTENSION_SCHEMA = "mediation_extensions"


def ensure_pg_trgm(connection: Connection) -> str:
    """The schema the extension lives in, creating it (in `EXTENSION_SCHEMA`) when the database
    has none.

    For code that works in a schema of its own (the tests, the benchmarks): an extension exists
    once per database, so it must not be created in such a schema, where dropping the schema
    would take it away from everyone else. That schema goes after the code's own on the search
    path (`schema_url`), so it must hold no table: `create_all` skips a table it can already see
    there, and the code would then work on (and a test's teardown empty) those tables. A
    database whose extension sits beside the application's tables is refused. Parallel callers
    wait for each other."""
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('mediation: pg_trgm'))"))
    schema = connection.scalar(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    )
    if schema is None:
        schema = EXTENSION_SCHEMA
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        connection.execute(text(f"{CREATE_PG_TRGM} SCHEMA {schema}"))
    tables = connection.scalar(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        ),
        {"schema": schema},
    )
    if tables:
        raise RuntimeError(
            f"the extension pg_trgm lives in the schema {schema!r}, which holds {tables} tables:"
            " code working in a schema of its own would see them on its search path (and tests"
            " would empty them). Use a database without the application's tables, or move the"
            f" extension: ALTER EXTENSION pg_trgm SET SCHEMA {EXTENSION_SCHEMA} (after CREATE"
            f" SCHEMA {EXTENSION_SCHEMA})."
        )
    return schema


def schema_url(base_url: str, schema: str, extension_schema: str) -> str:
    """`base_url` (PostgreSQL) working in `schema`, with the extension's schema after it on the
    search path so that its operator classes (`gin_trgm_ops`) are found by name."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}%2C{extension_schema}"
