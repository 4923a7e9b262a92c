"""The text and the link of a notice, written when it is shown, in the reader's language
(docs/notifications.md "Texts"): a notice stores its kind and values, never a sentence."""

from __future__ import annotations

from flask import url_for

from mediation.cases.enums import WarningLevel
from mediation.core.i18n import _
from mediation.inbox import models as kinds
from mediation.inbox.models import InAppNotice
from mediation.warnings.rules import RULE_LABELS


def _level(code: str | None) -> str:
    try:
        return str(WarningLevel(code or "").label)
    except ValueError:
        return code or ""


def _rule(code: str | None) -> str:
    return str(RULE_LABELS.get(code or "", code or ""))


def notice_text(notice: InAppNotice) -> str:
    p = notice.params or {}
    number, by = p.get("number", ""), p.get("by", "")
    if notice.kind == kinds.ALERT:
        level, rule = _level(p.get("level")), _rule(p.get("rule"))
        if p.get("project"):
            return _("%(level)s on the construction project %(project)s: %(rule)s",
                     level=level, project=p["project"], rule=rule)  # fmt: skip
        if notice.incident_id is not None:
            if p.get("climbed"):
                return _(
                    "The %(level)s on the mass incident at %(employer)s climbed to your union: "
                    "%(rule)s",
                    level=level, employer=p.get("employer", ""), rule=rule,
                )  # fmt: skip
            return _("%(level)s on the mass incident at %(employer)s: %(rule)s",
                     level=level, employer=p.get("employer", ""), rule=rule)  # fmt: skip
        if p.get("supervision_notice_id"):
            return _("%(level)s on the supervision notice to %(employer)s: %(rule)s",
                     level=level, employer=p.get("employer", ""), rule=rule)  # fmt: skip
        if p.get("climbed"):
            return _("The %(level)s on case %(number)s climbed to your union: %(rule)s",
                     level=level, number=number, rule=rule)  # fmt: skip
        return _("%(level)s on case %(number)s: %(rule)s", level=level, number=number, rule=rule)
    if notice.kind == kinds.MEDIATOR_ASSIGNED:
        return _("%(by)s assigned you as the mediator of case %(number)s", by=by, number=number)
    if notice.kind == kinds.ADVOCATE_ASSIGNED:
        return _("%(by)s assigned you as an advocate on case %(number)s", by=by, number=number)
    if notice.kind == kinds.TAKEN_OVER:
        return _("Case %(number)s was taken over by %(org)s", number=number, org=p.get("org", ""))
    if notice.kind == kinds.VISIT:
        return _("%(by)s recorded a visit on case %(number)s", by=by, number=number)
    if notice.kind == kinds.ACKNOWLEDGED:
        rule = _rule(p.get("rule"))
        if p.get("project"):
            return _("%(by)s acknowledged the alert on the construction project %(project)s: "
                     "%(rule)s", by=by, project=p["project"], rule=rule)  # fmt: skip
        if notice.incident_id is not None:
            return _("%(by)s acknowledged the alert on the mass incident at %(employer)s: "
                     "%(rule)s", by=by, employer=p.get("employer", ""), rule=rule)  # fmt: skip
        if p.get("supervision_notice_id"):
            return _("%(by)s acknowledged the alert on the supervision notice to %(employer)s: "
                     "%(rule)s", by=by, employer=p.get("employer", ""), rule=rule)  # fmt: skip
        return _("%(by)s acknowledged the alert on case %(number)s: %(rule)s",
                 by=by, number=number, rule=rule)  # fmt: skip
    if notice.kind == kinds.RETURN_DUE:
        return _("The return for %(period)s is due on %(day)s", period=p.get("period", ""),
                 day=p.get("due", ""))  # fmt: skip
    if notice.kind == kinds.CONTRACT_EXPIRING:
        return _("The collective contract of %(employer)s expires on %(day)s",
                 employer=p.get("employer", ""), day=p.get("expires_on", ""))  # fmt: skip
    return notice.kind


def notice_url(notice: InAppNotice) -> str:
    """Where the notice leads: its case, else its incident, else the alert inbox."""
    if notice.case_id is not None:
        return url_for("cases.detail", case_id=notice.case_id)
    if notice.incident_id is not None:
        return url_for("incidents.detail", incident_id=notice.incident_id)
    if notice.kind == kinds.RETURN_DUE:
        return url_for("returns.return_list")
    if notice.kind == kinds.CONTRACT_EXPIRING and (notice.params or {}).get("enterprise_id"):
        return url_for("enterprises.detail", enterprise_id=notice.params["enterprise_id"])
    if (notice.params or {}).get("project_id"):
        return url_for("projects.detail", project_id=notice.params["project_id"])
    if (notice.params or {}).get("supervision_notice_id"):
        return url_for(
            "labour_supervision.detail", notice_id=notice.params["supervision_notice_id"]
        )
    return url_for("inbox.notice_list")
