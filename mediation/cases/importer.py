"""Bulk import of hotline logs from CSV (docs/import.md).

`check()` reads the whole file and validates every row through the new-case form's schema
(`cases.schemas.CaseCreateSchema`) after resolving the enterprise by its credit code and the
handling organization by its code; it reports every bad row with its line number and reason and
writes nothing. The import job (`cases.imports`) then stages the good rows and publishes them
through `create_case` in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.accounts.scope import can_see_org
from mediation.cases import schemas
from mediation.cases.enums import CaseKind, Category, Channel
from mediation.core.enums import LabelledEnum
from mediation.core.errors import normalize_field_errors
from mediation.core.i18n import stored_text
from mediation.core.identifiers import normalize_credit_code
from mediation.core.input_guard import MESSAGE as UNSTORABLE
from mediation.core.input_guard import storable
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import visible_enterprises
from mediation.extensions import db
from mediation.orgs.models import Organization

MAX_ROWS = 100_000

# column → accepted header names (English code first, then Chinese)
COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "类型"),
    "category": ("category", "案由"),
    "credit_code": ("credit_code", "统一社会信用代码"),
    "org_code": ("org_code", "承办组织代码"),
    "title": ("title", "诉求"),
    "workers_involved": ("workers_involved", "涉及人数"),
    "claim_amount": ("claim_amount", "请求金额"),
    "arrears_months": ("arrears_months", "欠薪月数"),
    "worker_name": ("worker_name", "劳动者姓名"),
    "worker_phone": ("worker_phone", "联系电话"),
    "worker_id_number": ("worker_id_number", "身份证号"),
    "is_migrant": ("is_migrant", "农民工"),
    "is_construction": ("is_construction", "工程建设领域"),
    "channel": ("channel", "来源渠道"),
    "received_at": ("received_at", "收到申请时间"),
    "infringement_known_at": ("infringement_known_at", "知道权益受侵害日期"),
    "employment_ended_at": ("employment_ended_at", "劳动关系终止日期"),
    "owner_absconded": ("owner_absconded", "负责人逃匿"),
    "incident_in_progress": ("incident_in_progress", "正在发生群体性事件"),
    "description": ("description", "情况说明"),
}
REQUIRED = ("kind", "category", "credit_code", "title", "workers_involved")
BOOLEANS = ("is_migrant", "is_construction", "owner_absconded", "incident_in_progress")
TRUE = {"1", "true", "yes", "y", "是", "√"}
FALSE = {"0", "false", "no", "n", "否", ""}
ENUMS = {"kind": CaseKind, "category": Category, "channel": Channel}


@dataclass
class RowError:
    line: int
    messages: list[str]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(self.messages)


@dataclass
class Checked:
    """The outcome of the first pass."""

    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line, payload) of good rows
    errors: list[RowError] = field(default_factory=list)
    fatal: str | None = None  # the file as a whole cannot be read

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.errors


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = " It looks like GBK/GB18030 (Excel's default for Chinese)."
        except UnicodeDecodeError:
            pass
        raise ValueError(
            f"The file is not UTF-8 (first bad byte on line {line}).{hint} "
            "Save it as 'CSV UTF-8' and import it again."
        ) from None


def _enum_value(enum_cls: type[LabelledEnum], text: str) -> str:
    """A code, or its label in Chinese (as the pages show it)."""
    if text in {m.value for m in enum_cls}:
        return text
    with stored_text():
        for member in enum_cls:
            if text == str(member.label):
                return member.value
    return text  # the schema reports it


def _payload(values: dict[str, str], problems: list[str]) -> dict:
    payload: dict = {}
    for name, raw in values.items():
        if name in ("credit_code", "org_code"):
            continue
        text = raw.strip()
        if name in BOOLEANS:
            if text.lower() in TRUE:
                payload[name] = True
            elif text.lower() in FALSE:
                payload[name] = False
            else:
                problems.append(f"{name}: not yes/no (是/否): {text!r}")
        elif not text:
            continue
        elif name in ENUMS:
            payload[name] = _enum_value(ENUMS[name], text)
        elif name in ("received_at",):
            payload[name] = text.replace(" ", "T", 1) if len(text) > 10 else text + "T09:00:00"
        else:
            payload[name] = text
    payload.setdefault("channel", Channel.hotline.value)
    return payload


def check(user: User, data: bytes) -> Checked:
    """Validate the whole file; nothing is written."""
    result = Checked()
    if user.role not in (Role.admin, Role.officer, Role.mediator):
        result.fatal = "Your role may not register cases."
        return result
    try:
        text = _decode(data)
    except ValueError as exc:
        result.fatal = str(exc)
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.fatal = "The file is empty."
        return result
    except csv.Error as exc:
        result.fatal = f"line 1: not CSV ({exc})."
        return result
    aliases = {alias.strip().lower(): name for name, names in COLUMNS.items() for alias in names}
    positions: dict[str, int] = {}
    unknown = []
    for index, title in enumerate(header):
        name = aliases.get(title.strip().lower())
        if name is None:
            if title.strip():
                unknown.append(title.strip())
        else:
            positions[name] = index
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in positions]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing columns: " + ", ".join(missing))
        if unknown:
            parts.append("unknown columns: " + ", ".join(unknown))
        result.fatal = "line 1: " + "; ".join(parts) + " (see docs/import.md)."
        return result

    raw_rows: list[tuple[int, dict[str, str]]] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(raw_rows) >= MAX_ROWS:
                result.fatal = f"More than {MAX_ROWS} rows; split the file."
                return result
            if len(record) > len(header):
                result.errors.append(RowError(line, ["more cells than the header has columns"]))
                continue
            if not all(storable(cell) for cell in record):
                result.errors.append(RowError(line, [str(UNSTORABLE)]))
                continue
            cells = record + [""] * (len(header) - len(record))
            raw_rows.append((line, {name: cells[i] for name, i in positions.items()}))
    except csv.Error as exc:
        result.fatal = f"line {reader.line_num}: not CSV ({exc})."
        return result

    enterprises = _enterprises(user, {r["credit_code"] for _, r in raw_rows})
    orgs = _organizations({r.get("org_code", "").strip() for _, r in raw_rows} - {""})
    schema = schemas.CaseCreateSchema()
    for line, values in raw_rows:
        problems: list[str] = []
        payload = _payload(values, problems)
        code = values["credit_code"].strip()
        enterprise_id = enterprises.get(_normal(code))
        if not code:
            problems.append("credit_code: required")
        elif enterprise_id is None:
            problems.append(f"credit_code: no enterprise with credit code {code} in your area")
        else:
            payload["enterprise_id"] = enterprise_id
        org_code = values.get("org_code", "").strip()
        if org_code:
            org_id = orgs.get(org_code)
            if org_id is None or not can_see_org(user, org_id):
                problems.append(f"org_code: {org_code} is not an organization you may act for")
            else:
                payload["handling_org_id"] = org_id
        try:
            schema.load(payload)
        except ValidationError as exc:
            for name, messages in normalize_field_errors(exc.messages).items():
                if name == "enterprise_id" and enterprise_id is None:
                    continue
                problems.append(f"{name}: {' '.join(messages)}")
        if problems:
            result.errors.append(RowError(line, problems))
        else:
            result.rows.append((line, payload))
    return result


def _normal(code: str) -> str:
    return normalize_credit_code(code)


def _enterprises(user: User, codes: Iterable[str]) -> dict[str, int]:
    """credit code → id of the enterprises in the user's area, in one statement."""
    normal = {_normal(c) for c in codes if c.strip()}
    if not normal:
        return {}
    rows = db.session.execute(
        visible_enterprises(user)
        .with_only_columns(Enterprise.credit_code, Enterprise.id)
        .where(Enterprise.credit_code.in_(normal))
    ).all()
    return {code: id_ for code, id_ in rows}


def _organizations(codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = db.session.execute(
        select(Organization.code, Organization.id).where(Organization.code.in_(codes))
    ).all()
    return {code: id_ for code, id_ in rows}
