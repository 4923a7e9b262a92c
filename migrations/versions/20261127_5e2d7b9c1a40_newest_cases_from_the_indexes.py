"""newest cases from the indexes alone

Two changes for the case list's index-only scans (docs/performance.md, "Vacuum and the visibility map"):

- `ix_cases_handling_org_state_level` also carries `received_at` (PostgreSQL): a list filtered
  by state and level within a scope sorts its matches from the index instead of visiting each
  matching case's row.
- `cases` is vacuumed after every 1,000 new cases, and after 1% of its rows changed
  (PostgreSQL's defaults: 20% of the table, 200,000 cases at a million). An index-only scan
  visits a row unless the visibility map, which VACUUM keeps, says its page is visible to
  all; new cases are exactly the ones the default list shows first, so until the next vacuum
  each request read their rows: 0.2 ms more of PostgreSQL a request with 4,000 cases added.
  A vacuum of an insert-mostly table reads only the pages changed since the last one.
  (`autovacuum_vacuum_insert_*` needs PostgreSQL 13.)

Rebuilding the index takes a few seconds at a million cases, writes to `cases` waiting
meanwhile.

Revision ID: 5e2d7b9c1a40
Revises: 9c4e7a1f2b63
Create Date: 2026-11-27 23:00:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2d7b9c1a40'
down_revision = '9c4e7a1f2b63'
branch_labels = None
depends_on = None

CASES_AUTOVACUUM = {
    "autovacuum_vacuum_insert_threshold": "1000",
    "autovacuum_vacuum_insert_scale_factor": "0",
    "autovacuum_vacuum_scale_factor": "0.01",
}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_handling_org_state_level', postgresql_include=['id'])
        batch_op.create_index('ix_cases_handling_org_state_level', ['handling_org_id', 'state', 'warning_level'], unique=False, postgresql_include=['id', 'received_at'])
    if op.get_bind().dialect.name == 'postgresql':
        settings = ", ".join(f"{name} = {value}" for name, value in CASES_AUTOVACUUM.items())
        op.execute(f"ALTER TABLE cases SET ({settings})")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"ALTER TABLE cases RESET ({', '.join(CASES_AUTOVACUUM)})")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_handling_org_state_level', postgresql_include=['id', 'received_at'])
        batch_op.create_index('ix_cases_handling_org_state_level', ['handling_org_id', 'state', 'warning_level'], unique=False, postgresql_include=['id'])
