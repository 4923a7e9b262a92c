from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.core.types import enum_column
from mediation.extensions import Model


class Tier(LabelledEnum):
    """The three tiers, lowest first: a tier's rank is its position here."""

    grassroots = "grassroots"
    town = "town"
    city = "city"

    @property
    def rank(self) -> int:
        return TIER_RANKS[self]


TIER_RANKS = {tier: rank for rank, tier in enumerate(Tier)}
TIER_LABELS = {
    Tier.grassroots: lazy_gettext("Grassroots union"),
    Tier.town: lazy_gettext("Town or street union"),
    Tier.city: lazy_gettext("City federation of trade unions"),
}
set_labels(TIER_LABELS)
# The tier a child organization must have, per parent tier.
CHILD_TIER = {Tier.city: Tier.town, Tier.town: Tier.grassroots}


class Organization(Model):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(
            "(tier = 'city' AND parent_id IS NULL) OR (tier <> 'city' AND parent_id IS NOT NULL)",
            name="city_is_root",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # the names the printed documents carry (docs/translations.md, "The documents' issuers"):
    # the union's mediation committee, which issues agreements and notices, and, on a city,
    # the arbitration commission its referral letters are addressed to; blank: derived from
    # the organization's name
    committee_name: Mapped[str | None] = mapped_column(String(200))
    arbitration_commission: Mapped[str | None] = mapped_column(String(200))
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, "tier"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(
        back_populates="parent", order_by="Organization.code"
    )

    if TYPE_CHECKING:
        depth: int  # not a column: set for the tree's display by `services.all_organizations`

    def ancestor_at(self, tier: Tier) -> Organization:
        """This org's ancestor at `tier`, or itself when it is already at or above that tier."""
        org = self
        while org.tier.rank < tier.rank and org.parent is not None:
            org = org.parent
        return org

    @property
    def mediation_committee(self) -> str:
        """Who issues this union's mediation agreements and notices: its labour-dispute
        mediation committee, "常熟市总工会劳动争议调解委员会" unless the administrator set
        another name."""
        return self.committee_name or default_committee_name(self.name)

    @property
    def arbitration_commission_name(self) -> str:
        """The labour-dispute arbitration commission of this organization's city, to which its
        referral letters are addressed: set on the city, else derived from the city's name."""
        city = self.ancestor_at(Tier.city)
        return city.arbitration_commission or default_arbitration_commission(city.name)

    def __repr__(self) -> str:
        return f"<Organization {self.code} {self.tier.value}>"


COMMITTEE_SUFFIX = "劳动争议调解委员会"
COMMISSION_SUFFIX = "劳动人事争议仲裁委员会"


def default_committee_name(org_name: str) -> str:
    """常熟市总工会 → 常熟市总工会劳动争议调解委员会."""
    return org_name if org_name.endswith(COMMITTEE_SUFFIX) else org_name + COMMITTEE_SUFFIX


def default_arbitration_commission(city_name: str) -> str:
    """常熟市总工会 → 常熟市劳动人事争议仲裁委员会: the city's name without its union."""
    for union in ("总工会", "工会"):
        if city_name.endswith(union) and len(city_name) > len(union):
            return city_name[: -len(union)] + COMMISSION_SUFFIX
    return city_name + COMMISSION_SUFFIX
