"""Months of wages owed, counted from the first unpaid pay day (docs/domain.md "Wage arrears"):
pay days recur on the corresponding day of each month, clamped to the month's end (Civil Code
art. 202), each counted from its own first moment."""

from __future__ import annotations

from datetime import date

import pytest

from mediation.cases.arrears import day_owing, months_owed, next_pay_day


@pytest.mark.parametrize(
    ("since", "today", "months"),
    [
        # the worked example: 31 Jan, 28 Feb, 31 Mar, 30 Apr, 31 May; 30 June not yet
        (date(2026, 1, 31), date(2026, 1, 31), 1),
        (date(2026, 1, 31), date(2026, 6, 29), 5),
        (date(2026, 1, 31), date(2026, 6, 30), 6),
        # February has no 31st: its pay day is the 28th (the 29th in a leap year)
        (date(2026, 1, 31), date(2026, 2, 27), 1),
        (date(2026, 1, 31), date(2026, 2, 28), 2),
        (date(2028, 1, 31), date(2028, 2, 28), 1),
        (date(2028, 1, 31), date(2028, 2, 29), 2),
        # a clamped month does not move the next one: March's pay day is the 31st again
        (date(2026, 1, 31), date(2026, 3, 30), 2),
        (date(2026, 1, 31), date(2026, 3, 31), 3),
        # an ordinary pay day, across a year
        (date(2025, 11, 15), date(2025, 11, 14), 0),
        (date(2025, 11, 15), date(2025, 11, 15), 1),
        (date(2025, 11, 15), date(2026, 1, 14), 2),
        (date(2025, 11, 15), date(2026, 1, 15), 3),
        (date(2025, 11, 15), date(2026, 11, 15), 13),
    ],
)
def test_months_owed(since, today, months):
    assert months_owed(since, today) == months


def test_nothing_is_owed_before_the_first_unpaid_pay_day():
    assert months_owed(date(2026, 5, 10), date(2026, 5, 9)) == 0
    assert next_pay_day(date(2026, 5, 10), date(2026, 5, 9)) == date(2026, 5, 10)


def test_the_next_pay_day_is_the_day_the_months_grow():
    since = date(2026, 1, 31)
    assert next_pay_day(since, date(2026, 1, 31)) == date(2026, 2, 28)
    assert next_pay_day(since, date(2026, 2, 28)) == date(2026, 3, 31)
    assert next_pay_day(since, date(2026, 6, 29)) == date(2026, 6, 30)
    for today in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 4, 1), date(2026, 12, 30)):
        day = next_pay_day(since, today)
        assert months_owed(since, day) == months_owed(since, today) + 1
        assert months_owed(since, date.fromordinal(day.toordinal() - 1)) == months_owed(
            since, today
        )


def test_the_day_a_number_of_months_is_owed():
    since = date(2026, 1, 31)
    assert day_owing(since, 1) == since
    assert day_owing(since, 3) == date(2026, 3, 31)
    assert months_owed(since, day_owing(since, 3)) == 3
