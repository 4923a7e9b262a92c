"""China's working-day calendar: Spring Festival 2026 with its adjusted Saturdays (调休), and the
computed fallback for a year `chinesecalendar` does not know (more in tests/core/test_calendar.py)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mediation.cases.enums import CaseKind, State
from mediation.core import calendar
from mediation.core.calendar import add_working_days, is_working_day, working_days_between
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings import rules
from mediation.warnings.models import Alert
from mediation.warnings.settings import load_defaults
from mediation.warnings.sweep import sweep
from tests.helpers import local

# Spring Festival 2026: Sunday 15 – Monday 23 February off; Saturdays 14 and 28 February worked.
FESTIVAL = [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]
ADJUSTED_SATURDAYS = [date(2026, 2, 14), date(2026, 2, 28)]


def test_the_festival_week_is_off_even_on_weekdays():
    assert [d.weekday() for d in FESTIVAL if d.weekday() < 5]  # Monday to Friday among them
    assert not any(is_working_day(d) for d in FESTIVAL)


def test_adjusted_saturdays_are_working_days():
    assert all(d.weekday() == 5 for d in ADJUSTED_SATURDAYS)
    assert all(is_working_day(d) for d in ADJUSTED_SATURDAYS)


def test_a_normal_weekend_is_not_worked():
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday


def test_add_working_days_across_the_festival():
    # Thursday 12 Feb + 3: Fri 13, Sat 14 (adjusted), then nothing until Tue 24
    assert add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    # the adjusted Saturday counts as the next working day after Friday 13
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # from the adjusted Saturday the whole festival week is skipped
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # from inside the festival
    assert add_working_days(date(2026, 2, 17), 1) == date(2026, 2, 24)
    # Fri 27 Feb + 1 is the adjusted Saturday 28, not Monday 2 March
    assert add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert add_working_days(date(2026, 2, 27), 2) == date(2026, 3, 2)


def test_add_zero_working_days_is_the_start_and_negative_is_refused():
    assert add_working_days(date(2026, 2, 16), 0) == date(2026, 2, 16)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 2, 16), -1)


def test_working_days_between_counts_the_adjusted_saturdays():
    # (13 Feb, 28 Feb]: Sat 14, Tue 24 … Fri 27, Sat 28
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    assert working_days_between(date(2026, 2, 14), date(2026, 2, 23)) == 0


def test_acceptance_overdue_deadline_across_the_festival():
    # received Thursday 12 Feb afternoon: working days Fri 13, Sat 14, Tue 24 → overdue 25 Feb 00:00
    settings = load_defaults()
    facts = rules.CaseFacts(
        state=State.reported,
        kind=CaseKind.dispute,
        received_at=local(2026, 2, 12, 15, 0),
        handling_tier=Tier.grassroots,
    )
    deadline = local(2026, 2, 25)
    before = rules.acceptance_overdue(
        facts, deadline - timedelta(seconds=1), settings["acceptance_overdue"]
    )
    assert not before.fires
    assert before.wakes_at == deadline
    assert rules.acceptance_overdue(facts, deadline, settings["acceptance_overdue"]).fires


def test_the_sweep_raises_acceptance_overdue_after_the_festival(make_case):
    case = make_case(
        now=local(2026, 2, 12, 15, 0),
        kind="dispute",
        category="dismissal",
        workers_involved=1,
        arrears_months=None,
    )
    # nine calendar days would have made it overdue on 22 Feb, in the middle of the holiday
    sweep(local(2026, 2, 24, 23, 59))
    assert "acceptance_overdue" not in alert_rules(case.id)
    sweep(local(2026, 2, 25))
    assert "acceptance_overdue" in alert_rules(case.id)


def alert_rules(case_id: int) -> set[str]:
    return set(db.session.scalars(select(Alert.rule).where(Alert.case_id == case_id)))


# --- a year the package does not know -------------------------------------------------------------


@pytest.fixture
def fresh_calendar():
    """Forget what the calendar has cached and warned about, so this test sees the first look."""
    calendar.clear_caches()
    yield
    calendar.clear_caches()


def test_unknown_year_falls_back_to_the_statutory_holidays_and_logs(fresh_calendar, caplog):
    caplog.set_level(logging.WARNING, logger="mediation.core.calendar")
    # New Year's Day 2031 is a Wednesday: the regulation's holiday even without a schedule
    assert not is_working_day(date(2031, 1, 1))
    assert is_working_day(date(2031, 1, 2))
    assert not is_working_day(date(2031, 1, 4))  # Saturday
    assert not is_working_day(date(2031, 1, 5))  # Sunday
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # Friday → Monday
    assert add_working_days(date(2031, 1, 1), 5) == date(2031, 1, 8)

    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "2031" in r.getMessage()
    ]
    assert len(warnings) == 1, "the fallback is logged once per year, not once per day"
    assert warnings[0].name == "mediation.core.calendar"


def test_known_years_do_not_log(fresh_calendar, caplog):
    caplog.set_level(logging.WARNING, logger="mediation.core.calendar")
    add_working_days(date(2026, 2, 12), 10)
    assert not caplog.records
