"""Input of the notices' API (docs/notifications.md "API")."""

from __future__ import annotations

from marshmallow import fields

from mediation.core.schemas import MAX_ID, Length, Range, StrictInteger, StrictSchema


class MarkReadSchema(StrictSchema):
    ids = fields.List(
        StrictInteger(validate=Range(min=1, max=MAX_ID)),
        validate=Length(max=1000),
        metadata={"description": "the notices to mark read; all of mine when left out"},
    )
