"""marshmallow fields for the project's value types (money in fen, local datetimes)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from datetime import datetime
from typing import Any, overload

from marshmallow import Schema, ValidationError, fields
from marshmallow.types import UnknownOption

from mediation.core.clock import ensure_utc, local_zone
from mediation.core.messages import N_, Message
from mediation.core.money import MoneyError, fen_to_yuan, yuan_to_fen


@functools.cache
def shared_schema(schema_cls: type[Schema], unknown: UnknownOption | None = None) -> Schema:
    """One instance per schema class (and `unknown` policy), shared by every load and dump:
    building a schema deep-copies all its fields (about a millisecond each time), and a
    marshmallow 4 schema keeps no state between calls."""
    return schema_cls() if unknown is None else schema_cls(unknown=unknown)


class Money(fields.Field):
    """Yuan as a decimal string (or number) outside, integer fen inside."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return fen_to_yuan(value)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if isinstance(value, (dict, list, tuple)):
            raise ValidationError(N_("Not a valid amount."))
        try:
            return yuan_to_fen(value)
        except MoneyError as exc:
            raise ValidationError(
                Message("Not a valid amount: %(reason)s.", reason=str(exc))
            ) from None


class AwareDateTime(fields.DateTime):
    """ISO 8601; a value without offset is China time (what a person typed), stored as UTC."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> datetime:
        result: datetime = super()._deserialize(value, attr, data, **kwargs)
        if not 1990 <= result.year <= 2100:
            raise ValidationError(N_("Must be between 1990 and 2100."))
        if result.tzinfo is None:
            result = result.replace(tzinfo=local_zone())
        return ensure_utc(result)


_CODES: dict[Any, str] = {}  # enum member (or code) -> its code


@overload
def code_of(value: None) -> None: ...
@overload
def code_of(value: object) -> str: ...
def code_of(value: Any) -> str | None:
    """The code of an enum member (or a code given as it is), None for None. Remembered: a
    dictionary lookup costs less than `.value`, and a list page asks fifty times a kind."""
    if value is None:
        return None
    try:
        return _CODES[value]
    except KeyError:
        code = _CODES[value] = str(getattr(value, "value", value))
        return code


class EnumCode(fields.Enum):
    """An enum's lowercase code on output, whether the attribute holds the member or its code
    (the state machine writes plain strings)."""

    def __init__(self, enum: type[enum.Enum], **kwargs: Any) -> None:
        super().__init__(enum, by_value=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return super()._serialize(self.enum(value), attr, obj, **kwargs)
