"""session generation

Each user's browser sessions carry the number this column held when they signed in; sign-out,
a password reset, a deactivation and a change of role or organization move it on, which ends
every session signed in before (docs/security.md "Sessions"). Existing sessions, which carry no
number, end once when this is deployed.

Revision ID: e3b1c9d4f702
Revises: 4235e5a71fc7
Create Date: 2026-12-04 09:00:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b1c9d4f702'
down_revision = '4235e5a71fc7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
