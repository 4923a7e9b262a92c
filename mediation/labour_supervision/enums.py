"""The vocabularies of a supervision notice and its small state table (docs/enterprise-file.md
"Supervision notices"). Codes are stored; labels are for people."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString

from mediation.core.enums import LabelledEnum, set_labels
from mediation.core.i18n import lazy_gettext


class NoticeKind(LabelledEnum):
    opinion = "opinion"  # 劳动法律监督意见书
    recommendation = "recommendation"  # 劳动法律监督建议书


class NoticeStatus(LabelledEnum):
    issued = "issued"
    replied = "replied"
    verified = "verified"  # the rectification was checked and found done
    not_rectified = "not_rectified"  # checked and found not done


@dataclass(frozen=True)
class Step:
    """One action on a notice: from which states, to which state (a verification's outcome
    decides between `verified` and `not_rectified`), and its label on buttons and in the docs."""

    name: str
    sources: tuple[NoticeStatus, ...]
    dests: tuple[NoticeStatus, ...]
    label: LazyString


# The whole life of a notice. The forms offer, the API accepts and the docs list exactly these.
# A reply is optional: the union may check the rectification on site without one; a rectification
# found not done may be checked again later and found done.
STEPS: tuple[Step, ...] = (
    Step(
        "reply",
        (NoticeStatus.issued,),
        (NoticeStatus.replied,),
        lazy_gettext("Record the enterprise's reply"),
    ),
    Step(
        "verify",
        (NoticeStatus.issued, NoticeStatus.replied, NoticeStatus.not_rectified),
        (NoticeStatus.verified, NoticeStatus.not_rectified),
        lazy_gettext("Verify the rectification"),
    ),
)
STEP_BY_NAME = {step.name: step for step in STEPS}
# the states in which the rectification is still owed (an overdue one is an alert)
OUTSTANDING = frozenset({NoticeStatus.issued, NoticeStatus.replied, NoticeStatus.not_rectified})


def allowed(step: str, status: NoticeStatus) -> bool:
    return status in STEP_BY_NAME[step].sources


set_labels(
    {
        NoticeKind.opinion: lazy_gettext("Labour-law supervision opinion"),
        NoticeKind.recommendation: lazy_gettext("Labour-law supervision recommendation"),
        NoticeStatus.issued: lazy_gettext("Notice issued"),
        NoticeStatus.replied: lazy_gettext("Enterprise replied"),
        NoticeStatus.verified: lazy_gettext("Rectification verified"),
        NoticeStatus.not_rectified: lazy_gettext("Not rectified"),
    }
)
