"""A construction project and what the wage-payment regulation of 2020 requires of it
(保障农民工工资支付条例, chapter on construction; docs/enterprise-file.md "Construction
projects"): the builder, the general contractor liable to pay first, the subcontractors (an
enterprise, or a natural-person team leader without a credit code), the dedicated wage
account, the wage deposit, real-name registration, the rights-information board and the month
wages are paid through."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel.speaklater import LazyString
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.core.clock import utcnow
from mediation.core.i18n import lazy_gettext
from mediation.core.identifiers import mask_id_number
from mediation.core.types import UTCDateTime, enum_column
from mediation.enterprises.models import Enterprise
from mediation.extensions import Model
from mediation.orgs.models import Organization


class DepositForm(enum.StrEnum):
    """How the wage deposit is lodged (工资保证金管理暂行办法 2021: cash in a bank account, or a
    guarantee letter instead of cash)."""

    cash = "cash"
    bank_guarantee = "bank_guarantee"
    guarantee_company = "guarantee_company"
    insurance = "insurance"

    @property
    def label(self) -> LazyString:
        return DEPOSIT_FORM_LABELS[self]


DEPOSIT_FORM_LABELS = {
    DepositForm.cash: lazy_gettext("Cash in the deposit account"),
    DepositForm.bank_guarantee: lazy_gettext("Bank guarantee letter"),
    DepositForm.guarantee_company: lazy_gettext("Guarantee company letter"),
    DepositForm.insurance: lazy_gettext("Guarantee insurance"),
}


class DepositStatus(enum.StrEnum):
    none = "none"
    lodged = "lodged"
    exempted = "exempted"
    drawn = "drawn"
    returned = "returned"

    @property
    def label(self) -> LazyString:
        return DEPOSIT_STATUS_LABELS[self]

    @property
    def needs_amount(self) -> bool:
        return self in (DepositStatus.lodged, DepositStatus.drawn, DepositStatus.returned)

    @property
    def in_place(self) -> bool:
        """A deposit that protects the workers now (an exemption the rules allow counts)."""
        return self in (DepositStatus.lodged, DepositStatus.drawn, DepositStatus.exempted)


DEPOSIT_STATUS_LABELS = {
    DepositStatus.none: lazy_gettext("Not lodged"),
    DepositStatus.lodged: lazy_gettext("Lodged"),
    DepositStatus.exempted: lazy_gettext("Exempted"),
    DepositStatus.drawn: lazy_gettext("Drawn on to pay wages"),
    DepositStatus.returned: lazy_gettext("Returned"),
}


class Project(Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(
            "planned_completion_on IS NULL OR planned_completion_on >= started_on",
            name="completion_after_start",
        ),
        CheckConstraint(
            "deposit_amount_fen IS NULL OR deposit_amount_fen > 0", name="deposit_positive"
        ),
        Index("ix_projects_org_completion", "organization_id", "planned_completion_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    location: Mapped[str] = mapped_column(String(300))
    # the union in whose area the site is: scope and the alerts' addressee
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    builder_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    general_contractor_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    planned_completion_on: Mapped[date | None] = mapped_column(Date)
    wage_account_bank: Mapped[str | None] = mapped_column(String(200))
    wage_account_opened_on: Mapped[date | None] = mapped_column(Date)
    deposit_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    deposit_form: Mapped[DepositForm | None] = mapped_column(
        enum_column(DepositForm, "project_deposit_form")
    )
    deposit_status: Mapped[DepositStatus] = mapped_column(
        enum_column(DepositStatus, "project_deposit_status"), default=DepositStatus.none
    )
    real_name_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    rights_board_posted: Mapped[bool] = mapped_column(Boolean, default=False)
    # the first day of the last month whose wages are paid in full (None: none paid yet)
    payroll_paid_through: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # when the project's alerts may next change with time alone (the sweep's claim)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organization: Mapped[Organization] = relationship(lazy="joined")
    builder: Mapped[Enterprise | None] = relationship(foreign_keys=[builder_id])
    general_contractor: Mapped[Enterprise] = relationship(foreign_keys=[general_contractor_id])
    created_by: Mapped[User | None] = relationship()
    subcontractors: Mapped[list[ProjectSubcontractor]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectSubcontractor.id"
    )

    @property
    def has_wage_account(self) -> bool:
        return bool(self.wage_account_bank)


class ProjectSubcontractor(Model):
    """A subcontractor on a project: a registered enterprise, or a natural-person team leader
    (包工头) who has no credit code, recorded by name and resident ID number."""

    __tablename__ = "project_subcontractors"
    __table_args__ = (
        CheckConstraint(
            "(enterprise_id IS NULL) <> (leader_name IS NULL)", name="enterprise_or_person"
        ),
        CheckConstraint(
            "leader_name IS NULL OR leader_id_number IS NOT NULL", name="person_has_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    leader_name: Mapped[str | None] = mapped_column(String(100))
    leader_id_number: Mapped[str | None] = mapped_column(String(18))
    trade: Mapped[str | None] = mapped_column(String(100))

    project: Mapped[Project] = relationship(back_populates="subcontractors")
    enterprise: Mapped[Enterprise | None] = relationship()

    @property
    def is_person(self) -> bool:
        return self.enterprise_id is None

    @property
    def name(self) -> str:
        return self.enterprise.name if self.enterprise is not None else (self.leader_name or "")

    @property
    def masked_id_number(self) -> str | None:
        return mask_id_number(self.leader_id_number)


class ChecklistItem(enum.StrEnum):
    """What the year-end campaign (根治欠薪冬季专项行动) checks on each project."""

    site_visited = "site_visited"
    payroll_checked = "payroll_checked"
    account_checked = "account_checked"
    board_checked = "board_checked"
    arrears_cleared = "arrears_cleared"

    @property
    def label(self) -> LazyString:
        return CHECKLIST_LABELS[self]


CHECKLIST_LABELS = {
    ChecklistItem.site_visited: lazy_gettext("Site visited"),
    ChecklistItem.payroll_checked: lazy_gettext("Payroll records checked"),
    ChecklistItem.account_checked: lazy_gettext("Wage account and deposit checked"),
    ChecklistItem.board_checked: lazy_gettext("Rights-information board checked"),
    ChecklistItem.arrears_cleared: lazy_gettext("Arrears cleared before the Spring Festival"),
}


class ProjectCheck(Model):
    """One ticked item of a campaign's checklist: who ticked it and when (a re-tick moves
    the row; an untick removes it)."""

    __tablename__ = "project_checks"
    __table_args__ = (UniqueConstraint("project_id", "campaign_year", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    # the year of the Spring Festival the campaign leads up to
    campaign_year: Mapped[int] = mapped_column(Integer)
    item: Mapped[ChecklistItem] = mapped_column(enum_column(ChecklistItem, "project_check_item"))
    note: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checked_by: Mapped[User | None] = relationship()
