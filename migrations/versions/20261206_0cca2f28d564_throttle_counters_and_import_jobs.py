"""throttle counters

Failed sign-ins are counted in `throttle_counters`, shared by every worker and host
(docs/security.md "Sign-in throttling").

Revision ID: 0cca2f28d564
Revises: c4f1a7e2d9b8
Create Date: 2026-12-06 09:00:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0cca2f28d564'
down_revision = 'c4f1a7e2d9b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_counters',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_counters'))
    )
    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_counters_window_start'), ['window_start'], unique=False)



def downgrade():
    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_counters_window_start'))

    op.drop_table('throttle_counters')
