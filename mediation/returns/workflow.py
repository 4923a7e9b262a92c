"""The returns' workflow as one table (docs/returns.md "Workflow"): every trigger once, with the
states it leaves from, where it goes, which union's tier it applies to, who fires it, whether a
note is needed and whether it freezes a version. The services, the pages' buttons, the API
and docs/returns.md's table all read `TRIGGERS`; a new step is one row."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString

from mediation.accounts.models import Role, User
from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.orgs.models import Organization, Tier


class ReturnState(LabelledEnum):
    draft = "draft"
    submitted = "submitted"
    sent_back = "sent_back"
    approved = "approved"
    filed = "filed"


set_labels(
    {
        ReturnState.draft: lazy_gettext("Draft"),
        ReturnState.submitted: lazy_gettext("Submitted to the city"),
        ReturnState.sent_back: lazy_gettext("Sent back"),
        ReturnState.approved: lazy_gettext("Approved"),
        ReturnState.filed: lazy_gettext("Filed"),
    }
)

# the sections can be written while the return is here
EDITABLE = frozenset({ReturnState.draft, ReturnState.sent_back})
# the return for its period counts as submitted (no reminder) once here
SUBMITTED = frozenset({ReturnState.submitted, ReturnState.approved, ReturnState.filed})

# who fires a trigger: the officers of the return's own union, or those of the union above it
OWN, ABOVE = "own", "above"
# a trigger's note: none, may be given, must be given
NO_NOTE, OPTIONAL_NOTE, REQUIRED_NOTE = "none", "optional", "required"


@dataclass(frozen=True)
class Trigger:
    name: str
    label: LazyString
    sources: tuple[ReturnState, ...]
    dest: ReturnState
    tier: Tier  # the tier of the union whose return it is
    actor: str
    note: str
    freezes: bool  # writes a new version with the snapshot of the tables and sections
    decision: str | None  # what it records on the latest version


TRIGGERS: tuple[Trigger, ...] = (
    # a town submits to the city; after a send-back it submits again: a new version
    Trigger("submit", lazy_gettext("Submit to the city"),
            (ReturnState.draft, ReturnState.sent_back), ReturnState.submitted,
            Tier.town, OWN, NO_NOTE, freezes=True, decision=None),
    Trigger("approve", lazy_gettext("Approve"), (ReturnState.submitted,), ReturnState.approved,
            Tier.town, ABOVE, OPTIONAL_NOTE, freezes=False, decision="approved"),
    Trigger("send_back", lazy_gettext("Send back"), (ReturnState.submitted,),
            ReturnState.sent_back, Tier.town, ABOVE, REQUIRED_NOTE, freezes=False,
            decision="sent_back"),
    # the city's own return goes to the party committee and the provincial federation, outside
    # this system: submitting it is final
    Trigger("submit", lazy_gettext("Submit and file"), (ReturnState.draft,), ReturnState.filed,
            Tier.city, OWN, NO_NOTE, freezes=True, decision="filed"),
)  # fmt: skip

TRIGGER_NAMES = tuple(dict.fromkeys(t.name for t in TRIGGERS))
# the tiers whose unions write returns
RETURN_TIERS = frozenset(t.tier for t in TRIGGERS)


def trigger_for(name: str, tier: Tier) -> Trigger | None:
    return next((t for t in TRIGGERS if t.name == name and t.tier == tier), None)


def may_act(user: User, actor: str, org: Organization) -> bool:
    """An administrator always; else an officer of the union (`OWN`) or of its parent union
    (`ABOVE`)."""
    if user.role == Role.admin:
        return True
    if user.role != Role.officer:
        return False
    if actor == OWN:
        return user.organization_id == org.id
    return org.parent_id is not None and user.organization_id == org.parent_id


def may_draft(user: User, org: Organization) -> bool:
    return may_act(user, OWN, org)


def available(user: User, state: ReturnState, org: Organization) -> list[Trigger]:
    """The triggers this user may fire now, for the buttons of the return's page."""
    return [
        t for t in TRIGGERS
        if t.tier == Tier(org.tier) and state in t.sources and may_act(user, t.actor, org)
    ]  # fmt: skip


# the words of the audit trail's kinds and of a version's decision
EVENT_LABELS: dict[str, LazyString] = {
    "created": lazy_gettext("Draft created"),
    "saved": lazy_gettext("Sections saved"),
    "submit": lazy_gettext("Submitted"),
    "approve": lazy_gettext("Approved"),
    "send_back": lazy_gettext("Sent back"),
    "filed": lazy_gettext("Submitted and filed"),
    "approved": lazy_gettext("Approved"),
    "sent_back": lazy_gettext("Sent back"),
}


def event_word(kind: str | None) -> str:
    return str(EVENT_LABELS.get(kind or "", kind or ""))
