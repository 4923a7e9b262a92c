"""A return as a workbook and as the values of its printed page (docs/returns.md "Output"),
always from a document (a version's frozen snapshot, or a draft's tables computed now).

The workbook is Chinese whatever the reader's language (official returns are: docs/architecture.md
"Internationalisation"): one sheet per table, named by the table's frozen Chinese title, headers
in Chinese, numbers as numbers (money as `Decimal`, rates in percent)."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from flask_babel import format_decimal, get_locale

from mediation.core.i18n import DEFAULT_LOCALE, _, force_locale, pgettext
from mediation.core.messages import N_
from mediation.core.tables import Table, write_xlsx
from mediation.returns.tables import COUNT, DAYS, HOURS, MONEY, PERCENT, POINTS, RATE

SECTION_TITLES = {
    "typical_cases": N_("Typical cases"),
    "main_problems": N_("Main problems"),
    "next_steps": N_("Next steps"),
}


def language() -> str:
    """Which frozen language a page shows: "zh" or "en"."""
    return "en" if str(get_locale() or "").startswith("en") else "zh"


def word(label: dict | str, lang: str | None = None) -> str:
    if isinstance(label, dict):
        return label.get(lang or language()) or label.get("zh", "")
    return label


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == MONEY:
        return Decimal(value)
    if kind == RATE:
        return round(float(value) * 100, 1)
    if kind in (PERCENT, POINTS, DAYS, HOURS):
        return float(value)
    return value


def shown(kind: str, value: Any) -> str:
    """A value on the page, in the reader's language (Babel's number formats)."""
    if value is None:
        return "—"
    if kind == MONEY:
        return "¥" + format_decimal(Decimal(value), format="#,##0.00")
    if kind == RATE:
        return format_decimal(float(value) * 100, format="0.0") + "%"
    if kind == PERCENT:
        return ("+" if value > 0 else "") + format_decimal(value, format="0.0") + "%"
    if kind == POINTS:
        return _("%(n)s pt", n=("+" if value > 0 else "") + format_decimal(value, format="0.0"))
    if kind in (DAYS, HOURS):
        return format_decimal(value, format="0.0")
    if kind == COUNT:
        return format_decimal(value, format="#,##0")
    return str(value)


def _rows(table: dict) -> list[tuple]:
    rows = []
    for row in table["rows"]:
        label = word(row["label"], "zh")
        if RATE in row["kinds"][:1]:
            label += "（%）"
        cells = [_cell(k, v) for k, v in zip(row["kinds"], row["values"], strict=True)]
        rows.append((label, *cells))
    return rows


def workbook_tables(document: dict) -> list[Table]:
    """The document's tables, then its typical cases and its written sections, in Chinese."""
    with force_locale(DEFAULT_LOCALE):
        found = [
            Table(word(t["title"], "zh"), [word(h, "zh") for h in t["headers"]], _rows(t))
            for t in document["tables"]
        ]
        found.append(
            Table(
                _("Typical cases"),
                [_("Case number"), pgettext("case", "Title"), _("Employer"), _("State"), _("Workers involved"),
                 _("Amount claimed (yuan)")],
                [(c["number"], c["title"], c["employer"], word(c["state"], "zh"), c["workers"],
                  Decimal(c["claimed"]) if c.get("claimed") else None)
                 for c in document["typical_cases"]],
            )
        )  # fmt: skip
        found.append(
            Table(
                _("Written sections"),
                [_("Section"), _("Text")],
                [(_(SECTION_TITLES[k]), document["sections"].get(k, "")) for k in SECTION_TITLES],
            )
        )
    return found


def write_workbook(document: dict, out: IO[bytes]) -> None:
    write_xlsx(workbook_tables(document), out)
