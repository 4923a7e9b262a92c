"""The API client of tests/api and the real SMTP server of tests/warnings for this package's
tests."""

from tests.api.conftest import api  # noqa: F401
from tests.warnings.conftest import smtp  # noqa: F401
