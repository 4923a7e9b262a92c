"""One enterprise's labour-relations survey for one year (docs/enterprise-file.md
"Labour-relations survey")."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.core.clock import utcnow
from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.core.types import UTCDateTime, enum_column
from mediation.enterprises.models import Enterprise
from mediation.extensions import Model


class CollectiveContractType(LabelledEnum):
    """The kinds of collective contract (集体合同): the enterprise's general one, a wage-specific
    one (工资专项集体合同), and those concluded for a sector (行业性) or an area (区域性) that
    cover the enterprise."""

    general = "general"
    wage = "wage"
    sector = "sector"
    area = "area"


set_labels(
    {
        CollectiveContractType.general: lazy_gettext("General collective contract"),
        CollectiveContractType.wage: lazy_gettext("Wage-specific collective contract"),
        CollectiveContractType.sector: lazy_gettext("Sector collective contract"),
        CollectiveContractType.area: lazy_gettext("Area-wide collective contract"),
    }
)


class LabourSurvey(Model):
    """The figures an enterprise gave the union as of `as_of`; one survey per enterprise and
    year (a second one for the year replaces the first). The counts hold together (checked by
    `schemas.SurveyInputSchema` with a message per field, and again here as constraints)."""

    __tablename__ = "labour_surveys"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", name="uq_labour_surveys_enterprise_year"),
        CheckConstraint("employees >= 0", name="employees"),
        CheckConstraint("migrant_workers >= 0 AND migrant_workers <= employees", name="migrants"),
        CheckConstraint(
            "contracts_signed >= 0 AND contracts_signed <= employees", name="contracts"
        ),
        CheckConstraint(
            "migrant_contracts_signed >= 0 AND migrant_contracts_signed <= migrant_workers"
            " AND migrant_contracts_signed <= contracts_signed",
            name="migrant_contracts",
        ),
        CheckConstraint("union_members >= 0 AND union_members <= employees", name="members"),
        CheckConstraint(
            "collective_expires_on IS NULL OR collective_signed_on IS NULL"
            " OR collective_expires_on > collective_signed_on",
            name="collective_term",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # (the unique (enterprise_id, year) index serves the lookups by enterprise)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)  # as_of's year
    as_of: Mapped[date] = mapped_column(Date)
    employees: Mapped[int] = mapped_column(Integer)
    migrant_workers: Mapped[int] = mapped_column(Integer, default=0)
    contracts_signed: Mapped[int] = mapped_column(Integer)
    migrant_contracts_signed: Mapped[int] = mapped_column(Integer, default=0)
    union_established: Mapped[bool] = mapped_column(Boolean, default=False)
    union_members: Mapped[int] = mapped_column(Integer, default=0)
    collective_contract: Mapped[CollectiveContractType | None] = mapped_column(
        enum_column(CollectiveContractType, "collective_contract_type")
    )
    collective_signed_on: Mapped[date | None] = mapped_column(Date)
    # indexed: the daily reminder looks for contracts that expire soon
    collective_expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    wage_negotiation: Mapped[bool] = mapped_column(Boolean, default=False)
    workers_congress: Mapped[bool] = mapped_column(Boolean, default=False)
    open_factory_affairs: Mapped[bool] = mapped_column(Boolean, default=False)
    # the expiry date the town union was reminded of: one reminder per contract
    reminded_for: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
