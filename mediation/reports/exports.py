"""Exports as XLSX and CSV: the case list (its filters), the statistics tables, the watch list.

A table is a title, its column headers (English msgids, written in Chinese: official returns
are Chinese) and an iterable of rows of plain values. The writers pick the cell format from the
value's type: `Decimal` is money (`#,##0.00`), `date` and `datetime` are real dates, `float` is a
figure with two decimals. Rows are consumed as they come, so the case export fetches the rows in
chunks (`yield_per`) and never holds every case in memory: XLSX through openpyxl's write-only
workbook, CSV as a generator of UTF-8 text with a BOM (Excel opens it as UTF-8).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from mediation.accounts.models import User
from mediation.cases import queries
from mediation.cases.enums import STATISTICS_BUCKETS, CaseKind, Category, Channel, Outcome, State
from mediation.cases.enums import WarningLevel as Level
from mediation.cases.models import Case
from mediation.core.clock import to_local
from mediation.core.i18n import _, stored_text
from mediation.core.messages import N_
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.reports import stats

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
MEDIA_TYPES = tuple(FORMATS.values())
CHUNK = 1000
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
BOM = "\ufeff"


@dataclass
class Table:
    title: str  # msgid
    headers: list[str]  # msgids
    rows: Iterable[tuple]


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def local_naive(moment: datetime | None) -> datetime | None:
    """China time without the offset: spreadsheets have no time zones."""
    return None if moment is None else to_local(moment).replace(tzinfo=None, microsecond=0)


# --- writers ------------------------------------------------------------------------------------


# A spreadsheet treats a cell that starts with one of these as a formula (CSV injection): text
# from users (titles, names) that starts so is written with a leading apostrophe, which every
# spreadsheet program shows as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return safe_text(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def csv_chunks(tables: list[Table]) -> Iterator[str]:
    """The tables as CSV text (a title row before each when there are several), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield BOM
    with stored_text():
        for index, table in enumerate(tables):
            if len(tables) > 1:
                if index:
                    writer.writerow([])
                writer.writerow([_(table.title)])
            writer.writerow([_(h) for h in table.headers])
            for n, row in enumerate(table.rows, 1):
                writer.writerow([_text(v) for v in row])
                if n % CHUNK == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
    yield buffer.getvalue()


def write_csv(tables: list[Table], out: IO[bytes]) -> None:
    for chunk in csv_chunks(tables):
        out.write(chunk.encode("utf-8"))


def write_xlsx(tables: list[Table], out: IO[bytes]) -> None:
    """One sheet per table, headers in bold, typed cells."""
    with stored_text():
        _write_xlsx(tables, out)


def _write_xlsx(tables: list[Table], out: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        title = _sheet_title(_(table.title), used)
        headers = [_(h) for h in table.headers]
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for column, header in enumerate(headers):
            letter = _column_letter(column)
            sheet.column_dimensions[letter].width = max(10, min(40, len(header) * 2 + 4))
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, v, WriteOnlyCell) for v in row])
    workbook.save(out)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _sheet_title(title: str, used: set[str]) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    base = title[:31] or "Sheet"
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base[:28]}({n})"
        n += 1
    used.add(candidate)
    return candidate


def _xlsx_cell(sheet, value: Any, cell_cls):
    if isinstance(value, str):
        cell = cell_cls(sheet, value=safe_text(value))
        cell.data_type = "s"  # never a formula, whatever the text
        return cell
    if value is None or isinstance(value, bool | int):
        return value
    cell = cell_cls(sheet, value=value)
    if isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, float):
        cell.number_format = "0.00"
    else:
        cell.value = str(value)
    return cell


def write(fmt: str, tables: list[Table], out: IO[bytes]) -> None:
    (write_xlsx if fmt == "xlsx" else write_csv)(tables, out)


def spooled(fmt: str, tables: list[Table]) -> IO[bytes]:
    """The export in a temporary file (in memory while small), rewound."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    write(fmt, tables, out)
    out.seek(0)
    return out


def filename(stem: str, fmt: str, when: date) -> str:
    return f"{stem}-{when.isoformat()}.{fmt}"


# --- the case list ------------------------------------------------------------------------------

CASE_HEADERS = [
    N_("Case number"), N_("Type"), N_("Category"), N_("Statistics category"), N_("State"),
    N_("Supervising tier"), N_("Warning level"), N_("Employer"), N_("Unified social credit code"),
    N_("Handling organization"), N_("Claim"), N_("No. of workers"), N_("Collective"),
    N_("Migrant workers"), N_("Construction project"), N_("Claim amount (yuan)"),
    N_("Months in arrears"), N_("Channel"), N_("Received"), N_("Agreed amount (yuan)"),
    N_("Agreement due on"), N_("Paid amount (yuan)"), N_("Outcome"), N_("Closed"),
]  # fmt: skip
CASE_COLUMNS = (
    Case.number, Case.kind, Case.category, Case.state, Case.tier, Case.warning_level,
    Enterprise.name, Enterprise.credit_code, Organization.name, Case.title,
    Case.workers_involved, Case.is_migrant, Case.is_construction, Case.claim_amount_fen,
    Case.arrears_months, Case.channel, Case.received_at, Case.agreement_amount_fen,
    Case.agreement_due_on, Case.paid_amount_fen, Case.outcome, Case.closed_at,
)  # fmt: skip


def _label(enum_cls, value) -> str | None:
    return None if value is None else str(enum_cls(value).label)


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def case_rows(user: User, filters: dict) -> Iterator[tuple]:
    """The rows the case list's filters select (in its order), fetched `CHUNK` at a time as
    plain column tuples: no ORM objects, whatever the number of cases."""
    stmt = (
        queries.filtered_cases(user, filters, load_advocates=False)
        .with_only_columns(*CASE_COLUMNS)
        .join(Enterprise, Enterprise.id == Case.enterprise_id)
        .join(Organization, Organization.id == Case.handling_org_id)
        .execution_options(yield_per=CHUNK)
    )
    for r in db.session.execute(stmt):
        yield (
            r[0], _label(CaseKind, r[1]), _label(Category, r[2]),
            _(stats.BUCKET_LABELS[STATISTICS_BUCKETS[Category(r[2])]]),
            _label(State, r[3]), _label(Tier, r[4]), _label(Level, r[5]),
            r[6], r[7], r[8], r[9], r[10],
            _yes(r[10] >= stats.COLLECTIVE_WORKERS), _yes(r[11]), _yes(r[12]),
            yuan(r[13]), r[14], _label(Channel, r[15]), local_naive(r[16]), yuan(r[17]),
            r[18], yuan(r[19]), _label(Outcome, r[20]), local_naive(r[21]),
        )  # fmt: skip


def _translated_rows(rows: Iterable[tuple]) -> Iterator[tuple]:
    """Rows whose string cells are msgids, translated (inside the writers' Chinese context)."""
    for row in rows:
        yield tuple(_(v) if isinstance(v, str) else v for v in row)


def case_tables(user: User, filters: dict) -> list[Table]:
    return [Table(N_("Cases"), CASE_HEADERS, _Lazy(lambda: case_rows(user, filters)))]


class _Lazy:
    """An iterable that builds its iterator when the writer starts reading (inside the
    writer's language context), so labels come out in Chinese."""

    def __init__(self, factory) -> None:
        self.factory = factory

    def __iter__(self):
        return iter(self.factory())


# --- the statistics tables ----------------------------------------------------------------------


def stats_tables(user: User, period: stats.Period, org_id: int | None = None) -> list[Table]:
    """The tables of the reports page, from the same query layer."""
    rollups = stats.Rollups(user, period, org_id)  # read once for both
    rollups.prefetch(*stats.REPORT_PARTS)
    data = stats.report(user, period, org_id, rollups=rollups)
    towns = stats.by_town(user, period, org_id, rollups=rollups)
    amounts = data["amounts"]
    overview = [
        (N_("Period start"), period.start),
        (N_("Period end"), period.end),
        (N_("Cases received"), data["received"]),
        (N_("Cases accepted"), data["accepted"]),
        (N_("Cases closed"), data["closed"]),
        (N_("Collective cases"), data["collective_cases"]),
        (N_("Workers involved"), data["workers_involved"]),
        (N_("Workers in collective cases"), data["collective_workers"]),
        (N_("Mediation success rate"), data["mediation_success_rate"]),
        (N_("Median days from receipt to agreement"), data["median_days_to_agreement"]),
        (N_("Median days from receipt to closure"), data["median_days_to_closure"]),
        (N_("Amount claimed (yuan)"), Decimal(amounts["claimed"])),
        (N_("Amount agreed (yuan)"), Decimal(amounts["agreed"])),
        (N_("Amount recovered (yuan)"), Decimal(amounts["recovered"])),
        (N_("Median hours to acknowledge an alert"), data["median_hours_to_acknowledgement"]),
    ]
    ack = data["median_hours_to_acknowledgement_by_level"]
    tiers = data["days_at_tier"]
    return [
        Table(N_("Overview"), [N_("Indicator"), N_("Value")], _Lazy(lambda: _translated_rows(overview))),
        Table(
            N_("By category"), [N_("Statistics category"), N_("Cases")],
            _Lazy(lambda: ((_(stats.BUCKET_LABELS[b]), data["by_bucket"][b]) for b in stats.BUCKETS)),
        ),
        Table(
            N_("By type"), [N_("Type"), N_("Cases")],
            _Lazy(lambda: ((str(k.label), data["by_kind"].get(k.value, 0)) for k in CaseKind)),
        ),
        Table(
            N_("By tier"), [N_("Supervising tier"), N_("Cases"), N_("Cases supervised there"),
                            N_("Total days"), N_("Median days")],
            _Lazy(lambda: (
                (str(t.label), data["by_tier"].get(t.value, 0), tiers[t.value]["cases"],
                 tiers[t.value]["total_days"], tiers[t.value]["median_days"])
                for t in Tier
            )),
        ),
        Table(
            N_("Closures"), [N_("Method of closure"), N_("Cases")],
            _Lazy(lambda: ((_(stats.METHOD_LABELS[m]), data["closed_by_method"][m]) for m in stats.CLOSURE_METHODS)),
        ),
        Table(
            N_("Results"), [N_("Result"), N_("Cases")],
            _Lazy(lambda: ((_(stats.RESULT_LABELS[r]), data["closed_by_result"][r]) for r in stats.CLOSURE_RESULTS)),
        ),
        Table(
            N_("Alerts"), [N_("Warning level"), N_("Alerts raised"), N_("Median hours to acknowledge")],
            _Lazy(lambda: (
                (str(lv.label), data["alerts_by_level"].get(lv.value, 0), ack.get(lv.value))
                for lv in Level
            )),
        ),
        Table(
            N_("By town"),
            [N_("Organization"), N_("Cases received"), N_("Collective cases"),
             N_("Workers involved"), N_("Cases closed"), N_("Agreements performed"),
             N_("Amount claimed (yuan)"), N_("Amount recovered (yuan)")],
            _Lazy(lambda: (
                (t["name"], t["received"], t["collective_cases"], t["workers_involved"],
                 t["closed"], t["performed"], yuan(t["claimed_fen"]), yuan(t["recovered_fen"]))
                for t in towns
            )),
        ),
    ]  # fmt: skip


# --- the enterprise watch list ------------------------------------------------------------------

WATCH_HEADERS = [
    N_("Rank"), N_("Employer"), N_("Unified social credit code"), N_("Area"),
    N_("Highest alert"), N_("Open alerts"), N_("Open cases"), N_("Workers in open cases"),
    N_("Amount owed (yuan)"), N_("Cases in the last 90 days"), N_("Repeat complaints"),
]  # fmt: skip


def watch_tables(user: User) -> list[Table]:
    from mediation.reports.watchlist import watch_list

    def rows():
        for rank, entry in enumerate(watch_list(user), 1):
            risk = entry.risk
            yield (
                rank, entry.name, entry.credit_code, entry.area,
                str(risk.highest_level.label) if risk.highest_level else None,
                risk.open_alerts, risk.open_cases, risk.workers_involved,
                yuan(risk.amount_owed_fen), entry.recent_cases, _yes(entry.is_repeat),
            )  # fmt: skip

    return [Table(N_("Enterprise watch list"), WATCH_HEADERS, _Lazy(rows))]
