"""worker roster and merged cases

The roster of a collective dispute (`case_workers`: each worker, what they are owed and paid,
the elected representatives, the case a merge brought them from), the link of a merged report
to the case it joined (`cases.merged_into_id`) and the closure outcome `merged`
(docs/collective.md). Existing cases keep their single worker's fields and head-count: no
roster is made up for them.

Revision ID: 3b2ab74a2ad3
Revises: 66bc175b24ff
Create Date: 2026-12-03 16:13:12.370112+00:00

"""

from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

OUTCOMES = [
    "not_accepted",
    "agreement_performed",
    "withdrawn",
    "worker_won",
    "employer_won",
    "partly",
    "mediated_in_arbitration",
    "dismissed",
    "partly_performed",
]

# the statistics' covering indexes (PostgreSQL INCLUDE) gain `outcome`, which their filter
# leaving merged reports out reads: without it a period's cases are no longer read from the
# index alone
RECEIVED_INCLUDE = [
    "id",
    "handling_org_id",
    "state",
    "kind",
    "category",
    "tier",
    "workers_involved",
    "claim_amount_fen",
    "accepted_at",
    "closed_at",
    "first_town_alert_at",
    "first_city_alert_at",
]
AGREED_INCLUDE = ["received_at", "handling_org_id", "agreement_amount_fen"]


def _stats_indexes(with_outcome: bool) -> None:
    extra = ["outcome"] if with_outcome else []
    before = [] if with_outcome else ["outcome"]
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_stats_received", postgresql_include=RECEIVED_INCLUDE + before)
        batch_op.create_index(
            "ix_cases_stats_received",
            ["received_at"],
            unique=False,
            postgresql_include=RECEIVED_INCLUDE + extra,
        )
        batch_op.drop_index(
            "ix_cases_stats_agreed",
            postgresql_include=AGREED_INCLUDE + before,
            postgresql_where=sa.text("agreed_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_cases_stats_agreed",
            ["agreed_at"],
            unique=False,
            postgresql_include=AGREED_INCLUDE + extra,
            postgresql_where=sa.text("agreed_at IS NOT NULL"),
        )


# revision identifiers, used by Alembic.
revision = "3b2ab74a2ad3"
down_revision = "66bc175b24ff"
branch_labels = None
depends_on = None


@contextmanager
def _rebuilding_tables():
    """SQLite rebuilds `cases` to change its CHECK and add a referencing column, which it
    cannot do while other tables refer to its rows: the references are off during the rebuild
    (Alembic's batch-mode recipe) and checked after it."""
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


def _outcome_check(batch_op, values: list[str]) -> None:
    batch_op.drop_constraint(op.f("ck_cases_outcome"), type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    batch_op.create_check_constraint("outcome", f"outcome IN ({listed})")


def upgrade():
    with _rebuilding_tables():
        _upgrade()


def downgrade():
    with _rebuilding_tables():
        _downgrade()


def _upgrade():
    op.create_table(
        "case_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("first_unpaid_on", sa.Date(), nullable=True),
        sa.Column("months_owed", sa.Integer(), nullable=True),
        sa.Column("amount_owed_fen", sa.BigInteger(), nullable=True),
        sa.Column("amount_paid_fen", sa.BigInteger(), nullable=True),
        sa.Column("representative", sa.Boolean(), nullable=False),
        sa.Column("merged_from_case_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "amount_owed_fen IS NULL OR amount_owed_fen >= 0",
            name=op.f("ck_case_workers_amount_owed"),
        ),
        sa.CheckConstraint(
            "amount_paid_fen IS NULL OR amount_paid_fen >= 0",
            name=op.f("ck_case_workers_amount_paid"),
        ),
        sa.CheckConstraint(
            "months_owed IS NULL OR months_owed >= 0", name=op.f("ck_case_workers_months_owed")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_workers_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["merged_from_case_id"],
            ["cases.id"],
            name=op.f("fk_case_workers_merged_from_case_id_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_workers")),
    )
    with op.batch_alter_table("case_workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_workers_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_workers_id_number", ["id_number"], unique=False)
        batch_op.create_index("ix_case_workers_phone", ["phone"], unique=False)

    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "cases", schema=None, recreate="always" if sqlite else "auto"
    ) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_cases_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_merged_into_id_cases"), "cases", ["merged_into_id"], ["id"]
        )
        _outcome_check(batch_op, OUTCOMES + ["merged"])
    _stats_indexes(with_outcome=True)


def _downgrade():
    # a merged report goes back to the nearest old outcome (withdrawn: it was not pursued on
    # its own); its timeline keeps the merge
    op.execute("UPDATE cases SET outcome = 'withdrawn' WHERE outcome = 'merged'")
    _stats_indexes(with_outcome=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "cases", schema=None, recreate="always" if sqlite else "auto"
    ) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_merged_into_id_cases"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_merged_into_id"))
        batch_op.drop_column("merged_into_id")
        _outcome_check(batch_op, OUTCOMES)

    with op.batch_alter_table("case_workers", schema=None) as batch_op:
        batch_op.drop_index("ix_case_workers_phone")
        batch_op.drop_index("ix_case_workers_id_number")
        batch_op.drop_index(batch_op.f("ix_case_workers_case_id"))

    op.drop_table("case_workers")
