"""Fixtures of the joint meetings' tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mediation.core.clock import local_date, utcnow
from mediation.meetings import services
from mediation.meetings.models import Meeting
from tests.api.conftest import api  # noqa: F401  (JSON requests with a token)


def days_ago(n: int) -> str:
    return (local_date(utcnow()) - timedelta(days=n)).isoformat()


@pytest.fixture
def make_meeting(users, orgs) -> Callable[..., Meeting]:
    def factory(by: str = "city_officer", **kw) -> Meeting:
        payload = {
            "kind": "joint", "title": "劳动关系联席会议", "held_on": days_ago(10),
            "bodies": ["hrss", "justice", "court"], "agenda": "通报欠薪案件处置情况",
        } | kw  # fmt: skip
        return services.create_meeting(users[by], payload)

    return factory
