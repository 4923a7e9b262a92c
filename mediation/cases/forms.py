"""Presentation of case inputs: field labels and the widgets of each trigger's form.

Trigger forms are derived from the trigger's payload schema, so a field added to a schema
appears in its form and the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString
from marshmallow import fields as mfields
from werkzeug.datastructures import MultiDict

from mediation.cases import schemas
from mediation.cases.workflow import Trigger
from mediation.core.fields import Money
from mediation.core.i18n import lazy_gettext

FIELD_LABELS = {
    "kind": lazy_gettext("Case type"),
    "category": lazy_gettext("Dispute category"),
    "enterprise_id": lazy_gettext("Employer"),
    "enterprise.name": lazy_gettext("New employer name"),
    "enterprise.credit_code": lazy_gettext("Unified social credit code"),
    "enterprise.address": lazy_gettext("Employer address"),
    "enterprise.legal_representative": lazy_gettext("Legal representative"),
    "worker_name": lazy_gettext("Workers' representative"),
    "worker_phone": lazy_gettext("Contact phone"),
    "worker_id_number": lazy_gettext("Resident ID number"),
    "workers_involved": lazy_gettext("Workers involved"),
    "is_migrant": lazy_gettext("Migrant workers"),
    "is_construction": lazy_gettext("Construction sector"),
    "title": lazy_gettext("Summary of the claim"),
    "description": lazy_gettext("Description"),
    "claim_amount": lazy_gettext("Amount claimed (yuan)"),
    "arrears_months": lazy_gettext("Months in arrears"),
    "wages_unpaid_since": lazy_gettext("First unpaid pay day"),
    "until": lazy_gettext("Wages delayed until"),
    "channel": lazy_gettext("Source"),
    "received_at": lazy_gettext("Reported at"),
    "reported_at": lazy_gettext("Reported at"),
    "application_received_at": lazy_gettext(
        "Application received at (empty: a report only, no application yet)"
    ),
    "employment_status": lazy_gettext("Employment"),
    "infringement_known_at": lazy_gettext("Date the infringement became known"),
    "employment_ended_at": lazy_gettext("Date the employment ended"),
    "owner_absconded": lazy_gettext("Owner absconded / unreachable"),
    "incident_in_progress": lazy_gettext("Mass incident in progress"),
    "handling_org_id": lazy_gettext("Handling organization"),
    "mediator_id": lazy_gettext("Mediator"),
    "reason": lazy_gettext("Reason"),
    "note": lazy_gettext("Remarks"),
    "terms": lazy_gettext("Terms of the agreement"),
    "agreement_amount": lazy_gettext("Agreed amount (yuan)"),
    "agreement_due_on": lazy_gettext("Performance due by"),
    "paid_amount": lazy_gettext("Amount paid (yuan)"),
    "referral_target": lazy_gettext("Referred to"),
    "referral_reference": lazy_gettext("Referral document / acceptance number"),
    "result": lazy_gettext("Ruling"),
    "amount": lazy_gettext("Amount awarded (yuan)"),
    "body": lazy_gettext("Content"),
    "user_id": lazy_gettext("Rights advocate"),
    "version": lazy_gettext("Version"),
}

CHECKBOXES = ("is_migrant", "is_construction", "owner_absconded", "incident_in_progress")


@dataclass
class FormField:
    name: str
    label: LazyString | str
    widget: str  # text, textarea, money, date, select, number
    required: bool
    choices: list[tuple[str, LazyString | str]] | None = None


def trigger_form_fields(trigger: Trigger) -> list[FormField]:
    """The inputs of a trigger's form, from its payload schema (the optional note last)."""
    result = []
    schema = trigger.payload()
    for name, field in schema.fields.items():
        key = field.data_key or name
        if isinstance(field, Money):
            widget = "money"
        elif isinstance(field, mfields.Date):
            widget = "date"
        elif isinstance(field, mfields.Enum):
            widget = "select"
        elif isinstance(field, mfields.Integer):
            widget = "select"  # ids: the view supplies the choices
        else:
            length = next((v.max for v in field.validators if hasattr(v, "max")), None)
            widget = "textarea" if (length or 0) > schemas.SHORT_TEXT else "text"
        choices = field.enum.choices() if isinstance(field, mfields.Enum) else None
        result.append(FormField(key, FIELD_LABELS.get(key, key), widget, field.required, choices))
    result.sort(key=lambda f: f.name == "note")
    return result


def form_payload(form: MultiDict, *, drop: tuple[str, ...] = ("csrf_token",)) -> dict:
    """A submitted form as a payload: blank inputs are left out, as if not given."""
    return {
        key: value.strip() if isinstance(value, str) else value
        for key, value in form.items()
        if key not in drop and not (isinstance(value, str) and value.strip() == "")
    }


def case_form_payload(form: MultiDict, *, include_unchecked: bool) -> dict:
    """The new-case / edit form as a payload: nested new enterprise, checkbox booleans."""
    payload = form_payload(form, drop=("csrf_token", "enterprise_q"))  # the search box
    enterprise = {
        key.split(".", 1)[1]: payload.pop(key)
        for key in list(payload)
        if key.startswith("enterprise.")
    }
    if not payload.get("enterprise_id") and enterprise:
        payload["enterprise"] = enterprise
    for name in CHECKBOXES:
        if name in payload:
            payload[name] = True
        elif include_unchecked:
            payload[name] = False
    return payload
