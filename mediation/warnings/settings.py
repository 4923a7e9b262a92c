"""Rule thresholds: defaults from `config/warning_rules.toml`, admin overrides from the database.

Validation lives here so the admin page, the CLI and the tests refuse the same bad values.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select

import config
from mediation.cases.clocks import MEDIATION_DAYS
from mediation.cases.enums import WarningLevel
from mediation.core.db import literal_parameter
from mediation.core.messages import N_, Message
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings.models import RuleSettingsVersion

DEFAULTS_PATH = Path(config.__file__).resolve().parent / "warning_rules.toml"
TARGETS = {"handling", *(t.value for t in Tier)}
# Upper bounds by setting name: generous for any province's rules, small enough that no date
# arithmetic can overflow.
MAXIMUM = {
    "working_days": 60, "days": 3650, "grace_days": 365, "workers": 1_000_000,
    "claim_yuan": 10_000_000_000, "orange_above_months": 240, "red_above_months": 240,
    "cases": 1000, "window_days": 3650, "days_before": 3650, "max_extension_days": 365,
    "hours": 720, "red_hours": 720, "max_agreed_delay_days": 366,
    "single_worker_yuan": 10_000_000_000, "single_worker_months": 240, "group_workers": 1_000_000,
    "group_yuan": 10_000_000_000, "major_participants": 1_000_000, "verbal_minutes": 10080,
    "written_minutes": 10080, "follow_up_hours": 720, "final_hours": 720,
    "festival_weeks_before": 26, "near_completion_days": 3650, "months_late": 240,
}  # fmt: skip
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SettingsError(ValueError):
    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("invalid warning-rule settings")
        self.fields = fields


def load_defaults(path: Path = DEFAULTS_PATH) -> dict[str, dict[str, Any]]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def merge(defaults: dict, overrides: dict | None) -> dict:
    """The defaults with the overrides of the settings they know: an override stored for a
    setting that no longer exists (the law's periods were settings once) is left out."""
    merged = copy.deepcopy(defaults)
    for section, values in (overrides or {}).items():
        if section in merged:
            merged[section].update({k: v for k, v in values.items() if k in merged[section]})
    return merged


def validate(settings: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Check every value and the relations between them; raise SettingsError naming fields."""
    errors: dict[str, list[str]] = {}
    defaults = load_defaults()
    clean: dict[str, dict[str, Any]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for section, values in settings.items():
        if section not in defaults:
            err(section, N_("Unknown rule."))
            continue
        clean[section] = {}
        for name, value in values.items():
            key = f"{section}.{name}"
            if name not in defaults[section]:
                err(key, N_("Unknown setting."))
                continue
            default = defaults[section][name]
            if name == "level":
                if value not in {lv.value for lv in WarningLevel}:
                    err(key, N_("Must be one of blue, yellow, orange, red."))
            elif name == "target":
                if value not in TARGETS:
                    err(key, N_("Must be one of handling, grassroots, town, city."))
            elif isinstance(default, str):
                if not isinstance(value, str) or not TIME_RE.match(value):
                    err(key, N_("Must be a time of day HH:MM."))
            else:
                if isinstance(value, str):
                    try:
                        value = int(value.strip())
                    except ValueError:
                        err(key, N_("Must be a whole number."))
                        continue
                if isinstance(value, bool) or not isinstance(value, int):
                    err(key, N_("Must be a whole number."))
                    continue
                if value < 0:
                    err(key, N_("Must not be negative."))
                    continue
                if value == 0 and name not in ("grace_days",):
                    err(key, N_("Must be at least 1."))
                    continue
                if value > MAXIMUM.get(name, 10**9):
                    err(
                        key,
                        Message("Must be at most %(maximum)s.", maximum=MAXIMUM.get(name, 10**9)),
                    )
                    continue
            clean[section][name] = value
    if errors:
        raise SettingsError(errors)

    full = merge(defaults, clean)

    def rel(a: str, b: str, message: str) -> None:
        sa, na = a.split(".")
        sb, nb = b.split(".")
        if full[sa][na] >= full[sb][nb]:
            err(b, message)

    rel(
        "collective.workers",
        "major_collective.workers",
        N_("Must be above the collective threshold."),
    )
    if full["mediation_due_soon"]["days_before"] >= MEDIATION_DAYS:
        err("mediation_due_soon.days_before", N_("Must be less than the 15-day mediation period."))
    rel(
        "arrears_duration.orange_above_months",
        "arrears_duration.red_above_months",
        N_("Must be above the orange threshold."),
    )
    if full["limitation_near"]["days_before"] >= 365:
        err("limitation_near.days_before", N_("Must be less than the one-year limitation."))
    rel(
        "incident_reports.verbal_minutes",
        "incident_reports.written_minutes",
        N_("Must be later than the verbal report."),
    )
    rel("unacknowledged.red_hours", "unacknowledged.hours", N_("Must exceed the red window."))
    if errors:
        raise SettingsError(errors)
    return clean


_defaults_cache: dict | None = None
# the last (overrides, merged settings): the overrides are read each time, the merge is not redone
_merged_cache: tuple[dict | None, dict] | None = None


# built once (every new case reads it); the bound written in, so PostgreSQL keeps its plan
_NEWEST_OVERRIDES = (
    select(RuleSettingsVersion.overrides)
    .order_by(RuleSettingsVersion.id.desc())
    .limit(literal_parameter(value=1))
)


def current_settings() -> dict[str, dict]:
    """Defaults merged with the newest admin overrides (read each time: no restart needed).
    The answer is shared between calls: read it, never change it."""
    global _defaults_cache, _merged_cache
    if _defaults_cache is None:
        _defaults_cache = load_defaults()
    overrides = db.session.scalar(_NEWEST_OVERRIDES)
    cached = _merged_cache
    if cached is not None and cached[0] == overrides:
        return cached[1]
    merged = merge(_defaults_cache, overrides)
    _merged_cache = (copy.deepcopy(overrides), merged)
    return merged
