"""The exports' guard against formula injection (CSV/XLSX cells a spreadsheet would run)."""

from __future__ import annotations

import pytest

from mediation.core.tables import safe_text


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =HYPERLINK(\"x\")", "\n=cmd|' /C calc'!A0",
     "\r\n+1", "\u3000=1", "\u00a0-1", "\u200b=1", "  \n @A1"],
)  # fmt: skip
def test_cells_that_start_a_formula_after_blanks_or_line_breaks_are_quoted(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["工资 = 3000", "a-b", "李秀英", "", "  plain", "\nline"])
def test_ordinary_text_is_written_as_it_is(text):
    assert safe_text(text) == text
