"""Rule thresholds: validation naming the field, admin changes stored append-only and in force at
once, non-admins refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mediation.core.errors import PermissionDenied, ValidationFailed
from mediation.extensions import db
from mediation.warnings.models import Alert, RuleSettingsVersion
from mediation.warnings.services import update_rule_settings
from mediation.warnings.settings import SettingsError, current_settings, load_defaults, validate
from tests.helpers import local

NOW = local(2026, 3, 2, 10, 0)


def refused(changes: dict) -> dict[str, list[str]]:
    with pytest.raises(SettingsError) as exc:
        validate(changes)
    return exc.value.fields


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"collective": {"workers": -1}}, "collective.workers"),
        ({"acceptance_overdue": {"working_days": -3}}, "acceptance_overdue.working_days"),
        ({"agreement_default": {"grace_days": -1}}, "agreement_default.grace_days"),
        ({"collective": {"workers": "ten"}}, "collective.workers"),
        ({"collective": {"workers": "1e3"}}, "collective.workers"),
        ({"collective": {"workers": 10.5}}, "collective.workers"),
        ({"collective": {"workers": True}}, "collective.workers"),
        ({"collective": {"workers": None}}, "collective.workers"),
        ({"collective": {"workers": 0}}, "collective.workers"),
        ({"mediation_overdue": {"days": 0}}, "mediation_overdue.days"),
        ({"unacknowledged": {"hours": "0"}}, "unacknowledged.hours"),
        ({"no_such_rule": {"days": 3}}, "no_such_rule"),
        ({"collective": {"colour": 3}}, "collective.colour"),
        ({"collective": {"level": "purple"}}, "collective.level"),
        ({"collective": {"level": 2}}, "collective.level"),
        ({"collective": {"target": "province"}}, "collective.target"),
        ({"notifications": {"quiet_start": "25:00"}}, "notifications.quiet_start"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(changes, field):
    fields = refused(changes)
    assert field in fields
    assert fields[field] and all(isinstance(m, str) and m for m in fields[field])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        # major collective at or below collective
        ({"major_collective": {"workers": 10}}, "major_collective.workers"),
        ({"major_collective": {"workers": 9}}, "major_collective.workers"),
        ({"collective": {"workers": 50}}, "major_collective.workers"),
        # the law's 15 days are not a setting; the warning comes before them
        ({"mediation_overdue": {"days": 12}}, "mediation_overdue.days"),
        ({"mediation_due_soon": {"days_before": 15}}, "mediation_due_soon.days_before"),
        # red months at or below orange months
        ({"arrears_duration": {"red_above_months": 1}}, "arrears_duration.red_above_months"),
        ({"arrears_duration": {"orange_above_months": 2}}, "arrears_duration.red_above_months"),
        # the warning period longer than the limitation itself (one year: not a setting)
        ({"limitation_near": {"days_before": 365}}, "limitation_near.days_before"),
        ({"limitation_near": {"limitation_days": 400}}, "limitation_near.limitation_days"),
        # a red window at least as long as the ordinary one
        ({"unacknowledged": {"red_hours": 24}}, "unacknowledged.hours"),
    ],
)
def test_inconsistent_values_are_refused_with_the_field_named(changes, field):
    assert field in refused(changes)


def test_several_problems_are_reported_together():
    fields = refused(
        {"collective": {"workers": -1, "level": "pink"}, "mediation_overdue": {"days": "x"}}
    )
    assert {"collective.workers", "collective.level", "mediation_overdue.days"} <= set(fields)


def test_good_values_pass_and_numbers_from_forms_are_converted():
    clean = validate(
        {
            "collective": {"workers": " 5 ", "level": "orange", "target": "city"},
            "major_collective": {"workers": "80"},
            "agreement_default": {"grace_days": 0},
            "mediation_due_soon": {"target": "handling"},
            "notifications": {"quiet_start": "23:30"},
        }
    )
    assert clean["collective"] == {"workers": 5, "level": "orange", "target": "city"}
    assert clean["major_collective"] == {"workers": 80}
    assert clean["agreement_default"] == {"grace_days": 0}


def test_consistent_relative_changes_pass_together():
    # raising collective above 50 is fine when major collective moves up with it
    validate({"collective": {"workers": 60}, "major_collective": {"workers": 100}})


def test_the_defaults_are_valid():
    defaults = load_defaults()
    assert validate(defaults) == defaults


# --- admin changes --------------------------------------------------------------------------------


def versions() -> list[RuleSettingsVersion]:
    db.session.expire_all()
    return list(db.session.scalars(select(RuleSettingsVersion).order_by(RuleSettingsVersion.id)))


def quiet_case(make_case, workers: int, **kw):
    return make_case(
        now=NOW,
        kind="dispute",
        category="dismissal",
        workers_involved=workers,
        arrears_months=None,
        claim_amount="1000.00",
        **kw,
    )


def rules_of(case_id: int) -> set[str]:
    return set(db.session.scalars(select(Alert.rule).where(Alert.case_id == case_id)))


def test_admin_change_is_stored_append_only_with_old_and_new(users):
    admin = users["admin"]
    update_rule_settings(admin, {"collective": {"workers": 5}}, now=NOW)
    [first] = versions()
    assert first.overrides == {"collective": {"workers": 5}}
    assert first.changes == {"collective.workers": [10, 5]}
    assert first.changed_by_id == admin.id
    assert first.changed_at == NOW

    later = NOW.replace(hour=3)
    update_rule_settings(
        admin, {"collective": {"workers": "7"}, "mediation_due_soon": {"days_before": 2}}, now=later
    )
    first_again, second = versions()
    # the first row is untouched
    assert (first_again.id, first_again.overrides, first_again.changes) == (
        first.id,
        {"collective": {"workers": 5}},
        {"collective.workers": [10, 5]},
    )
    # the newest row carries every override in force and only this edit's changes
    assert second.overrides == {
        "collective": {"workers": 7},
        "mediation_due_soon": {"days_before": 2},
    }
    assert second.changes == {
        "collective.workers": [5, 7],
        "mediation_due_soon.days_before": [3, 2],
    }
    assert current_settings()["collective"]["workers"] == 7
    assert current_settings()["mediation_due_soon"]["days_before"] == 2

    # back to the default: no longer an override, but still recorded as a change
    update_rule_settings(admin, {"collective": {"workers": 10}}, now=later)
    third = versions()[-1]
    assert third.overrides == {"mediation_due_soon": {"days_before": 2}}
    assert third.changes == {"collective.workers": [7, 10]}


def test_an_edit_that_changes_nothing_writes_nothing(users):
    update_rule_settings(users["admin"], {"collective": {"workers": 10}}, now=NOW)
    assert versions() == []


def test_new_threshold_applies_to_the_next_case_without_restart(users, make_case):
    before = quiet_case(make_case, 6)
    assert "collective" not in rules_of(before.id)

    update_rule_settings(users["admin"], {"collective": {"workers": 5}}, now=NOW)

    after = quiet_case(make_case, 6)
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == after.id, Alert.rule == "collective")
    )
    assert alert is not None
    assert (alert.level.value, alert.target_tier.value) == ("yellow", "town")
    assert "collective" not in rules_of(quiet_case(make_case, 4).id)


def test_new_level_and_target_apply_at_once(users, make_case, orgs):
    update_rule_settings(
        users["admin"], {"collective": {"level": "orange", "target": "city"}}, now=NOW
    )
    case = quiet_case(make_case, 12)
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == case.id, Alert.rule == "collective")
    )
    assert (alert.level.value, alert.target_tier.value, alert.target_org_id) == (
        "orange",
        "city",
        orgs["C"].id,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"collective": {"workers": "-5"}}, "collective.workers"),
        ({"collective": {"workers": "many"}}, "collective.workers"),
        ({"major_collective": {"workers": 8}}, "major_collective.workers"),
    ],
)
def test_admin_bad_change_is_refused_and_nothing_is_stored(users, changes, field):
    with pytest.raises(ValidationFailed) as exc:
        update_rule_settings(users["admin"], changes, now=NOW)
    assert field in exc.value.fields
    assert exc.value.status_code == 422
    assert versions() == []
    assert current_settings() == load_defaults()


def test_an_inconsistency_with_an_earlier_override_is_refused(users):
    update_rule_settings(users["admin"], {"major_collective": {"workers": 20}}, now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        update_rule_settings(users["admin"], {"collective": {"workers": 25}}, now=NOW)
    assert "major_collective.workers" in exc.value.fields
    assert len(versions()) == 1


@pytest.mark.parametrize("role", ["city_officer", "officer", "mediator", "advocate"])
def test_non_admins_may_not_change_thresholds(users, role):
    with pytest.raises(PermissionDenied):
        update_rule_settings(users[role], {"collective": {"workers": 5}}, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(RuleSettingsVersion)) == 0
    assert current_settings()["collective"]["workers"] == 10


def test_a_lowered_time_threshold_reaches_existing_cases_on_the_next_sweep(users, make_case):
    """Lowering the local supervision window must not wait for each case's old wake-up
    time."""
    from datetime import timedelta

    from mediation.cases import services as case_services
    from mediation.core.clock import utcnow
    from mediation.warnings.models import Alert
    from mediation.warnings.services import update_rule_settings
    from mediation.warnings.sweep import sweep

    now = utcnow()
    case = make_case(workers_involved=1, kind="dispute", category="dismissal",
                     arrears_months=None, received_at=(now - timedelta(days=11)).isoformat())  # fmt: skip
    case = case_services.fire_trigger(
        case.id, "accept", users["mediator"], {"mediator_id": users["mediator"].id}
    )
    sweep(now)
    assert not db.session.scalar(select(Alert).where(Alert.rule == "mediation_stalled"))
    update_rule_settings(users["admin"], {"mediation_stalled": {"days": 5}})
    sweep(now + timedelta(minutes=1))
    alert = db.session.scalar(
        select(Alert).where(Alert.case_id == case.id, Alert.rule == "mediation_stalled")
    )
    assert alert is not None and alert.status.value == "open"
