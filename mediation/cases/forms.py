"""Presentation of case inputs: field labels and the widgets of each trigger's form.

Trigger forms are derived from the trigger's payload schema, so a field added to a schema
appears in its form and the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel.speaklater import LazyString
from marshmallow import fields as mfields
from werkzeug.datastructures import MultiDict

from mediation.cases import schemas, workflow
from mediation.cases.workflow import Trigger
from mediation.core.fields import Money
from mediation.core.i18n import lazy_gettext, lazy_pgettext
from mediation.core.messages import Message

FIELD_LABELS = {
    "kind": lazy_gettext("Case type"),
    "category": lazy_gettext("Dispute category"),
    "enterprise_id": lazy_gettext("Employer"),
    "project_id": lazy_pgettext("project", "Construction project"),
    "enterprise.name": lazy_gettext("New employer name"),
    "enterprise.credit_code": lazy_gettext("Unified social credit code"),
    "enterprise.address": lazy_gettext("Employer address"),
    "enterprise.legal_representative": lazy_gettext("Legal representative"),
    "enterprise.contact_person": lazy_gettext("Employer's contact person"),
    "enterprise.contact_phone": lazy_gettext("Employer's contact phone"),
    "enterprise.contact_email": lazy_gettext("Employer's contact e-mail"),
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
    "paid_on": lazy_gettext("Paid on"),
    "instalments": lazy_gettext("Instalments"),
    "refused_on": lazy_gettext("Day the employer refused to pay"),
    "reopen_reason": lazy_gettext("Why the case is reopened"),
    "referral_target": lazy_gettext("Referred to"),
    "referral_reference": lazy_gettext("Referral document / acceptance number"),
    "result": lazy_gettext("Ruling"),
    "amount": lazy_gettext("Amount awarded (yuan)"),
    "body": lazy_gettext("Content"),
    "user_id": lazy_gettext("Rights advocate"),
    "version": lazy_gettext("Version"),
    "into_case_id": lazy_gettext("Case it is merged into"),
    "from_case_id": lazy_gettext("Case it was split from"),
}

# a line under the input, where its label alone would leave the user guessing
FIELD_HINTS = {
    "instalments": lazy_gettext(
        "Optional. One instalment a line: the due date and the amount in yuan, for example "
        "2026-06-30 30000. They must add up to the agreed amount."
    ),
    "agreement_due_on": lazy_gettext(
        "With instalments, leave it blank: the last instalment's date."
    ),
    "refused_on": lazy_gettext(
        "Only before anything falls due: the day the employer refused to pay."
    ),
}

CHECKBOXES = ("is_migrant", "is_construction", "owner_absconded", "incident_in_progress")

# list inputs typed as lines of a textarea: the keys of each line's values, in order
LINE_FIELDS: dict[str, tuple[str, ...]] = {"instalments": ("due_on", "amount")}
LINE_ITEM_LABELS = {"due_on": lazy_gettext("date"), "amount": lazy_gettext("amount")}
_LINE_SEPARATOR = re.compile(r"[\s,，;；]+")


@dataclass
class FormField:
    name: str
    label: LazyString | str
    widget: str  # text, textarea, money, date, select, number, lines
    required: bool
    choices: list[tuple[str, LazyString | str]] | None = None
    hint: LazyString | str | None = None


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
        elif isinstance(field, mfields.List) and key in LINE_FIELDS:
            widget = "lines"
        else:
            length = next((v.max for v in field.validators if hasattr(v, "max")), None)
            widget = "textarea" if (length or 0) > schemas.SHORT_TEXT else "text"
        choices = field.enum.choices() if isinstance(field, mfields.Enum) else None
        result.append(
            FormField(
                key, FIELD_LABELS.get(key, key), widget, field.required, choices,
                FIELD_HINTS.get(key),
            )
        )  # fmt: skip
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


def trigger_form_payload(trigger_name: str, form: MultiDict) -> tuple[dict, dict]:
    """A trigger's submitted form as its payload, and what was typed (shown again with the
    errors): a lines input becomes the list its schema takes."""
    typed = form_payload(form, drop=("csrf_token", "version"))
    payload: dict[str, Any] = dict(typed)
    try:
        trigger = workflow.get_trigger(trigger_name)
    except workflow.UnknownTrigger:
        return payload, typed  # (the service names the unknown trigger)
    for f in trigger_form_fields(trigger):
        if f.widget == "lines" and isinstance(payload.get(f.name), str):
            payload[f.name] = parse_lines(payload[f.name], LINE_FIELDS[f.name])
    return payload, typed


def parse_lines(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """One item a non-blank line, its values split at spaces or commas: a missing value is left
    out (the schema names it), extra text stays with the last one (and makes it invalid)."""
    return [
        dict(zip(keys, _LINE_SEPARATOR.split(line.strip(), maxsplit=len(keys) - 1), strict=False))
        for line in text.splitlines()
        if line.strip()
    ]


def fold_line_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The errors of a lines input's items (`instalments.1.amount`) as errors of the input
    itself that name the line, so they show beside the textarea."""
    folded: dict[str, list[str]] = {}
    for key, messages in errors.items():
        name, _, rest = key.partition(".")
        if name not in LINE_FIELDS or not rest:
            folded.setdefault(key, []).extend(messages)
            continue
        index, _, item = rest.partition(".")
        line = int(index) + 1 if index.isdigit() else index
        for message in messages:
            folded.setdefault(name, []).append(
                Message(
                    "Line %(line)s, %(item)s: %(message)s",
                    line=line, item=LINE_ITEM_LABELS[item], message=message,
                )
                if item in LINE_ITEM_LABELS
                else Message("Line %(line)s: %(message)s", line=line, message=message)
            )  # fmt: skip
    return folded
