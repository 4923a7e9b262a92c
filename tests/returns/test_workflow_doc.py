"""docs/returns.md's workflow table is the workflow table (`returns.workflow.TRIGGERS`): one
line per trigger, with its tier, sources and destination in words."""

from __future__ import annotations

from pathlib import Path

from mediation.returns.workflow import TRIGGERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "returns.md"
WORDS = {"draft": "draft", "submitted": "submitted", "sent_back": "sent back",
         "approved": "approved", "filed": "filed"}  # fmt: skip


def test_the_documented_workflow_is_the_table():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Workflow", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| step")
    ]
    expected = [
        [t.name.replace("_", " "), t.tier.value, ", ".join(WORDS[s.value] for s in t.sources),
         WORDS[t.dest.value]]
        for t in TRIGGERS
    ]  # fmt: skip
    assert [row[:4] for row in rows] == expected
