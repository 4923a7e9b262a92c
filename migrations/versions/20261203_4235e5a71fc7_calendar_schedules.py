"""calendar schedules

The administrators' table of official working-day schedules (docs/domain.md "Calendars and
time"): a row per year entered and a row per holiday or adjusted working day of it. It
overrides the `chinesecalendar` package and the computed fallback, so a year the package does
not know yet (2027 on) can be counted on its published schedule without a release.

Revision ID: 4235e5a71fc7
Revises: 2cae6b81c89c
Create Date: 2026-12-03 13:32:48.853615+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4235e5a71fc7'
down_revision = '2cae6b81c89c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['calendar_years.year'], name=op.f('fk_calendar_days_year_calendar_years'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_year'))

    op.drop_table('calendar_days')
    op.drop_table('calendar_years')
