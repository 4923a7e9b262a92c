"""The coded vocabularies of joint meetings and their words."""

from __future__ import annotations

from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext, lazy_pgettext


class MeetingKind(LabelledEnum):
    joint = "joint"
    tripartite = "tripartite"
    city_government = "city_government"


class Body(LabelledEnum):
    """The bodies that sit at a joint meeting (the union itself convenes it)."""

    union = "union"
    hrss = "hrss"
    justice = "justice"
    court = "court"
    public_security = "public_security"
    employers = "employers"
    government = "government"


class ItemStatus(LabelledEnum):
    open = "open"
    done = "done"


set_labels(
    {
        MeetingKind.joint: lazy_gettext("Joint meeting"),
        MeetingKind.tripartite: lazy_gettext("Tripartite consultation"),
        MeetingKind.city_government: lazy_gettext("Meeting with the city government"),
        Body.union: lazy_gettext("Federation of trade unions"),
        Body.hrss: lazy_gettext("Human resources and social security"),
        Body.justice: lazy_gettext("Justice bureau"),
        Body.court: lazy_gettext("People's court"),
        Body.public_security: lazy_gettext("Public security"),
        Body.employers: lazy_gettext("Employers' organisation"),
        Body.government: lazy_gettext("City government"),
        ItemStatus.open: lazy_gettext("Open"),
        ItemStatus.done: lazy_pgettext("action item", "Done"),
    }
)
