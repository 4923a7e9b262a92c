"""statistics to the official definitions (issue 21)

- `cases.mediation_ended_at`: the first moment a mediation ended without an agreement (it
  failed, or the application was withdrawn while accepted or being mediated), read back from
  each case's timeline; with `agreed_at` it gives the mediations concluded in a period, the
  success rate's denominator.
- The categories split in two: `termination` (终止) beside `dismissal` (now dissolution, 解除)
  and `compensation` (economic compensation or damages) beside `injury_compensation` (now work
  injury). Existing cases are mapped conservatively: a case moves only when its title or
  description names the new category and not the old one; an open case whose text names
  neither is flagged for review (`cases.category_review`), and the mediator clears the flag by
  choosing the category. Closed cases are never flagged (they cannot be edited).
- The statistics' covering indexes carry the columns of the new figures, and four partial
  indexes serve the concluded mediations, the agreements due, the cases open now (carried
  over) and the cases in arbitration (docs/statistics.md, docs/performance.md "Statistics page").

Revision ID: 7c9ba2757d47
Revises: 7441382cddad
Create Date: 2026-12-18 19:44:44.833755+00:00

"""

from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "7c9ba2757d47"
down_revision = "7441382cddad"
branch_labels = None
depends_on = None

CATEGORIES = [
    "employment_relationship",
    "contract",
    "dismissal",
    "remuneration",
    "social_insurance",
    "working_conditions",
    "injury_compensation",
    "other",
]
NEW_CATEGORIES = ["termination", "compensation"]

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
    "outcome",
]
RECEIVED_EXTRA = ["enterprise_id", "channel", "is_migrant", "is_construction", "paid_amount_fen"]
CLOSED_INCLUDE = ["received_at", "handling_org_id", "outcome", "paid_amount_fen"]
CLOSED_EXTRA = ["referral_target", "award_final"]

# the words that name each side of a split category in a case's title or description
DISSOLUTION_WORDS = ["解除", "辞退", "开除", "除名", "辞职", "离职"]
TERMINATION_WORDS = ["终止", "到期", "期满"]
INJURY_WORDS = ["工伤", "伤残", "职业病"]
COMPENSATION_WORDS = ["经济补偿", "赔偿金"]


def _mentions(words: list[str]) -> str:
    return "(" + " OR ".join(
        f"(title LIKE '%{w}%' OR description LIKE '%{w}%')" for w in words
    ) + ")"


@contextmanager
def _rebuilding_tables():
    """SQLite rebuilds `cases` to change its CHECK, which it cannot do while other tables refer
    to its rows: the references are off during the rebuild and checked after it."""
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


def _category_check(batch_op, values: list[str]) -> None:
    batch_op.drop_constraint(op.f("ck_cases_category"), type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    batch_op.create_check_constraint("category", f"category IN ({listed})")


def _stats_indexes(new: bool) -> None:
    received, closed = RECEIVED_INCLUDE, CLOSED_INCLUDE
    received_new, closed_new = received + RECEIVED_EXTRA, closed + CLOSED_EXTRA
    if not new:
        received, received_new = received_new, received
        closed, closed_new = closed_new, closed
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_stats_received", postgresql_include=received)
        batch_op.create_index(
            "ix_cases_stats_received", ["received_at"], unique=False,
            postgresql_include=received_new,
        )  # fmt: skip
        where = sa.text("closed_at IS NOT NULL")
        batch_op.drop_index("ix_cases_stats_closed", postgresql_include=closed, postgresql_where=where)
        batch_op.create_index(
            "ix_cases_stats_closed", ["closed_at"], unique=False,
            postgresql_include=closed_new, postgresql_where=where,
        )  # fmt: skip


def upgrade():
    with _rebuilding_tables():
        _upgrade()


def downgrade():
    with _rebuilding_tables():
        _downgrade()


def _upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "cases", schema=None, recreate="always" if sqlite else "auto"
    ) as batch_op:
        batch_op.add_column(sa.Column("mediation_ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("category_review", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        _category_check(batch_op, CATEGORIES + NEW_CATEGORIES)

    # the first end of a mediation without agreement, from the timeline
    op.execute(
        """
        UPDATE cases SET mediation_ended_at = ended.at
        FROM (
            SELECT case_id, min(at) AS at FROM case_events
            WHERE trigger = 'fail_mediation'
               OR (trigger = 'withdraw' AND from_state IN ('accepted', 'mediating'))
            GROUP BY case_id
        ) AS ended
        WHERE ended.case_id = cases.id
        """
    )

    # the split categories: move what the text names unambiguously, flag open cases it doesn't
    dissolution, termination = _mentions(DISSOLUTION_WORDS), _mentions(TERMINATION_WORDS)
    injury, compensation = _mentions(INJURY_WORDS), _mentions(COMPENSATION_WORDS)
    op.execute(
        f"UPDATE cases SET category = 'termination' WHERE category = 'dismissal' "
        f"AND {termination} AND NOT {dissolution}"
    )
    op.execute(
        f"UPDATE cases SET category_review = true WHERE category = 'dismissal' "
        f"AND state <> 'closed' AND NOT {dissolution}"
    )
    op.execute(
        f"UPDATE cases SET category = 'compensation' WHERE category = 'injury_compensation' "
        f"AND {compensation} AND NOT {injury}"
    )
    op.execute(
        f"UPDATE cases SET category_review = true WHERE category = 'injury_compensation' "
        f"AND state <> 'closed' AND NOT {injury}"
    )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_stats_arbitration", ["handling_org_id"], unique=False,
            postgresql_include=[
                "referral_target", "arbitration_decision", "arbitration_decided_on", "award_on",
                "outcome",
            ],
            postgresql_where=sa.text("state = 'referred'"),
        )  # fmt: skip
        batch_op.create_index(
            "ix_cases_stats_due", ["agreement_due_on"], unique=False,
            postgresql_include=["handling_org_id", "outcome", "agreed_at"],
            postgresql_where=sa.text("agreement_due_on IS NOT NULL"),
        )  # fmt: skip
        batch_op.create_index(
            "ix_cases_stats_open", ["received_at"], unique=False,
            postgresql_include=["handling_org_id", "outcome"],
            postgresql_where=sa.text("closed_at IS NULL"),
        )  # fmt: skip
        batch_op.create_index(
            "ix_cases_stats_mediation_ended", ["mediation_ended_at"], unique=False,
            postgresql_include=["handling_org_id", "outcome"],
            postgresql_where=sa.text("mediation_ended_at IS NOT NULL"),
        )  # fmt: skip
    _stats_indexes(new=True)


def _downgrade():
    _stats_indexes(new=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_stats_open", postgresql_where=sa.text("closed_at IS NULL"))
        batch_op.drop_index("ix_cases_stats_mediation_ended", postgresql_where=sa.text("mediation_ended_at IS NOT NULL"))
        batch_op.drop_index("ix_cases_stats_due", postgresql_where=sa.text("agreement_due_on IS NOT NULL"))
        batch_op.drop_index("ix_cases_stats_arbitration", postgresql_where=sa.text("state = 'referred'"))
    # back to the merged categories
    op.execute("UPDATE cases SET category = 'dismissal' WHERE category = 'termination'")
    op.execute("UPDATE cases SET category = 'injury_compensation' WHERE category = 'compensation'")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "cases", schema=None, recreate="always" if sqlite else "auto"
    ) as batch_op:
        _category_check(batch_op, CATEGORIES)
        batch_op.drop_column("category_review")
        batch_op.drop_column("mediation_ended_at")
