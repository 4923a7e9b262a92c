"""Time: UTC in the database; the local zone (the `TIMEZONE` setting, China time by default)
for whatever a person sees or a date rule uses (docs/domain.md "Calendars and time")."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The configured `TIMEZONE` inside an application; China time outside one (the rules'
    unit tests, which need no application)."""
    if has_app_context():
        return _zone(current_app.config.get("TIMEZONE") or DEFAULT_TIMEZONE)
    return _zone(DEFAULT_TIMEZONE)


def local_offset_hours(moment: datetime | None = None) -> float:
    """The local zone's offset from UTC, in hours, at `moment` (now by default): for SQLite,
    which knows fixed offsets only. Exact for zones without daylight saving, China's included."""
    offset = (moment or utcnow()).astimezone(local_zone()).utcoffset() or timedelta(0)
    return offset.total_seconds() / 3600


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_date(value: datetime) -> date:
    """The calendar date in the local zone of a moment."""
    return ensure_utc(value).astimezone(local_zone()).date()


@overload
def to_local(value: datetime) -> datetime: ...
@overload
def to_local(value: None) -> None: ...
def to_local(value: datetime | None) -> datetime | None:
    return None if value is None else ensure_utc(value).astimezone(local_zone())
