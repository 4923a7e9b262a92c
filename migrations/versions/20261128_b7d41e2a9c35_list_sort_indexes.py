"""indexes for the case list's other sorts

Every sort of the case list but the default one (newest first) sorted the whole of a scope:
0.1 to 0.2 s a page at a million cases for the administrator and a town's officer, and
0.08 to 0.46 s for the town's officer sorting by number (docs/performance.md, "Indexes for
every sort").

- `updated_at`, `workers_involved`, `claim_amount_fen`: each with `id` (the tie-break) and,
  on PostgreSQL, the handling organization (an officer's scope checked from the index).
- `(handling_org_id, number, id)`: a number begins with its organization's code, so a scope's
  numbers are a few runs in the number's order; the list reads them per organization.

Building them takes a few seconds at a million cases, writes to `cases` waiting meanwhile.

Revision ID: b7d41e2a9c35
Revises: 5e2d7b9c1a40
Create Date: 2026-11-28 00:40:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e2a9c35'
down_revision = '5e2d7b9c1a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_updated_id', ['updated_at', 'id'], unique=False, postgresql_include=['handling_org_id'])
        batch_op.create_index('ix_cases_workers_id', ['workers_involved', 'id'], unique=False, postgresql_include=['handling_org_id'])
        batch_op.create_index('ix_cases_claim_id', ['claim_amount_fen', 'id'], unique=False, postgresql_include=['handling_org_id'])
        batch_op.create_index('ix_cases_handling_org_number', ['handling_org_id', 'number', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_handling_org_number')
        batch_op.drop_index('ix_cases_claim_id', postgresql_include=['handling_org_id'])
        batch_op.drop_index('ix_cases_workers_id', postgresql_include=['handling_org_id'])
        batch_op.drop_index('ix_cases_updated_id', postgresql_include=['handling_org_id'])
