"""Returns on rights work (维权工作情况报告, docs/returns.md): a union's monthly, quarterly or
annual return, its tables drawn from `reports.stats`, its officer-written sections, and the
workflow that submits, approves or sends it back and freezes what was submitted.

The modules: `periods` (what a return's period, its year to date and its same period last year
are), `tables` (the statistics turned into tables, generically), `models`, `workflow` (the
states and triggers as one table), `schemas`, `services` (every change, one transaction),
`output` (the workbook), `reminders` (the due-date reminder), `views`, `api`, `jobs`, `demo`.
"""
