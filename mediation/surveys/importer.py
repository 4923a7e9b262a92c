"""Surveys imported from a spreadsheet (XLSX or UTF-8 CSV), all or nothing
(docs/enterprise-file.md "Import"): `check` reads every row, finds its enterprise by the
credit code in the user's area and checks it with the form's schema, naming each bad row by
its line (the header is line 1) and writing nothing; `import_file` then writes every row in one
transaction, or none when any is wrong. A town's survey is a few hundred rows: the import runs
within the request, unlike the case import's background job."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError

from mediation.accounts.models import User
from mediation.core.errors import normalize_field_errors
from mediation.core.identifiers import normalize_credit_code
from mediation.core.input_guard import MESSAGE as UNSTORABLE
from mediation.core.input_guard import storable
from mediation.core.messages import N_, Message
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.surveys import services
from mediation.surveys.models import CollectiveContractType
from mediation.surveys.schemas import BOOLEAN_FIELDS, SurveyInputSchema

MAX_ROWS = 5_000
MAX_BYTES = 4 * 1024 * 1024

# column → accepted headers (English code first, then Chinese); docs/enterprise-file.md
COLUMNS: dict[str, tuple[str, ...]] = {
    "credit_code": ("credit_code", "统一社会信用代码"),
    "as_of": ("as_of", "调查日期", "统计日期"),
    "employees": ("employees", "职工人数"),
    "migrant_workers": ("migrant_workers", "农民工人数"),
    "contracts_signed": ("contracts_signed", "签订劳动合同人数"),
    "migrant_contracts_signed": ("migrant_contracts_signed", "农民工签订劳动合同人数"),
    "union_established": ("union_established", "已建工会"),
    "union_members": ("union_members", "工会会员人数"),
    "collective_contract": ("collective_contract", "集体合同类型"),
    "collective_signed_on": ("collective_signed_on", "集体合同签订日期"),
    "collective_expires_on": ("collective_expires_on", "集体合同到期日期"),
    "wage_negotiation": ("wage_negotiation", "开展工资集体协商"),
    "workers_congress": ("workers_congress", "召开职代会"),
    "open_factory_affairs": ("open_factory_affairs", "实行厂务公开"),
}
REQUIRED = ("credit_code", "as_of", "employees", "contracts_signed")
TRUE = {"1", "true", "yes", "y", "是", "√", "✓"}
FALSE = {"", "0", "false", "no", "n", "否"}


@dataclass
class RowError:
    """A bad row: its line and, per column, what is wrong (messages the page translates)."""

    line: int
    fields: dict[str, list[str]]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in self.fields.items()
        )


@dataclass
class Checked:
    rows: list[tuple[int, int, dict]] = field(default_factory=list)  # (line, enterprise, data)
    errors: list[RowError] = field(default_factory=list)
    fatal: str | None = None  # the file as a whole cannot be read

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The file's cells as text; ValueError with the reason when it cannot be read."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # (only when a workbook is uploaded)

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same error to the user
            raise ValueError(N_("Not a readable XLSX workbook.")) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(N_("Save the file as UTF-8 CSV.")) from None
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        raise ValueError(N_("Not a CSV file.")) from None


# the types as a spreadsheet names them: code, Chinese (the usual names) or English word
TYPE_NAMES: dict[str, CollectiveContractType] = {
    "综合性集体合同": CollectiveContractType.general,
    "集体合同": CollectiveContractType.general,
    "工资专项集体合同": CollectiveContractType.wage,
    "行业性集体合同": CollectiveContractType.sector,
    "区域性集体合同": CollectiveContractType.area,
}


def _collective(text: str) -> str:
    """A type's code from its code, its Chinese name or its English word."""
    if text in TYPE_NAMES:
        return TYPE_NAMES[text].value
    for member in CollectiveContractType:
        if text.lower() in (member.value, str(member.label).lower()):
            return member.value
    return text  # the schema refuses it


def _payload(values: dict[str, str], problems: dict[str, list[str]]) -> dict:
    payload: dict[str, Any] = {}
    for name, raw in values.items():
        text = raw.strip()
        if name == "credit_code":
            continue
        if name in BOOLEAN_FIELDS:
            if text.lower() in TRUE:
                payload[name] = True
            elif text.lower() in FALSE:
                payload[name] = False
            else:
                problems.setdefault(name, []).append(
                    Message("Not yes or no: %(value)s.", value=text)
                )
        elif not text:
            continue
        elif name == "collective_contract":
            payload[name] = _collective(text)
        elif name == "as_of" or name.endswith("_on"):
            payload[name] = text[:10]
        else:
            payload[name] = text
    return payload


def check(user: User, filename: str, data: bytes) -> Checked:
    """Validate the whole file; nothing is written."""
    services.require_user(user)
    result = Checked()
    try:
        table = read_table(filename, data)
    except ValueError as exc:
        result.fatal = str(exc)
        return result
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        result.fatal = N_("The file is empty.")
        return result
    aliases = {alias.lower(): name for name, names in COLUMNS.items() for alias in names}
    positions: dict[str, int] = {}
    unknown = []
    for index, title in enumerate(table[0]):
        name = aliases.get(title.strip().lower())
        if name is None:
            if title.strip():
                unknown.append(title.strip())
        else:
            positions[name] = index
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in positions]
    if missing or unknown:
        result.fatal = Message(
            "Line 1: missing columns: %(missing)s; unknown columns: %(unknown)s.",
            missing=", ".join(missing) or "—", unknown=", ".join(unknown) or "—",
        )  # fmt: skip
        return result
    if len(table) - 1 > MAX_ROWS:
        result.fatal = Message("At most %(n)s rows in one file.", n=MAX_ROWS)
        return result

    codes = {normalize_credit_code(row[positions["credit_code"]])
             for row in table[1:] if len(row) > positions["credit_code"]}  # fmt: skip
    enterprises = {
        code: id_
        for code, id_ in db.session.execute(
            visible_enterprises(user)
            .with_only_columns(Enterprise.credit_code, Enterprise.id)
            .where(Enterprise.credit_code.in_(codes))
        ).all()
    }
    schema = SurveyInputSchema()
    seen: dict[tuple[int, int], int] = {}
    for line, row in enumerate(table[1:], start=2):
        cells = row + [""] * (len(table[0]) - len(row))
        if not all(storable(cell) for cell in cells):
            result.errors.append(RowError(line, {"": [UNSTORABLE]}))
            continue
        values = {name: cells[i] for name, i in positions.items()}
        problems: dict[str, list[str]] = {}
        payload = _payload(values, problems)
        code = values["credit_code"].strip()
        enterprise_id = enterprises.get(normalize_credit_code(code)) if code else None
        if not code:
            problems["credit_code"] = [N_("Missing data for required field.")]
        elif enterprise_id is None:
            problems["credit_code"] = [
                Message("No enterprise with the credit code %(code)s in your area.", code=code)
            ]
        try:
            data_ = schema.load(payload)
        except ValidationError as exc:
            for name, messages in normalize_field_errors(exc.messages).items():
                problems.setdefault(name, []).extend(messages)
            data_ = None
        if data_ is not None and enterprise_id is not None:
            key = (enterprise_id, data_["as_of"].year)
            if key in seen:
                problems.setdefault("as_of", []).append(
                    Message("The same enterprise and year as line %(line)s.", line=seen[key])
                )
            else:
                seen[key] = line
        if problems:
            result.errors.append(RowError(line, problems))
        elif data_ is not None and enterprise_id is not None:
            result.rows.append((line, enterprise_id, data_))
    return result


def import_file(user: User, filename: str, data: bytes) -> Checked:
    """Check the file; when every row is good, write them all in one transaction."""
    checked = check(user, filename, data)
    if checked.ok and checked.rows:
        services.write_rows(user, [(enterprise_id, d) for _line, enterprise_id, d in checked.rows])
    return checked
