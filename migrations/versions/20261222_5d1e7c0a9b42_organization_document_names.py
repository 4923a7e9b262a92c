"""the names the printed documents carry: a union's mediation committee, a city's arbitration
commission (docs/translations.md, "The documents' issuers")

Revision ID: 5d1e7c0a9b42
Revises: 58df9f6ff7b4
Create Date: 2026-12-22 09:00:00.000000+00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5d1e7c0a9b42"
down_revision = "58df9f6ff7b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("committee_name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("arbitration_commission", sa.String(length=200), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("arbitration_commission")
        batch_op.drop_column("committee_name")
