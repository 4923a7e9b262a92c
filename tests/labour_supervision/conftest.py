"""Supervision notice test helpers: the API client of tests/api and a notice payload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tests.api.conftest import Api

# 10:00 China time on Thursday 3 December 2026
T10 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def notice_payload(make_enterprise) -> Callable[..., dict]:
    def factory(**overrides) -> dict:
        payload = {
            "kind": "opinion",
            "enterprise_id": overrides.pop("enterprise_id", None) or make_enterprise("G1").id,
            "issued_on": "2026-12-03",
            "findings": "经查，该企业拖欠12名职工2026年10月、11月工资，未与5名职工签订书面劳动合同。",
            "rectification": "立即足额支付拖欠工资；与未签合同的职工依法签订书面劳动合同。",
            "deadline": "2026-12-10",
        }
        payload.update(overrides)
        return payload

    return factory
