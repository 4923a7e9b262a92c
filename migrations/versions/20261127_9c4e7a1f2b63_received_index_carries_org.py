"""received index carries the handling organization

`ix_cases_received_id` (received_at, id) gains INCLUDE (handling_org_id) on PostgreSQL: the
case list now chooses a page's ids first (a deferred join, `queries.paginate_case_list`), and in
the default order an officer's scope is then checked from the index alone (an index-only scan)
instead of visiting every skipped case's row: page 20 of a town's list 3.5 -> 0.9 ms at a
million cases (docs/performance.md, "The deferred join"). SQLite keeps the plain index. Rebuilding it
takes a few seconds at a million cases, writes to `cases` waiting meanwhile; run
`VACUUM ANALYZE cases` after, so that the index-only scans need no visits to the table.

Revision ID: 9c4e7a1f2b63
Revises: 3b8e51c0a9d4
Create Date: 2026-11-27 16:20:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4e7a1f2b63'
down_revision = '3b8e51c0a9d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_received_id')
        batch_op.create_index('ix_cases_received_id', ['received_at', 'id'], unique=False, postgresql_include=['handling_org_id'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_received_id', postgresql_include=['handling_org_id'])
        batch_op.create_index('ix_cases_received_id', ['received_at', 'id'], unique=False)
