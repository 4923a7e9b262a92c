"""Trigram indexes (PostgreSQL's pg_trgm) for the substring searches `ILIKE '%…%'`.

A GIN index with `gin_trgm_ops` answers `column ILIKE '%term%'` from the term's trigrams instead
of reading every row. PostgreSQL only: on SQLite the indexes are not created (the search reads
the table there, as before). A term of fewer than three characters has no trigram, so the index
cannot narrow it down (docs/performance.md, "Free-text search").
"""

from __future__ import annotations

from sqlalchemy import DDL, FromClause, Index, event

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
