"""The case list as a table to export: the list's filters and order, every column an office
keeps in its spreadsheets, read a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select

from mediation.accounts.models import Role, User
from mediation.cases import queries
from mediation.cases.enums import (
    BUCKET_LABELS,
    COLLECTIVE_WORKERS,
    STATISTICS_BUCKETS,
    CaseKind,
    Category,
    Channel,
    Outcome,
    State,
)
from mediation.cases.enums import WarningLevel as Level
from mediation.cases.models import Case, CaseWorker
from mediation.core.enums import LabelledEnum
from mediation.core.i18n import _
from mediation.core.identifiers import mask_id_number
from mediation.core.messages import N_, NP_
from mediation.core.tables import CHUNK, LazyRows, Table, local_naive, yes_no, yuan
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier

CASE_HEADERS = [
    N_("Case number"), N_("Type"), N_("Category"), N_("Statistics category"), N_("State"),
    N_("Supervising tier"), N_("Warning level"), N_("Employer"), N_("Unified social credit code"),
    N_("Handling organization"), NP_("case", "Title"), N_("No. of workers"), N_("Collective"),
    N_("Migrant workers"), N_("Construction project"), N_("Claim amount (yuan)"),
    N_("Months in arrears"), N_("Channel"), N_("Received"), N_("Agreed amount (yuan)"),
    N_("Agreement due on"), N_("Paid amount (yuan)"), N_("Outcome"), N_("Closed"),
]  # fmt: skip
CASE_COLUMNS = (
    Case.number, Case.kind, Case.category, Case.state, Case.tier, Case.warning_level,
    Enterprise.name, Enterprise.credit_code, Organization.name, Case.title,
    Case.workers_involved, Case.is_migrant, Case.is_construction, Case.claim_amount_fen,
    Case.arrears_months, Case.channel, Case.received_at, Case.agreement_amount_fen,
    Case.agreement_due_on, Case.paid_amount_fen, Case.outcome, Case.closed_at,
)  # fmt: skip


def _label(enum_cls: type[LabelledEnum], value: str | None) -> str | None:
    return None if value is None else str(enum_cls(value).label)


def case_rows(user: User, filters: dict) -> Iterator[tuple]:
    """The rows the case list's filters select (in its order), fetched `CHUNK` at a time as
    plain column tuples: no ORM objects, whatever the number of cases."""
    stmt = (
        queries.filtered_cases(user, filters, load_advocates=False)
        .with_only_columns(*CASE_COLUMNS)
        .join(Enterprise, Enterprise.id == Case.enterprise_id)
        .join(Organization, Organization.id == Case.handling_org_id)
        .execution_options(yield_per=CHUNK)
    )
    for r in db.session.execute(stmt):
        yield (
            r[0], _label(CaseKind, r[1]), _label(Category, r[2]),
            _(BUCKET_LABELS[STATISTICS_BUCKETS[Category(r[2])]]),
            _label(State, r[3]), _label(Tier, r[4]), _label(Level, r[5]),
            r[6], r[7], r[8], r[9], r[10],
            yes_no(r[10] >= COLLECTIVE_WORKERS), yes_no(r[11]), yes_no(r[12]),
            yuan(r[13]), r[14], _label(Channel, r[15]), local_naive(r[16]), yuan(r[17]),
            r[18], yuan(r[19]), _label(Outcome, r[20]), local_naive(r[21]),
        )  # fmt: skip


WORKER_HEADERS = [
    N_("Case number"), NP_("person", "Name"), N_("Resident ID number"), N_("Phone"), N_("Position"),
    N_("First unpaid pay day"), N_("Months owed"), N_("Amount owed (yuan)"),
    N_("Amount paid (yuan)"), N_("Representative"),
]  # fmt: skip
WORKER_COLUMNS = (
    Case.number, CaseWorker.name, CaseWorker.id_number, CaseWorker.phone, CaseWorker.position,
    CaseWorker.first_unpaid_on, CaseWorker.months_owed, CaseWorker.amount_owed_fen,
    CaseWorker.amount_paid_fen, CaseWorker.representative,
)  # fmt: skip


def _roster_select(user: User, filters: dict) -> Select:
    return (
        queries.filtered_cases(user, filters, load_advocates=False)
        .with_only_columns(*WORKER_COLUMNS)
        .join(CaseWorker, CaseWorker.case_id == Case.id)
        .order_by(None)
        .order_by(Case.number, CaseWorker.seq)
    )


def worker_rows(user: User, filters: dict) -> Iterator[tuple]:
    """The rosters of the cases the filters select, a worker a row (docs/collective.md); ID
    numbers masked for advocates, as everywhere."""
    masked = user.role == Role.advocate
    stmt = _roster_select(user, filters).execution_options(yield_per=CHUNK)
    for r in db.session.execute(stmt):
        yield (
            r[0], r[1], mask_id_number(r[2]) if masked else r[2], r[3], r[4], r[5], r[6],
            yuan(r[7]), yuan(r[8]), yes_no(r[9]),
        )  # fmt: skip


def case_tables(user: User, filters: dict) -> list[Table]:
    """The cases, and a second table of their workers when any of them has a roster."""
    tables = [Table(NP_("list", "Cases"), CASE_HEADERS, LazyRows(lambda: case_rows(user, filters)))]
    if db.session.scalar(_roster_select(user, filters).limit(1)) is not None:
        tables.append(
            Table(N_("Workers"), WORKER_HEADERS, LazyRows(lambda: worker_rows(user, filters)))
        )
    return tables
