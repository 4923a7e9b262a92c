"""Incident test helpers: the API client of tests/api and an incident payload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tests.api.conftest import Api

# 10:00 China time on a working day
T10 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def incident_payload() -> Callable[..., dict]:
    def factory(**overrides) -> dict:
        payload = {
            "employer_name": "宏达建筑工程有限公司",
            "place": "一镇政府门口",
            "started_at": T10.isoformat(),
            "participants": 30,
            "behaviours": ["gathering"],
            "cause": "wage_arrears",
        }
        payload.update(overrides)
        return payload

    return factory
