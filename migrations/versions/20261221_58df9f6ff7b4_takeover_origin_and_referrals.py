"""read-only access after a take-over; referrals between unions

`cases.origin_org_id`: the union that handled a case before a higher one first took it over,
whose path keeps reading the case (docs/security.md "Read-only access after a take-over"),
filled from the take-over events already on the timelines. `case_referrals`: a report handed
by one union to the union of its employer's area (docs/referrals.md).

Revision ID: 58df9f6ff7b4
Revises: 5640cd53596e
Create Date: 2026-12-03 19:43:55.103104+00:00

"""

import json
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "58df9f6ff7b4"
down_revision = "5640cd53596e"
branch_labels = None
depends_on = None


@contextmanager
def _rebuilding_tables():
    """SQLite rebuilds `cases` to add a referencing column, which it cannot do while other
    tables refer to its rows: the references are off during the rebuild and checked after it
    (as in 3b2ab74a2ad3). The pragma is ignored inside a transaction: an autocommit block."""
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
    op.create_table(
        "case_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_org_id", sa.Integer(), nullable=False),
        sa.Column("to_org_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "accepted", "declined", name="referral_status",
                native_enum=False, create_constraint=True, length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint("from_org_id <> to_org_id", name=op.f("ck_case_referrals_two_unions")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_referrals_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_case_referrals_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_case_referrals_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["from_org_id"],
            ["organizations.id"],
            name=op.f("fk_case_referrals_from_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["to_org_id"],
            ["organizations.id"],
            name=op.f("fk_case_referrals_to_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_referrals")),
    )
    with op.batch_alter_table("case_referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_case_referrals_from_org_status", ["from_org_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_case_referrals_to_org_status", ["to_org_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_case_referrals_pending_case",
            ["case_id"],
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )

    with _rebuilding_tables():
        with op.batch_alter_table("cases", schema=None) as batch_op:
            batch_op.add_column(sa.Column("origin_org_id", sa.Integer(), nullable=True))
            batch_op.create_index(
                "ix_cases_origin_org",
                ["origin_org_id"],
                unique=False,
                postgresql_where=sa.text("origin_org_id IS NOT NULL"),
                sqlite_where=sa.text("origin_org_id IS NOT NULL"),
            )
            batch_op.create_foreign_key(
                batch_op.f("fk_cases_origin_org_id_organizations"),
                "organizations",
                ["origin_org_id"],
                ["id"],
            )
    _fill_origins()


def _fill_origins():
    """A case taken over before: its first take-over event's former handling organization."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT case_id, data FROM case_events WHERE kind = 'takeover' ORDER BY case_id, seq"
        )
    )
    origins: dict[int, int] = {}
    for case_id, data in rows:
        if case_id in origins:
            continue
        values = json.loads(data) if isinstance(data, str) else (data or {})
        change = values.get("handling_org_id")
        if isinstance(change, list) and change and change[0] is not None:
            origins[case_id] = int(change[0])
    for case_id, org_id in origins.items():
        bind.execute(
            sa.text("UPDATE cases SET origin_org_id = :org WHERE id = :id"),
            {"org": org_id, "id": case_id},
        )


def downgrade():
    with _rebuilding_tables():
        with op.batch_alter_table("cases", schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f("fk_cases_origin_org_id_organizations"), type_="foreignkey"
            )
            batch_op.drop_index("ix_cases_origin_org")
            batch_op.drop_column("origin_org_id")
    with op.batch_alter_table("case_referrals", schema=None) as batch_op:
        batch_op.drop_index("uq_case_referrals_pending_case")
        batch_op.drop_index("ix_case_referrals_to_org_status")
        batch_op.drop_index("ix_case_referrals_from_org_status")
        batch_op.drop_index(batch_op.f("ix_case_referrals_case_id"))
    op.drop_table("case_referrals")
