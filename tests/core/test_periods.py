"""Civil Code period counting (arts. 200-204; docs/domain.md "Clocks in detail"), with the
worked examples of the domain notes."""

from __future__ import annotations

from datetime import date

import pytest

from mediation.core import periods
from tests.helpers import local


def test_the_start_day_is_not_counted():
    # 15 days from Monday 2 March 2026: the 15th day after it is Tuesday 17 March
    assert periods.days_after(date(2026, 3, 2), 15).last_day == date(2026, 3, 17)


def test_a_period_ends_at_24_00_of_its_last_day():
    assert periods.ends_at(date(2026, 3, 17)) == local(2026, 3, 18)


def test_fifteen_days_ending_on_national_day_move_past_the_holiday():
    # received 16 September 2026 → 1 October, a holiday → the first working day after the
    # National Day holiday, Thursday 8 October
    end = periods.days_after(date(2026, 9, 16), 15)
    assert end.last_day == date(2026, 10, 8)
    assert end.moved_from == date(2026, 10, 1)
    assert not end.provisional


def test_a_year_ends_on_the_corresponding_day():
    # knew of the infringement 1 March 2023 → the limitation ends 1 March 2024, not 29 February
    assert periods.years_after(date(2023, 3, 1), 1).last_day == date(2024, 3, 1)


def test_a_year_ending_on_a_holiday_moves_to_the_next_working_day():
    # 1 October 2025 + 1 year = 1 October 2026, National Day → 8 October (the 2026 schedule)
    assert periods.years_after(date(2025, 10, 1), 1).last_day == date(2026, 10, 8)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # no 29 February: the month's last day
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 15), 11, date(2026, 12, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_months_end_on_the_corresponding_day_or_the_month_end(start, months, expected):
    assert periods.add_months(start, months) == expected


def test_an_adjusted_working_day_is_a_working_day():
    # Sunday 28 September 2025 was a working day (调休 for National Day): a period whose last
    # day falls on it does not move
    end = periods.days_after(date(2025, 9, 13), 15)
    assert end.last_day == date(2025, 9, 28)
    assert end.moved_from is None


def test_a_weekend_last_day_moves_to_monday():
    # 15 days from 6 March 2026 end on Saturday 21 March → Monday 23 March
    assert periods.days_after(date(2026, 3, 6), 15).last_day == date(2026, 3, 23)


def test_negative_periods_are_refused():
    with pytest.raises(ValueError):
        periods.days_after(date(2026, 3, 6), -1)
