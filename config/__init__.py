"""Settings per environment. Every setting can be overridden by an environment variable."""

from __future__ import annotations

from config.default import DefaultConfig
from config.development import DevelopmentConfig
from config.production import ProductionConfig
from config.testing import TestingConfig

CONFIGS: dict[str, type[DefaultConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None) -> type[DefaultConfig]:
    """The config class for a name (`development`, `testing`, `production`)."""
    try:
        return CONFIGS[name or "development"]
    except KeyError:
        raise ValueError(
            f"unknown configuration {name!r}; choose one of {sorted(CONFIGS)}"
        ) from None
