"""statutory clocks

The facts and records the clocks need (docs/domain.md "Clocks in detail"): the application
moment apart from the report, the employment status, the first unpaid pay day and an agreed
delay, the agreement's instalments and default, the arbitration stage, the last reopening and
the clocks' adjustments. New codes in three checked vocabularies: the channel `written`, the
outcome `partly_performed` and the event kinds `application`, `clock`, `arbitration`, `payment`.

Existing data: a case already past `reported` (or registered through an application channel)
received its application when it was registered, as before; the employment status is `ended`
where an end date is known and `unknown` otherwise. `wages_unpaid_since` stays empty: the
arrears rule falls back to the months reported at registration.

Revision ID: 2cae6b81c89c
Revises: b7d41e2a9c35
Create Date: 2026-12-03 13:14:03.241150+00:00

"""

from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

CHANNELS = ["walk_in", "hotline", "advocate", "online", "referral", "inspection"]
OUTCOMES = [
    "not_accepted",
    "agreement_performed",
    "withdrawn",
    "worker_won",
    "employer_won",
    "partly",
    "mediated_in_arbitration",
    "dismissed",
]
EVENT_KINDS = [
    "created",
    "transition",
    "edit",
    "note",
    "visit",
    "assignment",
    "attachment",
    "alert",
    "acknowledgement",
    "takeover",
]
NEW = {
    ("cases", "channel", "channel"): ["written"],
    ("cases", "outcome", "outcome"): ["partly_performed"],
    ("case_events", "event_kind", "kind"): ["application", "clock", "arbitration", "payment"],
}
OLD = {"channel": CHANNELS, "outcome": OUTCOMES, "event_kind": EVENT_KINDS}
# the append-only guard of the timeline (as in mediation/cases/models.py), which SQLite's
# table rebuild drops with the old table
APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER case_events_no_{op_.lower()} BEFORE {op_} ON case_events "
    f"BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END"
    for op_ in ("UPDATE", "DELETE")
]


def _checks(new: bool, tables: tuple[str, ...] = ("cases", "case_events")) -> None:
    """Replace the CHECK constraints of the vocabularies that gain codes."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    by_table: dict[str, list] = {}
    for (table, name, column), added in NEW.items():
        if table not in tables:
            continue
        values = OLD[name] + (added if new else [])
        by_table.setdefault(table, []).append((name, column, values))
    for table, checks in by_table.items():
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch_op:
            for name, column, values in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
                listed = ", ".join(f"'{v}'" for v in values)
                batch_op.create_check_constraint(name, f"{column} IN ({listed})")
        if sqlite and table == "case_events":
            for statement in APPEND_ONLY_SQLITE:
                op.execute(statement)


@contextmanager
def _rebuilding_tables():
    """SQLite changes a CHECK (or adds a checked column) by rebuilding the table, which it
    cannot drop while other tables refer to its rows: the references are off during the
    rebuild (Alembic's batch-mode recipe) and checked after it. The pragma is ignored inside a
    transaction, so it is set in an autocommit block."""
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


# revision identifiers, used by Alembic.
revision = "2cae6b81c89c"
down_revision = "b7d41e2a9c35"
branch_labels = None
depends_on = None


def upgrade():
    with _rebuilding_tables():
        _upgrade()


def downgrade():
    with _rebuilding_tables():
        _downgrade()


def _upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("application_received_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "employment_status",
                sa.Enum(
                    "ongoing",
                    "ended",
                    "unknown",
                    name="employment_status",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
                server_default="unknown",
            )
        )
        batch_op.add_column(sa.Column("wages_unpaid_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("wage_delay_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("instalments", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("defaulted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("arbitration_applied_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "arbitration_decision",
                sa.Enum(
                    "accepted",
                    "refused",
                    name="arbitration_decision",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("arbitration_decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("award_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("award_final", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "reopen_reason",
                sa.Enum(
                    "new_application",
                    "default_after_closure",
                    "enforcement_only",
                    name="reopen_reason",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("clock_adjustments", sa.JSON(), nullable=True))

    op.execute(
        "UPDATE cases SET application_received_at = received_at "
        "WHERE state <> 'reported' OR channel IN ('walk_in', 'online')"
    )
    op.execute("UPDATE cases SET employment_status = 'ended' WHERE employment_ended_at IS NOT NULL")
    _checks(new=True)


def _downgrade():
    # the new codes go back to their nearest old ones; the timeline is append-only, so its rows
    # of the new kinds stay and its wider check with them
    op.execute("UPDATE cases SET channel = 'walk_in' WHERE channel = 'written'")
    op.execute("UPDATE cases SET outcome = 'withdrawn' WHERE outcome = 'partly_performed'")
    _checks(new=False, tables=("cases",))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("reopen_reason", "arbitration_decision", "employment_status"):
            batch_op.drop_constraint(op.f(f"ck_cases_{name}"), type_="check")
        batch_op.drop_column("clock_adjustments")
        batch_op.drop_column("reopen_reason")
        batch_op.drop_column("reopened_at")
        batch_op.drop_column("award_final")
        batch_op.drop_column("award_on")
        batch_op.drop_column("arbitration_decided_on")
        batch_op.drop_column("arbitration_decision")
        batch_op.drop_column("arbitration_applied_on")
        batch_op.drop_column("defaulted_at")
        batch_op.drop_column("instalments")
        batch_op.drop_column("wage_delay_until")
        batch_op.drop_column("wages_unpaid_since")
        batch_op.drop_column("employment_status")
        batch_op.drop_column("application_received_at")
