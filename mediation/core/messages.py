"""Messages for people raised by code that has no language of its own to speak in.

An error is raised where it arises, in English, with its values beside it: a `Message` is the
English text (what the JSON API answers and the logs show) that also keeps its msgid and its
values, so a page shows it in the reader's language (`core.i18n.translate_message`). A message
without values is its msgid (`N_` marks it for `pybabel extract`); marshmallow's own default
messages are listed below so that the catalogues carry them.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    return message


class InContext(str):
    """A msgid with its message context (`NP_("count", "Cases")`): the English text wherever a
    string is expected, translated with `pgettext` where it is shown (`core.i18n.gettext`
    and the templates' `_()` look at the context). Short words that mean different things on
    different screens carry one (docs/translations.md)."""

    context: str

    def __new__(cls, context: str, message: str) -> InContext:
        text = super().__new__(cls, message)
        text.context = context
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return InContext, (self.context, str(self))


def NP_(context: str, message: str) -> InContext:
    """`N_` with a message context (extracted with `-k NP_:1c,2`)."""
    return InContext(context, message)


class Message(str):
    """English text with its msgid and values kept: `Message("At most %(n)s MB.", n=5)` is
    "At most 5 MB." wherever a string is expected, and "最多 5 MB。" on a Chinese page."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Message:
        text = super().__new__(cls, msgid % values if values else msgid)
        text.msgid = msgid
        text.values = values
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # (pickles as the message, not as a bare str)
        return _rebuild, (self.msgid, self.values)


def _rebuild(msgid: str, values: dict[str, Any]) -> Message:
    return Message(msgid, **values)


MARSHMALLOW = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Not a valid list."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("String does not match expected pattern."),
    N_("Invalid input."),
)

# marshmallow's validators' messages with values, as `core.schemas.Length`, `Range` and `OneOf`
# raise them
MARSHMALLOW_WITH_VALUES = (
    N_("Length must be between %(min)s and %(max)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than %(max)s."),
    N_("Must be one of: %(choices)s."),
)

SERVICES = (
    # cases
    N_("Not found."),
    N_("Case not found."),
    N_("Enterprise not found."),
    N_("Alert not found."),
    N_("The input is not valid."),
    N_("Your role may not register cases."),
    N_("Your role may not edit case facts."),
    N_("Your role may not assign advocates."),
    N_("Administrators only."),
    N_("Only escalation officers have an alert inbox."),
    N_("Only administrators change rule thresholds."),
    N_("The case was changed by someone else since you opened it; reload and try again."),
    N_("A closed case's facts cannot be edited; reopen it first."),
    N_("Advocates cannot be assigned to a closed case."),
    N_("That advocate is not assigned to this case."),
    N_("Not an organization you may act for."),
    N_("Unknown enterprise."),
    N_("Required for a wage-arrears case."),
    N_("The trigger's guard refused."),
    N_("Not an active advocate of this area."),
    N_("Already registered in another area; ask that area's union to handle the case."),
    N_("Not an organization of your area."),
    N_("Your role may not assign mediators."),
    N_("A closed case's mediator cannot be changed; reopen it first."),
    N_("Not an active mediator who can see this case."),
    N_("Already the case's mediator."),
    N_("Your role may not take cases over."),
    N_("A closed case cannot be taken over; reopen it first."),
    N_("The case is already handled by your organization."),
    N_("Your organization is not above the case's handling organization."),
    N_("Your role may not escalate cases."),
    N_("There is no tier above yours to escalate to."),
    N_("A closed case cannot be escalated; reopen it first."),
    N_("The case is already escalated to that tier."),
    N_("Your role may not record a delay of wages."),
    N_("A closed case cannot record a delay of wages; reopen it first."),
    N_("A delay of wages is recorded on a wage-arrears or remuneration case."),
    # evidence
    N_("Choose a file to upload."),
    N_("The file is empty."),
    N_("The file is too large."),
    N_("This file type is not accepted as evidence."),
    N_("The file's content does not match its type."),
    N_("Evidence cannot be added to a closed case; reopen it first."),
    N_("Attachment not found."),
    N_("The attachment's file is missing from storage."),
    N_("The stored file does not match its recorded hash; it is not served."),
    # plumbing
    N_("The record was changed by someone else; reload and try again."),
    N_("A concurrent change won; reload and try again."),
    # money
    N_("Not an amount."),
    N_("Must not be negative."),
    N_("Amount too large."),
    N_("At most two decimal places."),
)
