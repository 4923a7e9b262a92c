"""A roster pasted or uploaded as a table (CSV, XLSX, or text copied from a spreadsheet):
every row read and checked first, then all rows written or none (docs/collective.md
"Roster")."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError

from mediation.cases.roster import MAX_ROSTER, RosterWorkerSchema, clean_worker, roster_problems
from mediation.core.errors import ValidationFailed, normalize_field_errors
from mediation.core.messages import N_, Message

# column -> accepted headers (English code first, then Chinese)
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名"),
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "phone": ("phone", "联系电话", "电话"),
    "position": ("position", "岗位", "工种"),
    "first_unpaid_on": ("first_unpaid_on", "欠薪起始日期", "首个未发工资日"),
    "months_owed": ("months_owed", "欠薪月数"),
    "amount_owed": ("amount_owed", "欠薪金额", "被拖欠金额"),
    "amount_paid": ("amount_paid", "已支付金额"),
    "representative": ("representative", "代表"),
}
TRUE = {"1", "true", "yes", "y", "是", "√", "✓", "代表"}
FALSE = {"", "0", "false", "no", "n", "否"}
MAX_BYTES = 2 * 1024 * 1024


def _table_of(filename: str, data: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # (only when a workbook is uploaded)

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same error to the user
            raise ValidationFailed({"file": [N_("Not a readable XLSX workbook.")]}) from None
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": [N_("Save the file as UTF-8 CSV.")]}) from None
    return table_of_text(text)


def table_of_text(text: str) -> list[list[str]]:
    """Pasted text: tab-separated (copied from a spreadsheet) or comma-separated."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    delimiter = "\t" if "\t" in lines[0] else ","
    return [list(row) for row in csv.reader(lines, delimiter=delimiter)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _headers(row: list[str]) -> list[str | None]:
    known = {alias.strip().lower(): code for code, aliases in COLUMNS.items() for alias in aliases}
    return [known.get(cell.strip().lower()) for cell in row]


def rows_to_workers(table: list[list[str]]) -> list[dict]:
    """The table's workers, each checked; ValidationFailed naming every bad row by its line in
    the file (the header is line 1) when any is wrong."""
    if not table:
        raise ValidationFailed({"file": [N_("The roster is empty.")]})
    headers = _headers(table[0])
    if "name" not in headers:
        raise ValidationFailed(
            {"file": [N_("The first line must name the columns; a name column is required.")]}
        )
    if len(table) - 1 > MAX_ROSTER:
        raise ValidationFailed(
            {"file": [Message("At most %(n)s workers in one roster.", n=MAX_ROSTER)]}
        )
    schema = RosterWorkerSchema()
    workers, errors = [], {}
    lines: list[int] = []
    for line, row in enumerate(table[1:], start=2):
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(headers) if h}
        if not any(values.values()):
            continue
        item: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
        flag = values.get("representative", "").lower()
        if flag in TRUE:
            item["representative"] = True
        elif flag in FALSE:
            item.pop("representative", None)
        try:
            workers.append(clean_worker(schema.load(item)))
            lines.append(line)
        except ValidationError as exc:
            for column, found in normalize_field_errors(exc.messages).items():
                errors[f"line {line}.{column}"] = found
    if not errors:
        for key, messages in roster_problems(workers).items():
            name, _, rest = key.partition(".")
            if name == "workers":
                n, _, column = rest.partition(".")
                errors[f"line {lines[int(n)]}.{column}"] = messages
            else:
                errors[key] = messages
    if errors:
        raise ValidationFailed(errors)
    return workers


def read_roster_file(filename: str, data: bytes) -> list[dict]:
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": [N_("The file is too large.")]})
    return rows_to_workers(_table_of(filename or "", data))
