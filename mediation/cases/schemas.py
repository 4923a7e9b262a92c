"""Input schemas: the new-case payload, fact edits, notes and one schema per trigger payload.

The web forms and (later) the JSON API load through the same schemas, so validation lives once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from mediation.cases.enums import (
    CaseKind,
    Category,
    Channel,
    EmploymentStatus,
    ReferralTarget,
    ReopenReason,
    RulingResult,
)
from mediation.core.clock import local_date, utcnow
from mediation.core.fields import AwareDateTime, Money
from mediation.core.identifiers import (
    is_valid_id_number,
    normalize_id_number,
)
from mediation.core.messages import N_
from mediation.core.schemas import (
    MAX_ID,
    PLAUSIBLE_DATE,
    Length,
    OneOf,
    Range,
    StrictSchema,
    id_field,
    text,
)
from mediation.enterprises.schemas import EnterpriseInputSchema

SHORT_TEXT = 200
REASON_TEXT = 2_000
LONG_TEXT = 10_000
MAX_WORKERS = 100_000
MAX_ARREARS_MONTHS = 240
# an agreement's instalments: ten years of monthly payments is far beyond any agreement
MAX_INSTALMENTS = 120


class CaseFactsSchema(StrictSchema):
    """Facts a mediator records and may later correct."""

    category = fields.Enum(Category, by_value=True)
    enterprise_id = id_field()
    # the construction project the dispute arose on (docs/enterprise-file.md)
    project_id = id_field(allow_none=True)
    worker_name = text(100, allow_none=True)
    worker_phone = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[0-9+\-() ]{5,32}$", error=N_("Not a valid phone number.")),
    )
    worker_id_number = fields.String(allow_none=True)
    workers_involved = fields.Integer(validate=Range(min=1, max=MAX_WORKERS))
    is_migrant = fields.Boolean()
    is_construction = fields.Boolean()
    title = text(SHORT_TEXT)
    description = text(LONG_TEXT, min_len=0)
    claim_amount = Money(attribute="claim_amount_fen", data_key="claim_amount", allow_none=True)
    arrears_months = fields.Integer(allow_none=True, validate=Range(min=0, max=MAX_ARREARS_MONTHS))
    channel = fields.Enum(Channel, by_value=True)
    # the report's moment; `received_at` is its older name (on a new case it also records an
    # application at that moment: design.md §8a)
    reported_at = AwareDateTime()
    received_at = AwareDateTime()
    infringement_known_at = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    employment_status = fields.Enum(EmploymentStatus, by_value=True)
    employment_ended_at = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    # the first pay day that went unpaid: the months owed grow from it (cases/arrears.py)
    wages_unpaid_since = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    owner_absconded = fields.Boolean()
    incident_in_progress = fields.Boolean()

    @validates("worker_id_number")
    def _id_number(self, value: str | None, data_key: str) -> None:
        if value is not None and not is_valid_id_number(value):
            raise ValidationError(N_("Not a valid resident ID number (GB 11643 check digit)."))

    @validates("received_at", "reported_at")
    def _received_not_future(self, value: datetime, data_key: str) -> None:
        if value > utcnow():
            raise ValidationError(N_("Must not be in the future."))

    @validates("infringement_known_at", "employment_ended_at", "wages_unpaid_since")
    def _date_not_future(self, value: date | None, data_key: str) -> None:
        if value is not None and value > local_date(utcnow()):
            raise ValidationError(N_("Must not be in the future."))


class CaseCreateSchema(CaseFactsSchema):
    kind = fields.Enum(CaseKind, by_value=True, required=True)
    application_received_at = AwareDateTime(allow_none=True)
    category = fields.Enum(Category, by_value=True, required=True)
    title = text(SHORT_TEXT, required=True)
    workers_involved = fields.Integer(required=True, validate=Range(min=1, max=MAX_WORKERS))
    channel = fields.Enum(Channel, by_value=True, load_default=Channel.walk_in)
    handling_org_id = id_field()
    enterprise = fields.Nested(EnterpriseInputSchema)
    # an employer registered in another union's area: register the report and hand it to that
    # union (docs/referrals.md)
    refer_to_area = fields.Boolean(load_default=False)
    referral_note = text(2000, min_len=0, load_default="")

    @validates_schema
    def _enterprise_given(self, data: dict, **kwargs: Any) -> None:
        if not data.get("enterprise_id") and not data.get("enterprise"):
            raise ValidationError(
                N_("Choose an enterprise or register a new one."), "enterprise_id"
            )
        if data.get("kind") == CaseKind.arrears and not has_arrears_period(data):
            raise ValidationError(ARREARS_PERIOD_REQUIRED, "arrears_months")

    @validates_schema
    def _moments(self, data: dict, **kwargs: Any) -> None:
        reported = data.get("reported_at") or data.get("received_at")
        both = data.get("reported_at") and data.get("received_at")
        if both and data["reported_at"] != data["received_at"]:
            raise ValidationError(
                N_("Give the report's moment once (received_at is its older name)."),
                "received_at",
            )
        application = data.get("application_received_at")
        if application is not None:
            if application > utcnow():
                raise ValidationError(N_("Must not be in the future."), "application_received_at")
            if reported is not None and application < reported:
                raise ValidationError(
                    N_("The application cannot come before the report."),
                    "application_received_at",
                )


# An arrears case states how long wages have gone unpaid: the first unpaid pay day, from which
# the months owed grow, or (older clients, the hotline's import) the months counted once.
ARREARS_PERIOD_REQUIRED = N_(
    "Required for a wage-arrears case: the months in arrears or the first unpaid pay day."
)


def has_arrears_period(facts: dict) -> bool:
    return facts.get("arrears_months") is not None or facts.get("wages_unpaid_since") is not None


class CaseEditSchema(CaseFactsSchema):
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))


# --- clocks (cases/clocks.py, clock_events.py) ---------------------------------------------------


class ApplicationSchema(StrictSchema):
    """`POST /cases/{id}/application`: the mediation body received an application."""

    received_at = AwareDateTime(required=True)
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))
    note = text(LONG_TEXT, min_len=0)

    @validates("received_at")
    def _not_future(self, value: datetime, data_key: str) -> None:
        if value > utcnow():
            raise ValidationError(N_("Must not be in the future."))


class ConsentSchema(StrictSchema):
    worker = fields.Boolean(load_default=False)
    employer = fields.Boolean(load_default=False)


class ClockEventSchema(StrictSchema):
    """`POST /cases/{id}/clocks/{clock}/events`: interrupt, suspend, resume or extend."""

    kind = fields.String(
        required=True, validate=OneOf(["interrupt", "suspend", "resume", "extend"])
    )
    at = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    reason = text(REASON_TEXT, required=True)
    new_last_day = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    # a suspension's expected end: the clock runs again by itself on that day
    resume_on = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    consent = fields.Nested(ConsentSchema, allow_none=True)
    evidence = text(SHORT_TEXT, min_len=0, allow_none=True)
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))

    @validates("at")
    def _not_future(self, value: date, data_key: str) -> None:
        if value > local_date(utcnow()):
            raise ValidationError(N_("Must not be in the future."))


class ArbitrationSchema(StrictSchema):
    """`POST /cases/{id}/arbitration`: what the commission did, as the union learns it."""

    applied_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    decision = fields.String(allow_none=True, validate=OneOf(["accepted", "refused"]))
    decided_on = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    award_on = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    award_final = fields.Boolean(allow_none=True)
    note = text(LONG_TEXT, min_len=0)
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))

    @validates("applied_on", "decided_on", "award_on")
    def _not_future(self, value: date | None, data_key: str) -> None:
        if value is not None and value > local_date(utcnow()):
            raise ValidationError(N_("Must not be in the future."))

    @validates_schema
    def _in_order(self, data: dict, **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        decision, decided = data.get("decision"), data.get("decided_on")
        if (decision is None) != (decided is None):
            errors["decided_on" if decided is None else "decision"] = [
                N_("Give the decision and its date together.")
            ]
        if decided is not None and decided < data["applied_on"]:
            errors["decided_on"] = [N_("Must not be before the application.")]
        if data.get("award_on") is not None:
            if decision != "accepted":
                errors["award_on"] = [N_("An award needs the case to have been accepted.")]
            elif decided is not None and data["award_on"] < decided:
                errors["award_on"] = [N_("Must not be before the acceptance.")]
            if data.get("award_final") is None:
                errors["award_final"] = [N_("Say whether the award is final.")]
        elif data.get("award_final") is not None:
            errors["award_final"] = [N_("Only with the award's date.")]
        if errors:
            raise ValidationError(errors)


def clean_id_number(value: str | None) -> str | None:
    return normalize_id_number(value) if value else value


class NoteSchema(StrictSchema):
    kind = fields.String(load_default="note", validate=OneOf(["note", "visit"]))
    body = text(LONG_TEXT, required=True)


class AssignMediatorSchema(StrictSchema):
    mediator_id = id_field(required=True)
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))


class TakeoverSchema(StrictSchema):
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))
    reason = text(LONG_TEXT, required=True)


# --- trigger payloads -------------------------------------------------------------------------


class TriggerPayload(StrictSchema):
    note = text(LONG_TEXT, min_len=0)


class AcceptPayload(TriggerPayload):
    mediator_id = id_field()


class ReopenPayload(TriggerPayload):
    # why the case is reopened decides which clocks start again (docs/domain.md "Case
    # lifecycle"); `reason` says it in words
    reopen_reason = fields.Enum(ReopenReason, by_value=True, required=True)
    reason = text(REASON_TEXT, required=True)
    mediator_id = id_field()


class ReasonPayload(TriggerPayload):
    reason = text(REASON_TEXT, required=True)


class EmptyPayload(TriggerPayload):
    pass


class MergePayload(TriggerPayload):
    """The case a merged report joins (set by `cases.merging`, not typed by anyone)."""

    into_case_id = id_field(required=True)


class SplitPayload(TriggerPayload):
    """The case a report is split off from (set by `cases.merging`)."""

    from_case_id = id_field(required=True)


class InstalmentSchema(StrictSchema):
    """One payment of an agreement's schedule: its amount by its date."""

    due_on = fields.Date(required=True, validate=PLAUSIBLE_DATE)
    amount = Money(attribute="amount_fen", data_key="amount", required=True)


class RecordAgreementPayload(TriggerPayload):
    terms = text(LONG_TEXT, required=True)
    agreement_amount = Money(attribute="agreement_amount_fen", data_key="agreement_amount")
    # with instalments: the last instalment's date, which it may be left to be
    agreement_due_on = fields.Date(validate=PLAUSIBLE_DATE)
    # in date order, adding up to the agreed amount (checked by the trigger's guard, which knows
    # the day)
    instalments = fields.List(
        fields.Nested(InstalmentSchema), validate=Length(min=1, max=MAX_INSTALMENTS)
    )

    @validates_schema
    def _due_date_given(self, data: dict, **kwargs: Any) -> None:
        if not data.get("instalments") and data.get("agreement_due_on") is None:
            raise ValidationError(
                N_("Required unless the agreement pays in instalments."), "agreement_due_on"
            )


class ConfirmPerformancePayload(TriggerPayload):
    # this payment (0 when the payments recorded before cover the agreed amount)
    paid_amount = Money(attribute="paid_amount_fen", data_key="paid_amount", required=True)


class RecordPaymentPayload(TriggerPayload):
    """A partial payment on the agreement, added to what was paid before."""

    paid_amount = Money(attribute="paid_amount_fen", data_key="paid_amount", required=True)
    paid_on = fields.Date(validate=PLAUSIBLE_DATE)  # the day of the payment (today if left out)


class ClosePartlyPerformedPayload(TriggerPayload):
    reason = text(REASON_TEXT, required=True)
    # a last payment received with the closure, if any
    paid_amount = Money(attribute="paid_amount_fen", data_key="paid_amount")


class ReportDefaultPayload(TriggerPayload):
    reason = text(REASON_TEXT, required=True)
    # the day the employer refused to pay: lets non-performance be reported before anything
    # has fallen due
    refused_on = fields.Date(validate=PLAUSIBLE_DATE)


class ReferPayload(TriggerPayload):
    referral_target = fields.Enum(ReferralTarget, by_value=True, required=True)
    referral_reference = text(SHORT_TEXT, required=True)


class RecordRulingPayload(TriggerPayload):
    result = fields.Enum(RulingResult, by_value=True, required=True)
    amount = Money(attribute="ruling_amount_fen", data_key="amount", required=True)
