"""Project test helpers: the API client and a project payload (docs/enterprise-file.md
"Construction projects")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import Api
from tests.conftest import valid_id_number


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def project_payload(make_enterprise, orgs) -> Callable[..., dict]:
    def factory(**overrides) -> dict:
        payload = {
            "name": "滨江花园三期",
            "location": "一镇滨江路88号",
            "organization_id": orgs[overrides.pop("org", "G1")].id,
            "general_contractor_id": overrides.pop("general_contractor_id", None)
            or make_enterprise("G1", name="宏达建设集团有限公司").id,
            "started_on": "2026-03-01",
            "planned_completion_on": "2027-01-20",
            "subcontractors": [
                {"leader_name": "王建军", "leader_id_number": valid_id_number("19780312", 731),
                 "trade": "木工班组"},
            ],
        }  # fmt: skip
        payload.update(overrides)
        return payload

    return factory
