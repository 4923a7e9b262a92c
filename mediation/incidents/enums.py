"""The coded vocabularies of a mass incident (docs/incidents.md). Codes are stored; labels
are for people."""

from __future__ import annotations

from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext


class IncidentStatus(LabelledEnum):
    ongoing = "ongoing"
    contained = "contained"
    ended = "ended"


class Behaviour(LabelledEnum):
    gathering = "gathering"
    petition = "petition"
    road_blocking = "road_blocking"
    work_stoppage = "work_stoppage"
    extreme_acts = "extreme_acts"


class IncidentCause(LabelledEnum):
    wage_arrears = "wage_arrears"
    social_insurance = "social_insurance"
    dismissal = "dismissal"
    restructuring = "restructuring"
    working_conditions = "working_conditions"
    injury = "injury"
    other = "other"


class ReportKind(LabelledEnum):
    verbal = "verbal"
    written = "written"
    follow_up = "follow_up"
    final = "final"


class ReportChannel(LabelledEnum):
    phone = "phone"
    in_person = "in_person"
    document = "document"
    fax = "fax"
    online = "online"


set_labels(
    {
        IncidentStatus.ongoing: lazy_gettext("Ongoing"),
        IncidentStatus.contained: lazy_gettext("Contained"),
        IncidentStatus.ended: lazy_gettext("Ended"),
        Behaviour.gathering: lazy_gettext("Gathering"),
        Behaviour.petition: lazy_gettext("Petition"),
        Behaviour.road_blocking: lazy_gettext("Road blocking"),
        Behaviour.work_stoppage: lazy_gettext("Work stoppage"),
        Behaviour.extreme_acts: lazy_gettext("Extreme acts"),
        IncidentCause.wage_arrears: lazy_gettext("Wage arrears"),
        IncidentCause.social_insurance: lazy_gettext("Social insurance"),
        IncidentCause.dismissal: lazy_gettext("Dismissal or layoffs"),
        IncidentCause.restructuring: lazy_gettext("Restructuring, relocation or closure"),
        IncidentCause.working_conditions: lazy_gettext("Working conditions"),
        IncidentCause.injury: lazy_gettext("Work injury"),
        IncidentCause.other: lazy_gettext("Other cause"),
        ReportKind.verbal: lazy_gettext("Initial verbal report"),
        ReportKind.written: lazy_gettext("Written report"),
        ReportKind.follow_up: lazy_gettext("Follow-up report"),
        ReportKind.final: lazy_gettext("Final report"),
        ReportChannel.phone: lazy_gettext("Telephone"),
        ReportChannel.in_person: lazy_gettext("In person"),
        ReportChannel.document: lazy_gettext("Written document"),
        ReportChannel.fax: lazy_gettext("Fax"),
        ReportChannel.online: lazy_gettext("Online system"),
    }
)
