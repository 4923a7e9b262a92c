from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel.speaklater import LazyString
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mediation.core.clock import utcnow
from mediation.core.i18n import lazy_gettext
from mediation.core.identifiers import (
    is_valid_credit_code,
    is_valid_phone,
    normalize_credit_code,
    normalize_phone,
)
from mediation.core.trigram import needs_pg_trgm, trigram_index
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model
from mediation.orgs.models import Organization


class Ownership(enum.StrEnum):
    state = "state"
    private = "private"
    foreign = "foreign"
    hmt = "hmt"
    collective = "collective"
    other = "other"

    @property
    def label(self) -> LazyString:
        return OWNERSHIP_LABELS[self]


OWNERSHIP_LABELS = {
    Ownership.state: lazy_gettext("State-owned"),
    Ownership.private: lazy_gettext("Private"),
    Ownership.foreign: lazy_gettext("Foreign-invested"),
    Ownership.hmt: lazy_gettext("Hong Kong, Macao or Taiwan-invested"),
    Ownership.collective: lazy_gettext("Collective"),
    Ownership.other: lazy_gettext("Other"),
}


class Enterprise(Model):
    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount"),
        # the case list's free-text search `q` (the enterprise's name ILIKE '%…%'), PostgreSQL only
        trigram_index("ix_enterprises_name_trgm", "name"),
    )

    if TYPE_CHECKING:
        _api_risk: Any  # not a column: the risk an API answer carries (`enterprises.api`)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    sector: Mapped[str | None] = mapped_column(String(100))
    ownership: Mapped[Ownership] = mapped_column(
        enum_column(Ownership, "ownership"), default=Ownership.private
    )
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    headcount: Mapped[int | None] = mapped_column(Integer)
    has_union: Mapped[bool] = mapped_column(Boolean, default=False)
    # who the union writes to (the day-before hearing reminder, docs/circuit-court-and-meetings.md)
    contact_person: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(20))  # digits (normalize_phone)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()

    @validates("credit_code")
    def _check_credit_code(self, _key: str, value: str) -> str:
        value = normalize_credit_code(value)
        if not is_valid_credit_code(value):
            raise ValueError(f"invalid unified social credit code {value!r}")
        return value

    @validates("contact_phone")
    def _check_contact_phone(self, _key: str, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not is_valid_phone(value):
            raise ValueError(f"invalid phone number {value!r}")
        return normalize_phone(value)

    def __repr__(self) -> str:
        return f"<Enterprise {self.credit_code} {self.name}>"


needs_pg_trgm(Enterprise.__table__)
