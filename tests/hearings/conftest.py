"""Fixtures of the circuit court's tests: a point at town T1 and a time tomorrow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest

from mediation.core.clock import ensure_utc, local_date, local_zone, utcnow
from mediation.hearings import services
from mediation.hearings.models import HearingPoint
from tests.api.conftest import api  # noqa: F401  (JSON requests with a token)
from tests.warnings.conftest import smtp  # noqa: F401  (a real SMTP server)


def local_moment(days: int, hour: int, minute: int = 0) -> datetime:
    """A moment `days` from today at hour:minute China time, in UTC."""
    day = local_date(utcnow()) + timedelta(days=days)
    return ensure_utc(datetime.combine(day, time(hour, minute), tzinfo=local_zone()))


def local_text(moment: datetime) -> str:
    """As a datetime-local input sends it (China time, no offset)."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def make_point(users, orgs) -> Callable[..., HearingPoint]:
    def factory(org: str = "T1", **kw) -> HearingPoint:
        payload = {
            "name": kw.pop("name", "一镇职工维权流动法庭"),
            "organization_id": orgs[org].id,
            "partner_kind": "court",
            "partner_name": "市人民法院一镇法庭",
            "address": "一镇人民路1号工会服务中心",
        }
        by = users["officer"] if org in ("T1", "G1") else users["admin"]
        return services.create_point(by, payload | kw)

    return factory


def hearing_payload(point: HearingPoint, starts_at: datetime, minutes: int = 120, **kw) -> dict:
    return {
        "point_id": point.id, "kind": "mediation", "starts_at": starts_at.isoformat(),
        "duration_minutes": minutes,
    } | kw  # fmt: skip
