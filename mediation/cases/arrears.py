"""How many months of wages are owed, counted from the first unpaid pay day (docs/domain.md
"Wage arrears"): the case page and the warning rules both count with these, so the months
shown and the months an alert is raised for are the same number.

Wages are paid at least once a month on the agreed day (Labour Law art. 50; Interim Provisions
on Wage Payment 1994, art. 7), so a pay day recurs on the day of each month that corresponds to
the first unpaid one, clamped to the month's last day as the Civil Code counts months
(art. 202): unpaid since 31 January, the next pay days are 28 February, 31 March, 30 April. A
pay day counts from its first moment.
"""

from __future__ import annotations

from datetime import date

from mediation.core.periods import add_months


def pay_day(unpaid_since: date, index: int) -> date:
    """The `index`-th pay day from the first unpaid one (index 0), each counted from
    `unpaid_since` itself, not from the pay day before: a clamped February does not move
    March's."""
    return add_months(unpaid_since, index)


def months_owed(unpaid_since: date, today: date) -> int:
    """The pay days from `unpaid_since` (inclusive) up to and including `today` that went
    unpaid: 0 before the first one. Unpaid since 2026-01-31: 1 on 2026-01-31, 5 on 2026-06-29
    (31 Jan, 28 Feb, 31 Mar, 30 Apr, 31 May)."""
    if today < unpaid_since:
        return 0
    months = (today.year - unpaid_since.year) * 12 + today.month - unpaid_since.month
    # the pay day of today's month is counted once it has come
    return months + 1 if pay_day(unpaid_since, months) <= today else months


def next_pay_day(unpaid_since: date, today: date) -> date:
    """The first pay day after `today`: the day the months owed grow by one."""
    return pay_day(unpaid_since, months_owed(unpaid_since, today))


def day_owing(unpaid_since: date, months: int) -> date:
    """The day on which `months` (at least 1) months are owed."""
    return pay_day(unpaid_since, max(months, 1) - 1)
