"""Fuzzing: schemathesis generates requests (valid and invalid) from the app's own OpenAPI
document and sends them with a real token. No input may cause a 5xx, and every answer must match
what the document says (status code, content type, body schema)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from mediation.accounts.tokens import issue_token  # noqa: E402
from mediation.cases import services  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def fuzz_target(app, users, make_case, drive):
    """The app with some data in it (so generated ids sometimes exist) and an officer's token."""
    cases = [make_case(workers_involved=n) for n in (3, 12, 60)]
    drive(cases[1], "mediating")
    services.assign_advocate(cases[0].id, users["mediator"], users["advocate"].id)
    app.config["FUZZ_USER"] = users["officer"].username
    return app


def test_no_input_causes_a_server_error_or_an_undocumented_answer(fuzz_target):
    """Every operation of the document, each with up to EXAMPLES_PER_OPERATION generated
    requests (positive and negative); failures of all operations are collected and reported."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_target)
    calls: list[str] = []
    statuses: dict[int, int] = {}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17

    for operation in operations:
        # a token of its own per operation: the revoke endpoint must not lock the others out
        token = issue_token(fuzz_target.config["FUZZ_USER"], PASSWORD)[0]
        try:
            _fuzz(operation, {"Authorization": f"Bearer {token}"}, calls, statuses)
        except Exception as exc:  # collect, so one run reports every broken operation
            failures.append(f"{operation.label}: {exc}")
    print(f"{len(calls)} generated requests over {len(operations)} operations: {statuses}")
    assert len(calls) >= 200
    # the token worked: most answers are not 401
    assert statuses.get(401, 0) < len(calls) / 3, statuses
    assert not failures, "\n\n".join(failures)


def _fuzz(operation, headers: dict, calls: list, statuses: dict) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        calls.append(operation.label)
        # generated ids rarely exist: point every other request at a real row instead
        for name, value in list((case.path_parameters or {}).items()):
            if isinstance(value, int) and value % 2 == 0:
                case.path_parameters[name] = value % 4 + 1
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    run()
