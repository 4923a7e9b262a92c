"""Entering the official working-day schedules (docs/domain.md "Calendars and time"): the
administrators' page `/admin/calendar` and `flask calendar import` read a year's schedule as
text, checked here, and write it into `core.calendar_models` in one transaction.

The text is what the State Council's notice lists, one line each:

- holidays: `YYYY-MM-DD name` or `YYYY-MM-DD..YYYY-MM-DD name` (the weekend days inside a range
  included, as the notice counts them);
- adjusted working days (调休上班): `YYYY-MM-DD`, a note after the date if wanted.

Empty lines and lines that begin with `#` are skipped. Every day must be in the year; a weekday
cannot be an adjusted working day (it is one already), and no day can be both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar
from sqlalchemy import delete, func, insert, select

from mediation.core import calendar
from mediation.core.calendar import Source
from mediation.core.calendar_models import NAME_LENGTH, CalendarDay, CalendarYear
from mediation.core.clock import utcnow
from mediation.core.db import transaction
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.i18n import gettext, stored_text
from mediation.core.messages import N_, Message
from mediation.extensions import db

FIRST_YEAR, LAST_YEAR = 2000, 2100
# at most this many messages per field: the first ones say what is wrong
MAX_MESSAGES = 20

_DAY = r"(\d{4}-\d{2}-\d{2})"
_HOLIDAY_LINE = re.compile(rf"^{_DAY}(?:\s*\.\.\s*{_DAY})?(?:\s+(.*))?$")
_WORKING_LINE = re.compile(rf"^{_DAY}(?:\s+(.*))?$")
# the package's holidays by their Chinese names
_PACKAGE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


@dataclass(frozen=True)
class Entry:
    """A day of a schedule: a holiday (`working` false) or an adjusted working day."""

    day: date
    working: bool
    name: str


@dataclass(frozen=True)
class YearStatus:
    """A year on the administrators' page: where its working days come from, and how many
    holidays and adjusted working days it has."""

    year: int
    source: Source
    holidays: int
    working_days: int
    entered_at: datetime | None = None
    entered_by: str = ""

    @property
    def official(self) -> bool:
        return self.source != Source.fallback


# --- reading the text -----------------------------------------------------------------------------


def _lines(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_year(text: str) -> tuple[int | None, list[str]]:
    text = (text or "").strip()
    if not re.fullmatch(r"\d{4}", text):
        return None, [N_("Enter the year as four digits, e.g. 2027.")]
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, [Message("Enter a year from %(first)s to %(last)s.", first=FIRST_YEAR,
                              last=LAST_YEAR)]  # fmt: skip
    return year, []


def _check_day(line: int, text: str, year: int | None, errors: list[str]) -> date | None:
    day = _date(text)
    if day is None:
        errors.append(Message("Line %(line)s: %(text)s is not a date.", line=line, text=text))
    elif year is not None and day.year != year:
        errors.append(
            Message("Line %(line)s: %(day)s is not in %(year)s.", line=line, day=text, year=year)
        )
        return None
    return day


def _check_name(line: int, name: str, errors: list[str]) -> None:
    if len(name) > NAME_LENGTH:
        errors.append(
            Message(
                "Line %(line)s: the name is longer than %(max)s characters.",
                line=line,
                max=NAME_LENGTH,
            )
        )


def _read_holidays(text: str, year: int | None, entries: dict[date, Entry]) -> list[str]:
    errors: list[str] = []
    for line, content in _lines(text):
        match = _HOLIDAY_LINE.match(content)
        if match is None:
            errors.append(
                Message(
                    "Line %(line)s: write a day as YYYY-MM-DD, or days as YYYY-MM-DD..YYYY-MM-DD, "
                    "then the holiday's name.",
                    line=line,
                )
            )
            continue
        first_text, last_text, name = match.group(1), match.group(2), (match.group(3) or "").strip()
        first = _check_day(line, first_text, year, errors)
        last = _check_day(line, last_text, year, errors) if last_text else first
        if first is None or last is None:
            continue
        if last < first:
            errors.append(Message("Line %(line)s: the last day comes before the first.", line=line))
            continue
        if not name:
            errors.append(
                Message("Line %(line)s: give the holiday its name after the date.", line=line)
            )
            continue
        _check_name(line, name, errors)
        day = first
        while day <= last:
            if day in entries:
                errors.append(
                    Message(
                        "Line %(line)s: %(day)s is listed twice.", line=line, day=day.isoformat()
                    )
                )
            entries[day] = Entry(day, False, name)
            day += timedelta(days=1)
    if not entries and not errors:
        errors.append(N_("Enter the year's holidays, one line each."))
    return errors


def _read_working_days(text: str, year: int | None, entries: dict[date, Entry]) -> list[str]:
    errors: list[str] = []
    for line, content in _lines(text):
        match = _WORKING_LINE.match(content)
        if match is None:
            errors.append(
                Message("Line %(line)s: write one day per line as YYYY-MM-DD.", line=line)
            )
            continue
        note = (match.group(2) or "").strip()
        day = _check_day(line, match.group(1), year, errors)
        if day is None:
            continue
        _check_name(line, note, errors)
        iso = day.isoformat()
        if day.weekday() < 5:
            errors.append(
                Message(
                    "Line %(line)s: %(day)s is a weekday; only a Saturday or a Sunday can "
                    "become an adjusted working day.",
                    line=line,
                    day=iso,
                )
            )
        elif day in entries and not entries[day].working:
            errors.append(
                Message("Line %(line)s: %(day)s is also listed as a holiday.", line=line, day=iso)
            )
        elif day in entries:
            errors.append(Message("Line %(line)s: %(day)s is listed twice.", line=line, day=iso))
        else:
            entries[day] = Entry(day, True, note)
    return errors


def parse_schedule(
    year_text: str, holidays_text: str, working_text: str
) -> tuple[int, list[Entry]]:
    """The year and its days, sorted; `ValidationFailed` naming the fields (`year`, `holidays`,
    `working_days`) and the lines at fault. Every field is checked, whatever the others hold."""
    year, year_errors = parse_year(year_text)
    entries: dict[date, Entry] = {}
    holiday_errors = _read_holidays(holidays_text or "", year, entries)
    working_errors = _read_working_days(working_text or "", year, entries)
    errors = {
        name: messages[:MAX_MESSAGES]
        for name, messages in (
            ("year", year_errors),
            ("holidays", holiday_errors),
            ("working_days", working_errors),
        )
        if messages
    }
    if errors or year is None:
        raise ValidationFailed(errors)
    return year, sorted(entries.values(), key=lambda e: e.day)


# --- writing --------------------------------------------------------------------------------------


def save_schedule(year_text: str, holidays_text: str, working_text: str, entered_by: str) -> int:
    """Enter or replace a year's official schedule; it applies at once in this process and
    within `calendar.REFRESH_SECONDS` in the others. Nothing is written when the text is bad."""
    year, entries = parse_schedule(year_text, holidays_text, working_text)
    with transaction():
        db.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
        row = db.session.get(CalendarYear, year)
        if row is None:
            row = CalendarYear(year=year)
            db.session.add(row)
        row.entered_at = utcnow()
        row.entered_by = entered_by[:64]
        db.session.flush()  # (the year's row before its days, which refer to it)
        db.session.execute(
            insert(CalendarDay),
            [{"day": e.day, "year": year, "working": e.working, "name": e.name} for e in entries],
        )
    calendar.refresh()
    return year


def delete_schedule(year: int) -> None:
    """Remove an entered year: the package or the fallback decides it again."""
    with transaction():
        row = db.session.get(CalendarYear, year)
        if row is None:
            raise NotFound("No schedule entered for this year.")
        db.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
        db.session.delete(row)
    calendar.refresh()


# --- reading for people ---------------------------------------------------------------------------


def _package_entries(year: int) -> list[Entry]:
    entries = []
    day = date(year, 1, 1)
    while day.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name is not None and (is_holiday or day.weekday() >= 5):
            entries.append(Entry(day, not is_holiday, _PACKAGE_NAMES.get(name, name)))
        day += timedelta(days=1)
    return entries


def _built_in_entries(year: int) -> tuple[Source, list[Entry]]:
    if calendar.package_knows(year):
        return Source.package, _package_entries(year)
    holidays = calendar.fallback_holidays(year)
    with stored_text():
        names = {name: gettext(name) for name in set(holidays.values())}
    return Source.fallback, [Entry(day, False, names[name]) for day, name in holidays.items()]


def entries_of(year: int) -> tuple[Source, list[Entry]]:
    """A year's holidays and adjusted working days as they apply now, and where they come
    from: the table as stored, else the package, else the fallback (named in Chinese, as they
    would be stored)."""
    if db.session.get(CalendarYear, year) is None:
        return _built_in_entries(year)
    rows = db.session.scalars(
        select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)
    )
    return Source.table, [Entry(r.day, r.working, r.name) for r in rows]


def schedule_text(entries: list[Entry]) -> tuple[str, str]:
    """The form's two texts for a year's entries: consecutive holidays of one name as a range."""
    holidays: list[list] = []
    for e in entries:
        if e.working:
            continue
        if holidays and holidays[-1][2] == e.name and holidays[-1][1] + timedelta(days=1) == e.day:
            holidays[-1][1] = e.day
        else:
            holidays.append([e.day, e.day, e.name])
    holiday_lines = [
        f"{first.isoformat()} {name}" if first == last else f"{first}..{last} {name}"
        for first, last, name in holidays
    ]
    working_lines = [f"{e.day.isoformat()} {e.name}".rstrip() for e in entries if e.working]
    return "\n".join(holiday_lines), "\n".join(working_lines)


def year_statuses(today: date) -> list[YearStatus]:
    """The entered years and the years around `today` (last year to two years on), newest
    first."""
    entered = {row.year: row for row in db.session.scalars(select(CalendarYear))}
    counts = {
        (year, working): n
        for year, working, n in db.session.execute(
            select(CalendarDay.year, CalendarDay.working, func.count()).group_by(
                CalendarDay.year, CalendarDay.working
            )
        )
    }
    statuses = []
    for year in sorted(set(entered) | set(range(today.year - 1, today.year + 3)), reverse=True):
        row = entered.get(year)
        if row is not None:
            statuses.append(
                YearStatus(
                    year,
                    Source.table,
                    counts.get((year, False), 0),
                    counts.get((year, True), 0),
                    row.entered_at,
                    row.entered_by,
                )
            )
            continue
        source, entries = _built_in_entries(year)
        working = sum(e.working for e in entries)
        statuses.append(YearStatus(year, source, len(entries) - working, working))
    return statuses
