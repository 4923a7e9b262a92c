from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym
from sqlalchemy.schema import DDL

from mediation.accounts.models import User
from mediation.cases.enums import (
    INITIAL_STATE,
    ArbitrationDecision,
    CaseKind,
    Category,
    Channel,
    EmploymentStatus,
    EventKind,
    Outcome,
    ReferralTarget,
    ReopenReason,
    RulingResult,
    State,
    WarningLevel,
)
from mediation.core.clock import utcnow
from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.core.trigram import needs_pg_trgm, trigram_index
from mediation.core.types import UTCDateTime, enum_column
from mediation.enterprises.models import Enterprise
from mediation.extensions import Model, db
from mediation.orgs.models import Organization, Tier
from mediation.projects.models import Project

case_advocates = Table(
    "case_advocates",
    db.metadata,
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
    Column("assigned_at", UTCDateTime, nullable=False, default=utcnow),
)


class CaseNumberCounter(Model):
    """The last sequence number used per organization and year.

    Incremented with an upsert inside the case-creating transaction: the row lock serialises
    concurrent creations and a rollback gives the number back, so numbers are gap-free.
    """

    __tablename__ = "case_number_counters"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)


class Case(Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("workers_involved >= 1", name="workers_involved"),
        CheckConstraint("claim_amount_fen IS NULL OR claim_amount_fen >= 0", name="claim_amount"),
        CheckConstraint(
            "agreement_amount_fen IS NULL OR agreement_amount_fen >= 0", name="agreement_amount"
        ),
        CheckConstraint("paid_amount_fen IS NULL OR paid_amount_fen >= 0", name="paid_amount"),
        CheckConstraint(
            "ruling_amount_fen IS NULL OR ruling_amount_fen >= 0", name="ruling_amount"
        ),
        CheckConstraint("arrears_months IS NULL OR arrears_months >= 0", name="arrears_months"),
        CheckConstraint(
            "(state = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"
        ),
        # the list filtered by state and level within a scope: one index range per organization
        # (INCLUDE id: the cases in an officer's scope, `id IN (SELECT id ... WHERE
        # handling_org_id IN ...)` as for the statistics' alerts, from the index alone; and
        # received_at: a filtered page's ids sorted from the index alone). On PostgreSQL the
        # table is also vacuumed after every 1,000 new cases, so that index-only scans of the
        # newest need no visits to their rows (migration 5e2d7b9c1a40).
        Index(
            "ix_cases_handling_org_state_level",
            "handling_org_id",
            "state",
            "warning_level",
            postgresql_include=["id", "received_at"],
        ),  # fmt: skip
        # (also the enterprise branch of the free-text search: `enterprise_id = ANY(...)`)
        Index("ix_cases_enterprise_received", "enterprise_id", "received_at"),
        # the free-text search `q` (number or title ILIKE '%…%'), PostgreSQL only
        trigram_index("ix_cases_number_trgm", "number"),
        trigram_index("ix_cases_title_trgm", "title"),
        # the case list's default order (received_at DESC, id DESC), read backwards so a page
        # stops after its rows; with the handling organization, a page's ids in an officer's
        # scope come from the index alone (the deferred join of `queries.paginate_case_list`);
        # and the same order within one warning level (docs/performance.md, "Indexes for every
        # sort")
        Index("ix_cases_received_id", "received_at", "id", postgresql_include=["handling_org_id"]),
        Index("ix_cases_warning_level_received", "warning_level", "received_at", "id"),
        # the list's other sorts, read in order so that a page stops after its rows, with the
        # handling organization so that an officer's scope is checked from the index alone:
        # without them every sort but the default sorted a whole scope (0.1-0.2 s a page at a
        # million cases). The number's order follows the organization's code, so a scope's
        # numbers are not spread over the whole order: they are read per organization
        # (`ix_cases_handling_org_number`, `queries._per_organization`). (docs/performance.md,
        # "Indexes for every sort")
        Index("ix_cases_updated_id", "updated_at", "id", postgresql_include=["handling_org_id"]),
        Index(
            "ix_cases_workers_id", "workers_involved", "id", postgresql_include=["handling_org_id"]
        ),
        Index(
            "ix_cases_claim_id", "claim_amount_fen", "id", postgresql_include=["handling_org_id"]
        ),
        Index("ix_cases_handling_org_number", "handling_org_id", "number", "id"),
        # the cases taken over from a scope (`scope.taken_over_ids`): a few, so a partial index
        Index(
            "ix_cases_origin_org",
            "origin_org_id",
            postgresql_where=text("origin_org_id IS NOT NULL"),
            sqlite_where=text("origin_org_id IS NOT NULL"),
        ),
        # the statistics' period filters (reports/stats/parts.py), each carrying the columns its
        # figures read, so that a period's cases are read from the index alone (index-only scans)
        # instead of the whole table (docs/performance.md, "Statistics page")
        Index(
            "ix_cases_stats_received",
            "received_at",
            postgresql_include=[
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
                # merged reports are left out of the statistics (docs/collective.md)
                "outcome",
                # the breakdowns (docs/statistics.md "Breakdowns")
                "enterprise_id",
                "channel",
                "is_migrant",
                "is_construction",
                "paid_amount_fen",
            ],
        ),  # fmt: skip
        Index(
            "ix_cases_stats_closed",
            "closed_at",
            postgresql_include=[
                "received_at",
                "handling_org_id",
                "outcome",
                "paid_amount_fen",
                # the closure methods: an award is an arbitration's (docs/statistics.md)
                "referral_target",
                "award_final",
            ],
            postgresql_where=text("closed_at IS NOT NULL"),
        ),
        # the mediations concluded without agreement and the agreements due, per period (the
        # success and performance rates, docs/statistics.md)
        Index(
            "ix_cases_stats_mediation_ended",
            "mediation_ended_at",
            postgresql_include=["handling_org_id", "outcome"],
            postgresql_where=text("mediation_ended_at IS NOT NULL"),
        ),
        Index(
            "ix_cases_stats_due",
            "agreement_due_on",
            postgresql_include=["handling_org_id", "outcome", "agreed_at"],
            postgresql_where=text("agreement_due_on IS NOT NULL"),
        ),
        # the cases open now, by receipt (the cases carried over into a period)
        Index(
            "ix_cases_stats_open",
            "received_at",
            postgresql_include=["handling_org_id", "outcome"],
            postgresql_where=text("closed_at IS NULL"),
        ),
        # the cases in arbitration now (the arbitration stage's figures)
        Index(
            "ix_cases_stats_arbitration",
            "handling_org_id",
            postgresql_include=[
                "referral_target",
                "arbitration_decision",
                "arbitration_decided_on",
                "award_on",
                "outcome",
            ],
            postgresql_where=text("state = 'referred'"),
        ),
        Index(
            "ix_cases_stats_agreed",
            "agreed_at",
            postgresql_include=[
                "received_at",
                "handling_org_id",
                "agreement_amount_fen",
                "outcome",
            ],
            postgresql_where=text("agreed_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[CaseKind] = mapped_column(enum_column(CaseKind, "kind"))
    category: Mapped[Category] = mapped_column(enum_column(Category, "category"))

    # parties
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    # the construction project the dispute arose on (docs/enterprise-file.md "Construction
    # projects"): its general contractor is liable to pay first
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    worker_name: Mapped[str | None] = mapped_column(String(100))
    worker_phone: Mapped[str | None] = mapped_column(String(32))
    worker_id_number: Mapped[str | None] = mapped_column(String(18))
    workers_involved: Mapped[int] = mapped_column(Integer, default=1)
    is_migrant: Mapped[bool] = mapped_column(Boolean, default=False)
    is_construction: Mapped[bool] = mapped_column(Boolean, default=False)

    # facts
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    claim_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    arrears_months: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    # When the report (线索) reached the union: the column keeps its historic name, and
    # `reported_at` is its name in the clocks' vocabulary (docs/domain.md "Clocks in detail").
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the mediation body received an application (LDMAL art. 12): the statutory 15-day
    # mediation period runs from here, and only once it exists (None: a report only).
    application_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    infringement_known_at: Mapped[date | None] = mapped_column(Date)
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        enum_column(EmploymentStatus, "employment_status"),
        default=EmploymentStatus.unknown,
        server_default=EmploymentStatus.unknown.value,
    )
    employment_ended_at: Mapped[date | None] = mapped_column(Date)
    # the first pay day that went unpaid: the months owed grow from it (docs/domain.md "Wage
    # arrears"); `arrears_months` keeps the count reported at registration
    wages_unpaid_since: Mapped[date | None] = mapped_column(Date)
    # a delay of wages agreed with the union (劳部发〔1995〕226号 art. 4; docs/domain.md "Wage
    # arrears"): the arrears rule is silent up to and including this day
    wage_delay_until: Mapped[date | None] = mapped_column(Date)
    owner_absconded: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_in_progress: Mapped[bool] = mapped_column(Boolean, default=False)

    # handling
    state: Mapped[State] = mapped_column(
        enum_column(State, "state"), default=INITIAL_STATE, index=True
    )
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handling_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # the union that handled the case before a higher one first took it over (None: never
    # taken over): the unions of its path keep reading the case (docs/security.md "Read-only
    # access after a take-over"); a referral accepted by another area clears it
    origin_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, "tier"))
    warning_level: Mapped[WarningLevel | None] = mapped_column(
        enum_column(WarningLevel, "warning_level")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # outcome
    agreement_terms: Mapped[str | None] = mapped_column(Text)
    agreement_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    agreement_due_on: Mapped[date | None] = mapped_column(Date)
    # the agreement's payment schedule, [{"due_on": "YYYY-MM-DD", "amount_fen": int}] in date
    # order, adding up to `agreement_amount_fen` (None: one payment by `agreement_due_on`)
    instalments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # everything paid on the agreement so far (partial payments add up)
    paid_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    # when non-performance was reported (`report_default`): a payment order needs one
    defaulted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referral_target: Mapped[ReferralTarget | None] = mapped_column(
        enum_column(ReferralTarget, "referral_target")
    )
    referral_reference: Mapped[str | None] = mapped_column(String(200))
    ruling_result: Mapped[RulingResult | None] = mapped_column(
        enum_column(RulingResult, "ruling_result")
    )
    ruling_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    # the arbitration stage (LDMAL arts. 28-29, 43, 47-50; docs/domain.md "Clocks in detail")
    arbitration_applied_on: Mapped[date | None] = mapped_column(Date)
    arbitration_decision: Mapped[ArbitrationDecision | None] = mapped_column(
        enum_column(ArbitrationDecision, "arbitration_decision")
    )
    arbitration_decided_on: Mapped[date | None] = mapped_column(Date)
    award_on: Mapped[date | None] = mapped_column(Date)
    award_final: Mapped[bool | None] = mapped_column(Boolean)
    # the last reopening: clocks restart from it and older deadlines no longer fire
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_reason: Mapped[ReopenReason | None] = mapped_column(
        enum_column(ReopenReason, "reopen_reason")
    )
    # the clocks' current adjustments (pauses, interruptions, extensions), kept by
    # `cases.clocks` from the clock events on the timeline, which stay the record:
    # {clock: {"paused_since": date, "resume_on": date, "paused_days": int,
    #          "restarted_on": date, "extended_to": date}}
    clock_adjustments: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "outcome"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # when `accept` and `record_agreement` first happened (the events' `at`; a reopened case keeps
    # the first): copies of the case's history so that the statistics need not read the events
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the first moment mediation ended without an agreement (it failed, or the application was
    # withdrawn while being mediated): with `agreed_at`, the mediations concluded in a period
    # (the success rate, docs/statistics.md)
    mediation_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # registered under a category that issue 21 split in two (dismissal: dissolution or
    # termination; injury compensation: work injury or economic compensation): the mediator
    # confirms or corrects the category, which clears the flag (docs/statistics.md "Causes")
    category_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # when the first alert targeting the town / the city tier was raised on the case (set by the
    # warning engine, never moved: an alert row re-raised later keeps this first moment): the
    # statistics' days at each tier read them instead of the alerts
    first_town_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_city_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # the case this one was merged into (outcome `merged`; docs/collective.md "Merge")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)

    # bookkeeping
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # set by services

    __mapper_args__ = {"version_id_col": version}

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    project: Mapped[Project | None] = relationship()
    handling_org: Mapped[Organization] = relationship(lazy="joined", foreign_keys=[handling_org_id])
    origin_org: Mapped[Organization | None] = relationship(foreign_keys=[origin_org_id])
    mediator: Mapped[User | None] = relationship(foreign_keys=[mediator_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    advocates: Mapped[list[User]] = relationship(
        secondary=case_advocates, order_by=User.display_name
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", viewonly=True
    )
    # the roster of a collective dispute (docs/collective.md "Roster"); empty: the single
    # worker's fields and a typed head-count
    workers: Mapped[list[CaseWorker]] = relationship(
        order_by="CaseWorker.seq",
        foreign_keys="CaseWorker.case_id",
        cascade="all, delete-orphan",
        passive_deletes=False,
    )

    reported_at = synonym("received_at")

    @property
    def is_open(self) -> bool:
        return State(self.state).is_open

    def __repr__(self) -> str:
        return f"<Case {self.number} {self.state}>"


needs_pg_trgm(Case.__table__)


class CaseWorker(Model):
    """One worker of a case's roster (docs/collective.md "Roster"). When a case has a roster,
    its `workers_involved` is the roster's size and its claim the sum of the amounts owed."""

    __tablename__ = "case_workers"
    __table_args__ = (
        CheckConstraint("amount_owed_fen IS NULL OR amount_owed_fen >= 0", name="amount_owed"),
        CheckConstraint("amount_paid_fen IS NULL OR amount_paid_fen >= 0", name="amount_paid"),
        CheckConstraint("months_owed IS NULL OR months_owed >= 0", name="months_owed"),
        # the duplicates panel looks workers up by ID number and phone
        Index("ix_case_workers_id_number", "id_number"),
        Index("ix_case_workers_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[str | None] = mapped_column(String(100))
    first_unpaid_on: Mapped[date | None] = mapped_column(Date)
    months_owed: Mapped[int | None] = mapped_column(Integer)
    amount_owed_fen: Mapped[int | None] = mapped_column(BigInteger)
    amount_paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    representative: Mapped[bool] = mapped_column(Boolean, default=False)
    # the case the worker came from through a merge: a split gives them back
    merged_from_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    @property
    def amount_unpaid_fen(self) -> int | None:
        if self.amount_owed_fen is None:
            return None
        return max(self.amount_owed_fen - (self.amount_paid_fen or 0), 0)


class CaseEvent(Model):
    """One entry of a case's timeline. Append-only: a database trigger refuses UPDATE and DELETE,
    and `hash` chains each event to the one before so `flask audit verify` finds any tampering."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    trigger: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    hash: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")

    def canonical(self) -> str:
        """The content the hash covers, as canonical JSON."""
        return event_canonical({name: getattr(self, name) for name in HASHED_FIELDS})

    def compute_hash(self, previous_hash: str) -> str:
        return event_hash(previous_hash, {name: getattr(self, name) for name in HASHED_FIELDS})


class Attachment(Model):
    """An evidence file of a case. The bytes live under the instance folder, named by their
    SHA-256 (so the same file uploaded twice is stored once); the row keeps the sanitised name
    the uploader gave it. Served only through scope-checked views."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


HASHED_FIELDS = (
    "case_id", "seq", "at", "actor_id", "kind", "from_state", "to_state", "trigger", "body", "data",
)  # fmt: skip


def event_canonical(fields: dict[str, Any]) -> str:
    """Canonical JSON of an event's hashed fields (the same for ORM objects and bulk rows)."""
    content = {name: fields.get(name) for name in HASHED_FIELDS}
    content["at"] = fields["at"].isoformat(timespec="microseconds")
    content["kind"] = str(fields["kind"])
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def event_hash(previous_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((previous_hash + event_canonical(fields)).encode()).hexdigest()


GENESIS_HASH = "0" * 64

# The audit trail is append-only in the database itself, not just by convention.
APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER case_events_no_{op.lower()} BEFORE {op} ON case_events "
    f"BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END"
    for op in ("UPDATE", "DELETE")
]
APPEND_ONLY_POSTGRES = [
    """CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'case_events is append-only'; END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
    "FOR EACH ROW EXECUTE FUNCTION case_events_append_only()",
]
for _statement in APPEND_ONLY_SQLITE:
    event.listen(CaseEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRES:
    event.listen(
        CaseEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )


class ReferralStatus(LabelledEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


set_labels(
    {
        ReferralStatus.pending: lazy_gettext("Awaiting an answer"),
        ReferralStatus.accepted: lazy_gettext("Referral accepted"),
        ReferralStatus.declined: lazy_gettext("Referral declined"),
    }
)


class CaseReferral(Model):
    """A report handed by one union to the union of the employer's area (docs/referrals.md):
    pending until the receiving union accepts it (the case moves into its area) or declines it
    (the case stays). At most one pending referral per case."""

    __tablename__ = "case_referrals"
    __table_args__ = (
        CheckConstraint("from_org_id <> to_org_id", name="two_unions"),
        # the receiving union's and the sending union's lists, pending first
        Index("ix_case_referrals_to_org_status", "to_org_id", "status"),
        Index("ix_case_referrals_from_org_status", "from_org_id", "status"),
        Index(
            "uq_case_referrals_pending_case",
            "case_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReferralStatus] = mapped_column(
        enum_column(ReferralStatus, "referral_status"), default=ReferralStatus.pending
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(lazy="joined")
    from_org: Mapped[Organization] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organization] = relationship(foreign_keys=[to_org_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
