"""first alert moments

`cases.first_town_alert_at` and `cases.first_city_alert_at`: when the first alert targeting the
town / the city tier was raised on the case (kept by the warning engine; the statistics' days at
each tier read them instead of the alerts), backfilled with one UPDATE from the alerts' earliest
`raised_at` per tier (the best the alerts still tell: a re-raised alert row has lost its first
moment); both added to the covering index `ix_cases_stats_received`; `ix_cases_handling_org_state`
includes `id` (run `VACUUM ANALYZE cases` after upgrading a large database, so that index-only
scans apply).

Revision ID: fd0eee1e9b99
Revises: 746bc9487064
Create Date: 2026-11-27 09:40:00.000000+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fd0eee1e9b99'
down_revision = '746bc9487064'
branch_labels = None
depends_on = None

RECEIVED_INCLUDE = ['id', 'handling_org_id', 'state', 'kind', 'category', 'tier',
                    'workers_involved', 'claim_amount_fen', 'accepted_at', 'closed_at']


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_stats_received', postgresql_include=RECEIVED_INCLUDE)
        batch_op.add_column(sa.Column('first_town_alert_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_city_alert_at', sa.DateTime(timezone=True), nullable=True))

    # the earliest alert of each case targeting the town and the city (before the index)
    op.execute(
        """
        UPDATE cases
        SET first_town_alert_at = first.town_at, first_city_alert_at = first.city_at
        FROM (
            SELECT case_id,
                   min(CASE WHEN target_tier = 'town' THEN raised_at END) AS town_at,
                   min(CASE WHEN target_tier = 'city' THEN raised_at END) AS city_at
            FROM alerts
            WHERE target_tier IN ('town', 'city')
            GROUP BY case_id
        ) AS first
        WHERE first.case_id = cases.id
        """
    )

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_stats_received', ['received_at'], unique=False, postgresql_include=[*RECEIVED_INCLUDE, 'first_town_alert_at', 'first_city_alert_at'])
        # the ids of an organization's cases from the index alone (the statistics' alerts in scope)
        batch_op.drop_index('ix_cases_handling_org_state')
        batch_op.create_index('ix_cases_handling_org_state', ['handling_org_id', 'state'], unique=False, postgresql_include=['id'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_handling_org_state', postgresql_include=['id'])
        batch_op.create_index('ix_cases_handling_org_state', ['handling_org_id', 'state'], unique=False)
        batch_op.drop_index('ix_cases_stats_received', postgresql_include=[*RECEIVED_INCLUDE, 'first_town_alert_at', 'first_city_alert_at'])
        batch_op.drop_column('first_city_alert_at')
        batch_op.drop_column('first_town_alert_at')
        batch_op.create_index('ix_cases_stats_received', ['received_at'], unique=False, postgresql_include=RECEIVED_INCLUDE)
