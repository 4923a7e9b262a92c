"""Schema pieces every domain's input uses: strict schemas, id fields, plausible dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from mediation.core.messages import N_

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
PLAUSIBLE_DATE = validate.Range(
    min=date(1990, 1, 1), max=date(2100, 12, 31), error=N_("Must be between 1990 and 2100.")
)


class StrictSchema(Schema):
    """A schema that refuses fields it does not know (a typo is an error, not a silent drop)."""

    class Meta:
        unknown = RAISE


def id_field(**kw: Any) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kw)


def text(max_len: int, *, required: bool = False, min_len: int = 1, **kw: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(min=min_len, max=max_len),
        **kw,
    )
