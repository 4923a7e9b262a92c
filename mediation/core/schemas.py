"""Schema pieces every domain's input uses: strict schemas, id fields, plausible dates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from mediation.core.messages import N_, Message

_BRACED = re.compile(r"\{(\w+)\}")


def _message(template: str, **values: Any) -> Message:
    """marshmallow's `{name}` template as a `Message` (msgid with `%(name)s`), so that a page
    shows it translated with its values."""
    return Message(_BRACED.sub(r"%(\1)s", template), **values)


class Length(validate.Length):
    """marshmallow's `Length`, its errors raised as `Message`s."""

    def _format_error(self, value: Any, message: str) -> str:
        return _message(self.error or message, min=self.min, max=self.max, equal=self.equal)


class Range(validate.Range):
    """marshmallow's `Range`, its errors raised as `Message`s."""

    def _format_error(self, value: Any, message: str) -> str:
        return _message(self.error or message, min=self.min, max=self.max)


class OneOf(validate.OneOf):
    """marshmallow's `OneOf`, its errors raised as `Message`s."""

    def _format_error(self, value: Any) -> str:
        return _message(self.error, choices=self.choices_text, labels=self.labels_text)


MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
PLAUSIBLE_DATE = Range(
    min=date(1990, 1, 1), max=date(2100, 12, 31), error=N_("Must be between 1990 and 2100.")
)


class StrictSchema(Schema):
    """A schema that refuses fields it does not know (a typo is an error, not a silent drop)."""

    class Meta:
        unknown = RAISE


def id_field(**kw: Any) -> fields.Integer:
    return fields.Integer(validate=Range(min=1, max=MAX_ID), **kw)


def text(max_len: int, *, required: bool = False, min_len: int = 1, **kw: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=Length(min=min_len, max=max_len),
        **kw,
    )
