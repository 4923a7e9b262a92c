"""The API client of tests/api for this package's tests."""

from tests.api.conftest import api  # noqa: F401
