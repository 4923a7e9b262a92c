"""A hardship file per worker and the aid given on it (docs/worker-services.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.core.clock import utcnow
from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model
from mediation.orgs.models import Organization


class HardshipType(LabelledEnum):
    illness = "illness"
    disability = "disability"
    unemployment = "unemployment"
    single_parent = "single_parent"
    disaster = "disaster"
    school_costs = "school_costs"
    other = "other"


class HardshipLevel(LabelledEnum):
    extreme = "extreme"  # 特困
    hardship = "hardship"  # 困难


class AidKind(LabelledEnum):
    living = "living"
    medical = "medical"
    education = "education"
    festival = "festival"  # 送温暖
    legal_aid = "legal_aid"


set_labels(
    {
        HardshipType.illness: lazy_gettext("Serious illness"),
        HardshipType.disability: lazy_gettext("Disability"),
        HardshipType.unemployment: lazy_gettext("Unemployment"),
        HardshipType.single_parent: lazy_gettext("Single parent"),
        HardshipType.disaster: lazy_gettext("Disaster or accident"),
        HardshipType.school_costs: lazy_gettext("Children's school costs"),
        HardshipType.other: lazy_gettext("Other hardship"),
        HardshipLevel.extreme: lazy_gettext("Extreme hardship"),
        HardshipLevel.hardship: lazy_gettext("Hardship"),
        AidKind.living: lazy_gettext("Living aid"),
        AidKind.medical: lazy_gettext("Medical aid"),
        AidKind.education: lazy_gettext("Education aid"),
        AidKind.festival: lazy_gettext("Festival visit (send warmth)"),
        AidKind.legal_aid: lazy_gettext("Legal aid"),
    }
)


class HardshipFile(Model):
    """One file per person: the ID number is unique (docs/worker-services.md)."""

    __tablename__ = "hardship_files"
    __table_args__ = (
        CheckConstraint("household_size >= 1", name="household_size"),
        CheckConstraint("income_per_head_fen >= 0", name="income_per_head"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    household_size: Mapped[int] = mapped_column(Integer, default=1)
    household: Mapped[str | None] = mapped_column(Text)
    hardship_type: Mapped[HardshipType] = mapped_column(enum_column(HardshipType, "hardship_type"))
    level: Mapped[HardshipLevel] = mapped_column(enum_column(HardshipLevel, "hardship_level"))
    income_per_head_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    employer: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    review_due_on: Mapped[date] = mapped_column(Date, index=True)
    # the review date a reminder was queued for: one reminder per review
    reminded_for: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    aid: Mapped[list[AidRecord]] = relationship(
        back_populates="file", order_by="AidRecord.given_on.desc(), AidRecord.id.desc()"
    )


class AidRecord(Model):
    __tablename__ = "aid_records"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("hardship_files.id"), index=True)
    given_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[AidKind] = mapped_column(enum_column(AidKind, "aid_kind"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(200))
    campaign: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[HardshipFile] = relationship(back_populates="aid")
