"""Counters shared by every process and host of one installation, for throttling
(docs/security.md "Sign-in throttling").

A counter has a name and a fixed window: the first count starts the window, and a count after
the window has ended starts a new one at 1. Two stores keep them:

- the database (`throttle_counters`), the default: one upsert per count, atomic on SQLite and
  PostgreSQL alike, so two workers or two hosts add to the same number;
- Redis, when `RATELIMIT_STORAGE_URI` is `redis://…` or `rediss://…`: `INCR` and `EXPIRE`.

The store is chosen once per app (`counter_store`). Nothing here knows what is counted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.types import UTCDateTime
from mediation.extensions import Model, db

log = logging.getLogger(__name__)
KEY_LENGTH = 200
REDIS_PREFIX = "mediation:throttle:"


class ThrottleCounter(Model):
    """A named count and the start of its window."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class Count:
    value: int
    seconds_left: int  # until the window ends (0: no window running)


class CounterStore(Protocol):
    def add(self, keys: list[str], window: timedelta) -> None: ...
    def read(self, keys: list[str], window: timedelta) -> dict[str, Count]: ...
    def clear(self, keys: list[str]) -> None: ...


def _clip(key: str) -> str:
    return key[:KEY_LENGTH]


class DatabaseStore:
    """Counters in `throttle_counters`; each call is a short transaction of its own."""

    def add(self, keys: list[str], window: timedelta) -> None:
        now = utcnow()
        cutoff = now - window
        table = ThrottleCounter.__table__
        dialect = db.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        expired = table.c.window_start <= cutoff
        with transaction():
            for key in keys:
                db.session.execute(
                    insert(table)
                    .values(key=_clip(key), count=1, window_start=now)
                    .on_conflict_do_update(
                        index_elements=[table.c.key],
                        set_={
                            "count": case((expired, 1), else_=table.c.count + 1),
                            "window_start": case((expired, now), else_=table.c.window_start),
                        },
                    )
                )
            # forget windows long over (few rows: only failures are counted)
            db.session.execute(delete(table).where(table.c.window_start < now - 2 * window))

    def read(self, keys: list[str], window: timedelta) -> dict[str, Count]:
        now = utcnow()
        clipped = {_clip(key): key for key in keys}
        rows = db.session.execute(
            select(ThrottleCounter.key, ThrottleCounter.count, ThrottleCounter.window_start).where(
                ThrottleCounter.key.in_(list(clipped))
            )
        ).all()
        found = {key: Count(0, 0) for key in keys}
        for key, value, start in rows:
            left = (ensure_utc(start) + window - now).total_seconds()
            if left > 0:
                found[clipped[key]] = Count(value, max(1, int(left)))
        return found

    def clear(self, keys: list[str]) -> None:
        with transaction():
            db.session.execute(
                delete(ThrottleCounter).where(ThrottleCounter.key.in_([_clip(k) for k in keys]))
            )


class RedisStore:
    """Counters in Redis: `INCR`, and `EXPIRE … NX` so the first count starts the window.

    When Redis does not answer, the database's counters stand in (logged), so that an outage
    neither opens the door to guessing nor stops everyone signing in; what they counted is
    forgotten once Redis answers again."""

    def __init__(self, url: str) -> None:
        import redis  # only this store needs the client

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.errors: tuple[type[Exception], ...] = (redis.RedisError,)
        self.fallback = DatabaseStore()

    def add(self, keys: list[str], window: timedelta) -> None:
        try:
            self._add(keys, window)
        except self.errors as exc:
            log.warning("throttle: Redis unavailable (%s); counting in the database", exc)
            self.fallback.add(keys, window)

    def read(self, keys: list[str], window: timedelta) -> dict[str, Count]:
        try:
            return self._read(keys, window)
        except self.errors as exc:
            log.warning("throttle: Redis unavailable (%s); reading the database", exc)
            return self.fallback.read(keys, window)

    def clear(self, keys: list[str]) -> None:
        try:
            self.client.delete(*(REDIS_PREFIX + key for key in keys))
        except self.errors as exc:
            log.warning("throttle: Redis unavailable (%s); clearing in the database", exc)
            self.fallback.clear(keys)

    def _add(self, keys: list[str], window: timedelta) -> None:
        seconds = max(1, int(window.total_seconds()))
        pipe = self.client.pipeline()
        for key in keys:
            pipe.incr(REDIS_PREFIX + key)
            pipe.expire(REDIS_PREFIX + key, seconds, nx=True)
        pipe.execute()

    def _read(self, keys: list[str], window: timedelta) -> dict[str, Count]:
        pipe = self.client.pipeline()
        for key in keys:
            pipe.get(REDIS_PREFIX + key)
            pipe.ttl(REDIS_PREFIX + key)
        answers = pipe.execute()
        found = {}
        for i, key in enumerate(keys):
            value, ttl = answers[2 * i], answers[2 * i + 1]
            found[key] = Count(int(value), max(1, int(ttl))) if value is not None else Count(0, 0)
        return found


def is_redis(uri: str) -> bool:
    return uri.startswith(("redis://", "rediss://", "unix://"))


def counter_store(app: Flask | None = None) -> CounterStore:
    """This app's store: Redis when `RATELIMIT_STORAGE_URI` names one, else the database."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("throttle_store")
    if store is None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
        store = RedisStore(uri) if is_redis(uri) else DatabaseStore()
        app.extensions["throttle_store"] = store
    return store
