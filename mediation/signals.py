"""The named signals through which one domain reacts to another's changes.

A lower layer (cases) announces what happens; a higher one (warnings) connects its receivers,
so neither imports what it should not and "who reacts to what" is read here and at the
`connect` calls (docs/architecture.md "Signals"). Every signal is sent inside the
transaction of the change: a receiver that raises rolls the whole change back.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

case_creating = _signals.signal(
    "case-creating",
    doc="""A new case is complete but not yet inserted (sender: the `Case`; `now`).

    A receiver may set the case's columns and answer an object with `event_count` (how many
    events it will add to the case's chain after `created`) and `write(case)` (called once the
    case has its id; writes the receiver's own rows and answers those events, as
    `cases.timeline.append_events` takes them). The warning engine evaluates the immediate
    rules here, so the case's row goes in once, with its warning fields.""",
)

case_changed = _signals.signal(
    "case-changed",
    doc="""A case changed (sender: the `Case`; `kind`: the `EventKind` recorded; `now`), its
    event already written. The warning engine re-evaluates the fact-driven rules; a new
    case's (`kind` created) were evaluated at `case_creating`.""",
)
