"""Fixtures of the surveys' tests: JSON requests with a token."""

from __future__ import annotations

from tests.api.conftest import api  # noqa: F401  (JSON requests with a token)
