"""The coded vocabularies of a case (docs/domain.md "Labor disputes and case categories"). Codes are stored; labels are for people."""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext
from mediation.core.messages import N_


class CaseKind(LabelledEnum):
    dispute = "dispute"
    arrears = "arrears"


class Category(LabelledEnum):
    employment_relationship = "employment_relationship"
    contract = "contract"
    # dissolution (解除) of a labour contract by either side: dismissal, removal, resignation
    # (the code predates the split from termination, docs/statistics.md "Causes")
    dismissal = "dismissal"
    # termination (终止): the contract ends by itself (expiry, retirement, the employer closing)
    termination = "termination"
    remuneration = "remuneration"
    social_insurance = "social_insurance"
    working_conditions = "working_conditions"
    # work-injury benefits and medical costs (工伤), counted with social insurance
    injury_compensation = "injury_compensation"
    # economic compensation or damages (经济补偿金、赔偿金) outside a work injury
    compensation = "compensation"
    other = "other"

    @property
    def statistics_bucket(self) -> str:
        return STATISTICS_BUCKETS[self]


# The official lines of the causes (docs/statistics.md "Causes"): dissolution and termination
# apart, work injury with social insurance (and shown as "of which", `WORK_INJURY`).
STATISTICS_BUCKETS = {
    Category.employment_relationship: "employment_relationship",
    Category.contract: "change_of_contract",
    Category.dismissal: "rescission",
    Category.termination: "termination",
    Category.remuneration: "remuneration",
    Category.social_insurance: "social_insurance",
    Category.working_conditions: "other",
    Category.injury_compensation: "social_insurance",
    Category.compensation: "other",
    Category.other: "other",
}
WORK_INJURY = (Category.injury_compensation,)

# The official statistics buckets (docs/domain.md "Statistics"), in the order the tables show them.
BUCKETS = (
    "remuneration",
    "social_insurance",
    "change_of_contract",
    "rescission",
    "termination",
    "employment_relationship",
    "other",
)
# Figures of `report()["by_bucket"]` besides the lines: the sum of dissolution and termination
# (the single line of the earlier tables, kept for the returns already frozen) and the work
# injuries counted within social insurance.
EXTRA_BUCKETS = ("rescission_termination", "work_injury")
BUCKET_LABELS = {
    "remuneration": N_("Labour remuneration"),
    "social_insurance": N_("Social insurance"),
    "work_injury": N_("of which work injury"),
    "change_of_contract": N_("Change of labour contract"),
    "rescission": N_("Dissolution (rescission) of labour contract"),
    "termination": N_("Termination of labour contract"),
    "rescission_termination": N_("Rescission or termination of labour contract"),
    "employment_relationship": N_("Confirmation of an employment relationship"),
    "other": N_("Other"),
}

# The categories the split of issue 21 narrowed: a case registered under one before the split may
# belong to the new one beside it, so the migration flags it for review (`Case.category_review`).
SPLIT_CATEGORIES = {
    Category.dismissal: Category.termination,
    Category.injury_compensation: Category.compensation,
}

# A collective dispute: ten or more workers with a common claim (LDMAL art. 7).
COLLECTIVE_WORKERS = 10

# Claims for which a worker may ask a court for a payment order (LDMAL art. 16).
PAYMENT_ORDER_CATEGORIES = frozenset(
    {Category.remuneration, Category.injury_compensation, Category.compensation}
)


class Channel(LabelledEnum):
    walk_in = "walk_in"
    hotline = "hotline"
    advocate = "advocate"
    online = "online"
    referral = "referral"
    inspection = "inspection"
    written = "written"


# Channels through which the mediation body receives an application itself (oral and recorded on
# the spot, written, or online), not a report (线索) of one (LDMAL art. 12; docs/domain.md
# "Clocks in detail"): a case registered through one may record both moments at once.
APPLICATION_CHANNELS = frozenset({Channel.walk_in, Channel.written, Channel.online})


class Outcome(LabelledEnum):
    not_accepted = "not_accepted"
    agreement_performed = "agreement_performed"
    withdrawn = "withdrawn"
    worker_won = "worker_won"
    employer_won = "employer_won"
    partly = "partly"
    mediated_in_arbitration = "mediated_in_arbitration"
    dismissed = "dismissed"
    # paid less than agreed and closed so (counted as a failure, not a performance)
    partly_performed = "partly_performed"
    # joined into another case of the same dispute (docs/collective.md "Merge"): not a closure
    # of its own, so the statistics and the repeat-employer count leave it out
    merged = "merged"


class EmploymentStatus(LabelledEnum):
    """Whether the employment lasts: remuneration claims have no limitation while it does
    (LDMAL art. 27(4), docs/domain.md "Clocks in detail")."""

    ongoing = "ongoing"
    ended = "ended"
    unknown = "unknown"


class ReopenReason(LabelledEnum):
    """Why a closed case was reopened: it decides which clocks start again
    (docs/domain.md "Clocks in detail")."""

    new_application = "new_application"
    default_after_closure = "default_after_closure"
    enforcement_only = "enforcement_only"


class ArbitrationDecision(LabelledEnum):
    accepted = "accepted"
    refused = "refused"


class ReferralTarget(LabelledEnum):
    arbitration = "arbitration"
    payment_order = "payment_order"
    labor_inspection = "labor_inspection"
    police = "police"
    court = "court"


class RulingResult(LabelledEnum):
    worker_won = "worker_won"
    employer_won = "employer_won"
    partly = "partly"
    mediated_in_arbitration = "mediated_in_arbitration"
    dismissed = "dismissed"


class WarningLevel(LabelledEnum):
    """Lowest to highest; the order of the members is the order of severity."""

    blue = "blue"
    yellow = "yellow"
    orange = "orange"
    red = "red"


class EventKind(LabelledEnum):
    created = "created"
    transition = "transition"
    edit = "edit"
    note = "note"
    visit = "visit"
    assignment = "assignment"
    attachment = "attachment"
    alert = "alert"
    acknowledgement = "acknowledgement"
    takeover = "takeover"
    application = "application"
    clock = "clock"
    arbitration = "arbitration"
    payment = "payment"


class State(LabelledEnum):
    """Where a case stands in its lifecycle (the transitions are `cases.workflow`'s table)."""

    reported = "reported"
    accepted = "accepted"
    mediating = "mediating"
    agreement = "agreement"
    failed = "failed"
    referred = "referred"
    closed = "closed"

    @property
    def is_open(self) -> bool:
        return self is not State.closed


STATE_LABELS = {
    State.reported: lazy_gettext("Reported"),
    State.accepted: lazy_gettext("Accepted"),
    State.mediating: lazy_gettext("In mediation"),
    State.agreement: lazy_gettext("Agreement reached"),
    State.failed: lazy_gettext("Mediation failed"),
    State.referred: lazy_gettext("Referred"),
    State.closed: lazy_gettext("Closed"),
}
OPEN_STATES = tuple(s for s in State if s.is_open)
INITIAL_STATE = State.reported


# English msgids; the catalogues translate them (Chinese first).
LABELS: dict[LabelledEnum, LazyString] = {
    CaseKind.dispute: lazy_gettext("Labour dispute"),
    CaseKind.arrears: lazy_gettext("Wage arrears"),
    Category.employment_relationship: lazy_gettext("Confirmation of an employment relationship"),
    Category.contract: lazy_gettext("Conclusion, performance or change of a labour contract"),
    Category.dismissal: lazy_gettext(
        "Dissolution of a labour contract (dismissal, removal, resignation)"
    ),
    Category.termination: lazy_gettext("Termination of a labour contract (expiry and the like)"),
    Category.remuneration: lazy_gettext("Labour remuneration"),
    Category.social_insurance: lazy_gettext("Social insurance"),
    Category.working_conditions: lazy_gettext(
        "Working hours, leave, welfare, training, labour protection"
    ),
    Category.injury_compensation: lazy_gettext("Work-injury benefits and medical costs"),
    Category.compensation: lazy_gettext("Economic compensation or damages"),
    Category.other: lazy_gettext("Other"),
    Channel.walk_in: lazy_gettext("Walk-in"),
    Channel.hotline: lazy_gettext("Hotline"),
    Channel.advocate: lazy_gettext("Reported by an advocate"),
    Channel.online: lazy_gettext("Online application"),
    Channel.referral: lazy_gettext("Referred by another body"),
    Channel.inspection: lazy_gettext("Found by inspection"),
    Channel.written: lazy_gettext("Written application"),
    Outcome.not_accepted: lazy_gettext("Not accepted"),
    Outcome.agreement_performed: lazy_gettext("Agreement performed"),
    Outcome.withdrawn: lazy_gettext("Withdrawn"),
    Outcome.worker_won: lazy_gettext("Worker won"),
    Outcome.employer_won: lazy_gettext("Employer won"),
    Outcome.partly: lazy_gettext("Partly upheld for each side"),
    Outcome.mediated_in_arbitration: lazy_gettext("Settled by mediation in arbitration"),
    Outcome.dismissed: lazy_gettext("Dismissed"),
    Outcome.partly_performed: lazy_gettext("Agreement partly performed"),
    Outcome.merged: lazy_gettext("Merged into another case"),
    EmploymentStatus.ongoing: lazy_gettext("Employment ongoing"),
    EmploymentStatus.ended: lazy_gettext("Employment ended"),
    EmploymentStatus.unknown: lazy_gettext("Unknown whether employment lasts"),
    ReopenReason.new_application: lazy_gettext("A new application for mediation"),
    ReopenReason.default_after_closure: lazy_gettext("The agreement defaulted after closure"),
    ReopenReason.enforcement_only: lazy_gettext("Enforcement only"),
    ArbitrationDecision.accepted: lazy_gettext("Accepted by the arbitration commission"),
    ArbitrationDecision.refused: lazy_gettext("Refused by the arbitration commission"),
    ReferralTarget.arbitration: lazy_gettext("Labour and personnel dispute arbitration commission"),
    ReferralTarget.payment_order: lazy_gettext("People's court (payment order)"),
    ReferralTarget.labor_inspection: lazy_gettext("Labour inspection"),
    ReferralTarget.police: lazy_gettext("Public security organ"),
    ReferralTarget.court: lazy_gettext("People's court"),
    RulingResult.worker_won: lazy_gettext("Worker won"),
    RulingResult.employer_won: lazy_gettext("Employer won"),
    RulingResult.partly: lazy_gettext("Partly upheld for each side"),
    RulingResult.mediated_in_arbitration: lazy_gettext("Settled by mediation in arbitration"),
    RulingResult.dismissed: lazy_gettext("Dismissed"),
    WarningLevel.blue: lazy_gettext("Blue alert"),
    WarningLevel.yellow: lazy_gettext("Yellow alert"),
    WarningLevel.orange: lazy_gettext("Orange alert"),
    WarningLevel.red: lazy_gettext("Red alert"),
    EventKind.created: lazy_gettext("Registered"),
    EventKind.transition: lazy_gettext("Transition"),
    EventKind.edit: lazy_gettext("Edit"),
    EventKind.note: lazy_gettext("Progress note"),
    EventKind.visit: lazy_gettext("Visit record"),
    EventKind.assignment: lazy_gettext("Assignment"),
    EventKind.attachment: lazy_gettext("Evidence"),
    EventKind.alert: lazy_gettext("Alert"),
    EventKind.acknowledgement: lazy_gettext("Alert acknowledged"),
    EventKind.takeover: lazy_gettext("Takeover"),
    EventKind.application: lazy_gettext("Application received"),
    EventKind.clock: lazy_gettext("Clock event"),
    EventKind.arbitration: lazy_gettext("Arbitration stage"),
    EventKind.payment: lazy_gettext("Payment recorded"),
}
set_labels(STATE_LABELS)
set_labels(LABELS)
