"""An alert's timeline entry says each thing once (issue 20: "预警 预警：红色预警：…").

The entry is headed by its kind (预警) and its body names the verb, the rule, the level by its
colour and the union: "发出：重大集体争议（红色）→ 市总工会". No two-character word of the header
and the body comes twice.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from mediation.cases.enums import EventKind
from mediation.cases.models import CaseEvent as Event
from mediation.core.clock import utcnow
from mediation.extensions import db
from mediation.warnings import engine
from mediation.warnings import services as warning_services
from mediation.warnings.models import Alert

CJK = re.compile(r"[\u4e00-\u9fff]+")


def repeated_words(text: str) -> list[str]:
    """The two-character words (CJK bigrams) and the Latin words that occur more than once."""
    bigrams = [run[i : i + 2] for run in CJK.findall(text) for i in range(len(run) - 1)]
    latin = re.findall(r"[A-Za-z]{2,}", text)
    return sorted(w for w, n in Counter(bigrams + latin).items() if n > 1)


def test_the_check_finds_the_old_wording():
    assert repeated_words("预警 预警：红色预警：重大集体争议 → 市总工会") == ["预警"]


def _alert_entries(case_id: int) -> list[str]:
    events = db.session.scalars(
        select(Event).where(Event.case_id == case_id, Event.kind == EventKind.alert)
    ).all()
    with force_locale("zh_Hans_CN"):
        header = str(EventKind.alert.label)
    return [f"{header} {e.body.splitlines()[0]}" for e in events]


def test_raised_climbed_relevelled_resolved_and_manual_entries_repeat_no_word(
    app, users, make_case
):
    case = make_case(workers_involved=60)  # a major collective dispute: a red alert at once
    warning_services.escalate(
        case.id, users["officer"], {"level": "orange", "reason": "企业主失联风险"}
    )
    # nobody acknowledges: the alerts climb
    engine.process_cases([case.id], utcnow() + timedelta(days=3))
    # the facts change: fewer workers, the alerts are relevelled or resolved
    case.workers_involved = 1
    db.session.commit()
    engine.process_cases([case.id], utcnow() + timedelta(days=3, hours=1))

    entries = _alert_entries(case.id)
    actions = {e.data["action"] for e in db.session.scalars(
        select(Event).where(Event.case_id == case.id, Event.kind == EventKind.alert))}  # fmt: skip
    assert {"预警", "人工升级", "未签收升级"} <= actions
    assert len(entries) >= 4
    assert {e: repeated_words(e) for e in entries if repeated_words(e)} == {}
    raised = next(e for e in entries if "发出" in e)
    assert re.fullmatch(r"预警 发出：\S+（(红|橙|黄|蓝)色）→ \S+", raised), raised
    assert db.session.scalar(select(Alert.id).where(Alert.case_id == case.id)) is not None
