"""construction projects: the register, a case's project, a project's alerts
(docs/enterprise-file.md "Construction projects")

Revision ID: 92f37cec5e95
Revises: 480dae5ccc61
Create Date: 2026-12-03 19:48:30.532789+00:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '92f37cec5e95'
down_revision = "480dae5ccc61"
branch_labels = None
depends_on = None

SUBJECTS = (
    "(CASE WHEN case_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN incident_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) = 1"
)


@contextmanager
def _rebuilding_tables():
    """SQLite rebuilds `cases` and `alerts` to add a referencing column and change a CHECK,
    which it cannot do while other tables refer to their rows: the references are off during
    the rebuild (Alembic's batch-mode recipe) and checked after it."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys = OFF")
    yield
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys = ON")


def upgrade():
    with _rebuilding_tables():
        _upgrade()


def downgrade():
    with _rebuilding_tables():
        _downgrade()


def _upgrade():
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('builder_id', sa.Integer(), nullable=True),
    sa.Column('general_contractor_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('planned_completion_on', sa.Date(), nullable=True),
    sa.Column('wage_account_bank', sa.String(length=200), nullable=True),
    sa.Column('wage_account_opened_on', sa.Date(), nullable=True),
    sa.Column('deposit_amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('deposit_form', sa.Enum('cash', 'bank_guarantee', 'guarantee_company', 'insurance', name='project_deposit_form', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('deposit_status', sa.Enum('none', 'lodged', 'exempted', 'drawn', 'returned', name='project_deposit_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('real_name_registration', sa.Boolean(), nullable=False),
    sa.Column('rights_board_posted', sa.Boolean(), nullable=False),
    sa.Column('payroll_paid_through', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('deposit_amount_fen IS NULL OR deposit_amount_fen > 0', name=op.f('ck_projects_deposit_positive')),
    sa.CheckConstraint('planned_completion_on IS NULL OR planned_completion_on >= started_on', name=op.f('ck_projects_completion_after_start')),
    sa.ForeignKeyConstraint(['builder_id'], ['enterprises.id'], name=op.f('fk_projects_builder_id_enterprises')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users')),
    sa.ForeignKeyConstraint(['general_contractor_id'], ['enterprises.id'], name=op.f('fk_projects_general_contractor_id_enterprises')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_projects_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_builder_id'), ['builder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_general_contractor_id'), ['general_contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index('ix_projects_org_completion', ['organization_id', 'planned_completion_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_organization_id'), ['organization_id'], unique=False)

    op.create_table('project_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('campaign_year', sa.Integer(), nullable=False),
    sa.Column('item', sa.Enum('site_visited', 'payroll_checked', 'account_checked', 'board_checked', 'arrears_cleared', name='project_check_item', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_project_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_checks_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_checks')),
    sa.UniqueConstraint('project_id', 'campaign_year', 'item', name=op.f('uq_project_checks_project_id_campaign_year_item'))
    )
    with op.batch_alter_table('project_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_checks_project_id'), ['project_id'], unique=False)

    op.create_table('project_subcontractors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('leader_name', sa.String(length=100), nullable=True),
    sa.Column('leader_id_number', sa.String(length=18), nullable=True),
    sa.Column('trade', sa.String(length=100), nullable=True),
    sa.CheckConstraint('(enterprise_id IS NULL) <> (leader_name IS NULL)', name=op.f('ck_project_subcontractors_enterprise_or_person')),
    sa.CheckConstraint('leader_name IS NULL OR leader_id_number IS NOT NULL', name=op.f('ck_project_subcontractors_person_has_id')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_project_subcontractors_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_subcontractors_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_subcontractors'))
    )
    with op.batch_alter_table('project_subcontractors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_subcontractors_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_subcontractors_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_alerts_project_id_rule_target_tier'), ['project_id', 'rule', 'target_tier'])
        batch_op.create_foreign_key(batch_op.f('fk_alerts_project_id_projects'), 'projects', ['project_id'], ['id'])
        # exactly one subject, as a sum of terms: a new kind of subject adds one term
        batch_op.drop_constraint(batch_op.f('ck_alerts_case_or_incident'), type_='check')
        batch_op.create_check_constraint(op.f('ck_alerts_case_or_incident'), SUBJECTS)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_project_id'), ['project_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cases_project_id_projects'), 'projects', ['project_id'], ['id'])



def _downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_project_id_projects'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_project_id'))
        batch_op.drop_column('project_id')

    # the projects' alerts (and their notifications) go with the projects
    op.execute(
        "DELETE FROM notifications WHERE alert_id IN "
        "(SELECT id FROM alerts WHERE project_id IS NOT NULL)"
    )
    op.execute(
        "DELETE FROM in_app_notices WHERE alert_id IN "
        "(SELECT id FROM alerts WHERE project_id IS NOT NULL)"
    )
    op.execute("UPDATE alerts SET climbed_from_id = NULL WHERE project_id IS NOT NULL")
    op.execute("DELETE FROM alerts WHERE project_id IS NOT NULL")
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_alerts_case_or_incident'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_alerts_case_or_incident'), '(case_id IS NULL) <> (incident_id IS NULL)'
        )
        batch_op.drop_constraint(batch_op.f('fk_alerts_project_id_projects'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_alerts_project_id_rule_target_tier'), type_='unique')
        batch_op.drop_column('project_id')

    with op.batch_alter_table('project_subcontractors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_subcontractors_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_subcontractors_enterprise_id'))

    op.drop_table('project_subcontractors')
    with op.batch_alter_table('project_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_checks_project_id'))

    op.drop_table('project_checks')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_organization_id'))
        batch_op.drop_index('ix_projects_org_completion')
        batch_op.drop_index(batch_op.f('ix_projects_next_check_at'))
        batch_op.drop_index(batch_op.f('ix_projects_name'))
        batch_op.drop_index(batch_op.f('ix_projects_general_contractor_id'))
        batch_op.drop_index(batch_op.f('ix_projects_builder_id'))

    op.drop_table('projects')
