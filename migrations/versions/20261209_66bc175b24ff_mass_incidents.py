"""mass incidents and their report chain; alerts on an incident

Incidents (`incidents`, `incident_reports`, `incident_cases`) and alerts that belong to either a
case or an incident: `alerts.case_id` becomes nullable, `alerts.incident_id` is added, exactly one
of the two is set, and (incident, rule, tier) is unique like (case, rule, tier)
(docs/incidents.md).

Revision ID: 66bc175b24ff
Revises: 0cca2f28d564
Create Date: 2026-12-03 16:10:02.287839+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '66bc175b24ff'
down_revision = '0cca2f28d564'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('employer_name', sa.String(length=200), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('learned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('behaviours', sa.JSON(), nullable=False),
    sa.Column('cause', sa.Enum('wage_arrears', 'social_insurance', 'dismissal', 'restructuring', 'working_conditions', 'injury', 'other', name='incident_cause', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('demands', sa.Text(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('nature', sa.Text(), nullable=True),
    sa.Column('trend', sa.Text(), nullable=True),
    sa.Column('escalation_risk', sa.Text(), nullable=True),
    sa.Column('impact', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('ongoing', 'contained', 'ended', name='incident_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('major', sa.Boolean(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('enterprise_id IS NOT NULL OR employer_name IS NOT NULL', name=op.f('ck_incidents_employer_known')),
    sa.CheckConstraint('participants >= 1', name=op.f('ck_incidents_participants_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incidents_created_by_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_incidents_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_incidents_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_incidents_status_started', ['status', 'started_at'], unique=False)

    op.create_table('incident_cases',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_incident_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_cases_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', 'case_id', name=op.f('pk_incident_cases'))
    )
    with op.batch_alter_table('incident_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_cases_case_id'), ['case_id'], unique=False)

    op.create_table('incident_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('verbal', 'written', 'follow_up', 'final', name='incident_report_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'in_person', 'document', 'fax', 'online', name='incident_report_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_incident_reports_author_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_reports_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_reports'))
    )
    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_reports_incident_id'), ['incident_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.alter_column('case_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_alerts_incident_id_rule_target_tier'), ['incident_id', 'rule', 'target_tier'])
        batch_op.create_foreign_key(batch_op.f('fk_alerts_incident_id_incidents'), 'incidents', ['incident_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_alerts_case_or_incident'), '(case_id IS NULL) <> (incident_id IS NULL)'
        )



def downgrade():
    # the incidents' alerts (and their notifications) go with the incidents
    op.execute(
        "DELETE FROM notifications WHERE alert_id IN "
        "(SELECT id FROM alerts WHERE incident_id IS NOT NULL)"
    )
    op.execute("UPDATE alerts SET climbed_from_id = NULL WHERE incident_id IS NOT NULL")
    op.execute("DELETE FROM alerts WHERE incident_id IS NOT NULL")
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_alerts_case_or_incident'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_alerts_incident_id_incidents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_alerts_incident_id_rule_target_tier'), type_='unique')
        batch_op.alter_column('case_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('incident_id')

    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_reports_incident_id'))

    op.drop_table('incident_reports')
    with op.batch_alter_table('incident_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_cases_case_id'))

    op.drop_table('incident_cases')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_status_started')
        batch_op.drop_index(batch_op.f('ix_incidents_organization_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_next_check_at'))
        batch_op.drop_index(batch_op.f('ix_incidents_enterprise_id'))

    op.drop_table('incidents')
