"""A case's referral to legal aid and how it went (docs/worker-services.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.accounts.models import User
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model


class Provider(LabelledEnum):
    union_centre = "union_centre"
    justice_centre = "justice_centre"
    lawyer = "lawyer"


class Stage(LabelledEnum):
    arbitration = "arbitration"
    first_instance = "first_instance"
    appeal = "appeal"
    enforcement = "enforcement"


class AidResult(LabelledEnum):
    won = "won"
    partly_won = "partly_won"
    settled = "settled"
    lost = "lost"
    withdrawn = "withdrawn"


set_labels(
    {
        Provider.union_centre: lazy_gettext("Union legal-aid centre"),
        Provider.justice_centre: lazy_gettext("Justice bureau legal-aid centre"),
        Provider.lawyer: lazy_gettext("Lawyer"),
        Stage.arbitration: lazy_gettext("Arbitration"),
        Stage.first_instance: lazy_gettext("First instance"),
        Stage.appeal: lazy_gettext("Appeal"),
        Stage.enforcement: lazy_gettext("Enforcement"),
        AidResult.won: lazy_gettext("Won"),
        AidResult.partly_won: lazy_gettext("Partly won"),
        AidResult.settled: lazy_gettext("Settled"),
        AidResult.lost: lazy_gettext("Lost"),
        AidResult.withdrawn: lazy_gettext("Withdrawn"),
    }
)


class LegalAidReferral(Model):
    __tablename__ = "legal_aid_referrals"
    __table_args__ = (
        CheckConstraint("workers >= 1", name="workers"),
        CheckConstraint("amount_recovered_fen >= 0", name="amount_recovered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    referred_on: Mapped[date] = mapped_column(Date)
    provider: Mapped[Provider] = mapped_column(enum_column(Provider, "legal_aid_provider"))
    provider_name: Mapped[str | None] = mapped_column(String(200))
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    lawyer: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "legal_aid_stage"))
    result: Mapped[AidResult | None] = mapped_column(enum_column(AidResult, "legal_aid_result"))
    amount_recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    workers: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    created_by: Mapped[User | None] = relationship()
