"""enterprise contacts: who the union writes to

`enterprises.contact_person`, `contact_phone` (digits) and `contact_email`: the employer's
day-before hearing reminder goes there (docs/circuit-court-and-meetings.md).

Revision ID: 117ea5732b94
Revises: 9c544417d8b5
Create Date: 2026-12-03 16:58:00.685585+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '117ea5732b94'
down_revision = '9c544417d8b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_person', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_person')
