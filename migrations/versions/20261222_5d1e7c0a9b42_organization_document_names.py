"""the names the printed documents carry: a union's mediation committee, a city's arbitration
commission (docs/translations.md, "The documents' issuers")

Revision ID: 5d1e7c0a9b42
Revises: 58df9f6ff7b4
Create Date: 2026-12-22 09:00:00.000000+00:00

"""

import sqlalchemy as sa
from contextlib import contextmanager

from alembic import op

revision = "5d1e7c0a9b42"
down_revision = "58df9f6ff7b4"
branch_labels = None
depends_on = None



@contextmanager
def _rebuilding_tables():
    """SQLite rebuilds a table other tables refer to (batch mode), which it cannot do while
    their references are enforced: they are off during the rebuild (Alembic's batch-mode
    recipe) and checked after it (as in the construction projects' migration)."""
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
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("committee_name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("arbitration_commission", sa.String(length=200), nullable=True)
        )


def _downgrade():
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("arbitration_commission")
        batch_op.drop_column("committee_name")
