"""Schema pieces every domain's input uses: strict schemas, id fields, plausible dates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from mediation.core.messages import N_, Message
from mediation.core.text import has_control

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


_DIGITS = re.compile(r"[+-]?[0-9]+")
NOT_AN_INTEGER = N_("Not a valid integer.")


class StrictInteger(fields.Integer):
    """A whole number and nothing else: `1.9` is not 1, `true` is not 1, `"1_000"` and `"١٢"`
    are not numbers (Python's `int()` takes all of these). Text is ASCII digits with an
    optional sign, blanks around allowed (what a form sends); `1.0` is 1."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if isinstance(value, bool):
            raise ValidationError(NOT_AN_INTEGER)
        if isinstance(value, float) and not value.is_integer():  # (NaN and infinities too)
            raise ValidationError(NOT_AN_INTEGER)
        if isinstance(value, Decimal) and (
            not value.is_finite() or value != value.to_integral_value()
        ):
            raise ValidationError(NOT_AN_INTEGER)
        if isinstance(value, str):
            value = value.strip()
            if not _DIGITS.fullmatch(value):
                raise ValidationError(NOT_AN_INTEGER)
        return super()._deserialize(value, attr, data, **kwargs)


# texts up to this long are single lines (titles, names, references); longer ones may break
SINGLE_LINE_MAX = 300
SINGLE_LINE = N_("Must be one line, without control characters.")
CONTROL_CHARACTERS = N_("Contains control characters.")
BLANK = N_("Must not be blank.")


class Text(fields.String):
    """Text a person typed. A single line is stripped of blanks around it and holds no control
    character (CR and LF included); a longer text may hold line breaks and tabs. A required
    text (`min_len` of 1 or more) is not blank."""

    def __init__(self, *, multiline: bool, min_len: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.multiline = multiline
        self.min_len = min_len

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        result: str = super()._deserialize(value, attr, data, **kwargs)
        if has_control(result, multiline=self.multiline):
            raise ValidationError(CONTROL_CHARACTERS if self.multiline else SINGLE_LINE)
        if not self.multiline:
            result = result.strip()
        if self.min_len >= 1 and not result.strip():
            raise ValidationError(BLANK)
        return result


class StrictSchema(Schema):
    """A schema that refuses fields it does not know (a typo is an error, not a silent drop)
    and takes whole numbers only: every plain `fields.Integer` it declares loads as a
    `StrictInteger` (docs/security.md "Input")."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if type(field_obj) is fields.Integer:
            field_obj.__class__ = StrictInteger  # (same state: a subclass adding one check)
        super().on_bind_field(field_name, field_obj)


def id_field(**kw: Any) -> fields.Integer:
    return StrictInteger(validate=Range(min=1, max=MAX_ID), **kw)


def text(
    max_len: int,
    *,
    required: bool = False,
    min_len: int = 1,
    multiline: bool | None = None,
    **kw: Any,
) -> fields.String:
    """A text field of at most `max_len` characters; one line unless `multiline` (by default,
    texts longer than `SINGLE_LINE_MAX` may hold line breaks)."""
    return Text(
        multiline=max_len > SINGLE_LINE_MAX if multiline is None else multiline,
        min_len=min_len,
        required=required,
        validate=Length(min=min_len, max=max_len),
        **kw,
    )
