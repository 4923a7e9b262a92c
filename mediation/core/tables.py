"""Tables exported as XLSX and CSV, written as they are read.

A table is a title, its column headers (English msgids, written in Chinese: official returns
are Chinese) and an iterable of rows of plain values. The writers pick the cell format from the
value's type: `Decimal` is money (`#,##0.00`), `date` and `datetime` are real dates, `float` is a
figure with two decimals. Rows are consumed as they come, so an export of many rows fetches them
in chunks (`yield_per`) and never holds them all in memory: XLSX through openpyxl's write-only
workbook, CSV as a generator of UTF-8 text with a BOM (Excel opens it as UTF-8).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from flask import Response, abort, request, send_file
from marshmallow import fields, validate

from mediation.core.clock import local_date, to_local, utcnow
from mediation.core.i18n import _, stored_text

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
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
# spreadsheet program shows as plain text. Spreadsheets skip leading blanks and line breaks
# before reading a formula, so the sign is looked for after them (and after the invisible
# zero-width characters a paste brings).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SIGNS = ("=", "+", "-", "@")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def safe_text(value: str) -> str:
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    shown = value.lstrip().lstrip(_INVISIBLE).lstrip()
    return "'" + value if shown.startswith(FORMULA_SIGNS) else value


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


def _xlsx_cell(sheet: Any, value: Any, cell_cls: Any) -> Any:
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


class LazyRows:
    """An iterable that builds its iterator when the writer starts reading (inside the
    writer's language context), so labels come out in Chinese."""

    def __init__(self, factory: Callable[[], Iterable[tuple[Any, ...]]]) -> None:
        self.factory = factory

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.factory())


def yes_no(value: bool) -> str:
    """A boolean cell, as a word."""
    return _("Yes") if value else _("No")


def translated_rows(rows: Iterable[tuple]) -> Iterator[tuple]:
    """Rows whose string cells are msgids, translated (inside the writers' Chinese context)."""
    for row in rows:
        yield tuple(_(v) if isinstance(v, str) else v for v in row)


# --- answering a request with an export ---------------------------------------------------------

FORMAT_FIELD = fields.String(
    required=True,
    validate=validate.OneOf(list(FORMATS)),
    metadata={"description": "xlsx (Excel) or csv (UTF-8 with a byte-order mark)"},
)
EXPORT_MEDIA = (FORMATS["xlsx"], "text/csv")


def export_format() -> str:
    """The `format` argument of an export page (xlsx by default); anything else is 400."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in FORMATS:
        abort(400)
    return fmt


def download(fmt: str, tables: list[Table], stem: str) -> Response:
    """The tables as an attachment, written first to a spooled temporary file (on disk once it
    is large), so neither the rows nor the file need to fit in memory."""
    return send_file(
        spooled(fmt, tables),
        mimetype=FORMATS[fmt],
        as_attachment=True,
        download_name=filename(stem, fmt, local_date(utcnow())),
    )
