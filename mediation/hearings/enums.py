"""The coded vocabularies of the circuit court and their words."""

from __future__ import annotations

from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext


class PartnerKind(LabelledEnum):
    court = "court"
    arbitration = "arbitration"


class HearingKind(LabelledEnum):
    trial = "trial"
    mediation = "mediation"
    lecture = "lecture"


class HearingStatus(LabelledEnum):
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


class HearingOutcome(LabelledEnum):
    """What a held hearing decided; each but `none` moves the case (services.OUTCOME_TRIGGERS)."""

    agreement = "agreement"
    judgment = "judgment"
    withdrawn = "withdrawn"
    none = "none"


set_labels(
    {
        PartnerKind.court: lazy_gettext("People's court"),
        PartnerKind.arbitration: lazy_gettext("Labour arbitration commission"),
        HearingKind.trial: lazy_gettext("Trial"),
        HearingKind.mediation: lazy_gettext("Mediation session"),
        HearingKind.lecture: lazy_gettext("Legal lecture"),
        HearingStatus.scheduled: lazy_gettext("Scheduled"),
        HearingStatus.held: lazy_gettext("Held"),
        HearingStatus.cancelled: lazy_gettext("Cancelled"),
        HearingOutcome.agreement: lazy_gettext("Agreement reached"),
        HearingOutcome.judgment: lazy_gettext("Judgment"),
        HearingOutcome.withdrawn: lazy_gettext("Withdrawn"),
        HearingOutcome.none: lazy_gettext("No decision"),
    }
)
