"""job leases and marks

Any number of scheduler processes may run: each job runs under a lease row (`job_leases`), and
the daily digest leaves a marker per day (`job_marks`), so that it is queued once a day however
many schedulers run it (docs/architecture.md "Scheduler").

Revision ID: c4f1a7e2d9b8
Revises: e3b1c9d4f702
Create Date: 2026-12-05 09:00:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1a7e2d9b8'
down_revision = 'e3b1c9d4f702'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_leases',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_leases'))
    )
    op.create_table('job_marks',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_marks'))
    )


def downgrade():
    op.drop_table('job_marks')
    op.drop_table('job_leases')
