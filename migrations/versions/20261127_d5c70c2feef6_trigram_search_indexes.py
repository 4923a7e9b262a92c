"""trigram search indexes

The case list's free-text search (`q`: `ILIKE '%…%'` on the case's number, its title and the
enterprise's name) from GIN trigram indexes instead of reading every case: PostgreSQL only
(extension pg_trgm, trusted since PostgreSQL 13, so the database owner can create it); on SQLite
this revision does nothing. The downgrade drops the indexes and leaves the extension (other
objects may use it). Building the three indexes locks writes to `cases` and `enterprises` while
it runs (about a minute at a million cases, docs/performance.md); run `VACUUM ANALYZE` after
upgrading a large database.

Revision ID: d5c70c2feef6
Revises: fd0eee1e9b99
Create Date: 2026-11-27 12:00:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5c70c2feef6'
down_revision = 'fd0eee1e9b99'
branch_labels = None
depends_on = None

# (index, table, column)
TRIGRAM_INDEXES = [
    ('ix_cases_number_trgm', 'cases', 'number'),
    ('ix_cases_title_trgm', 'cases', 'title'),
    ('ix_enterprises_name_trgm', 'enterprises', 'name'),
]


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for name, table, column in TRIGRAM_INDEXES:
        op.create_index(name, table, [column], unique=False, postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, table, _column in reversed(TRIGRAM_INDEXES):
        op.drop_index(name, table_name=table)
