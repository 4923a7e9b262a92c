"""A delay of wages agreed with the enterprise union (docs/domain.md "Wage arrears").

An employer that cannot pay on the pay day for force majeure, or in genuine hardship with the
union's consent, may pay later, for at most the period the province sets (the supplementary
provisions to the Interim Provisions on Wage Payment, 劳部发〔1995〕226号, art. 4). The
union's consent is an event of the case; while the delay lasts `arrears_duration` is silent. The
cap is the rule's setting `arrears_duration.max_agreed_delay_days`, which is why recording a
delay lives here and not in `cases` (docs/architecture.md "Layers").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from marshmallow import fields

from mediation.accounts.models import User
from mediation.cases.access import (
    CASE_WRITERS,
    announce_change,
    check_version,
    load_payload,
    lock_case,
    require_role,
)
from mediation.cases.enums import CaseKind, Category, EventKind
from mediation.cases.models import Case
from mediation.cases.schemas import REASON_TEXT
from mediation.cases.timeline import append_event, json_value
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, ValidationFailed
from mediation.core.i18n import _, stored_text
from mediation.core.messages import N_, Message
from mediation.core.schemas import MAX_ID, PLAUSIBLE_DATE, Range, StrictSchema, text
from mediation.warnings.settings import current_settings


class WageDelaySchema(StrictSchema):
    until = fields.Date(
        required=True,
        validate=PLAUSIBLE_DATE,
        metadata={"description": "the last day of the delay: after today, within the cap"},
    )
    reason = text(
        REASON_TEXT,
        required=True,
        metadata={"description": "the force majeure or hardship, and the union's consent"},
    )
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))


def delay_applies(case: Case) -> bool:
    """Wages can be delayed in a wage-arrears or remuneration case."""
    return case.kind == CaseKind.arrears or case.category == Category.remuneration


def latest_delay_day(today: date, settings: dict | None = None) -> date:
    """The last day a delay agreed today may run to."""
    days = (settings or current_settings())["arrears_duration"]["max_agreed_delay_days"]
    return today + timedelta(days=days)


def _stale_version(case: Case, payload: dict | None) -> None:
    """A stale version is 409 before the payload's other mistakes are 422 (docs/architecture.md
    "The API"): a form made from an old page should be reloaded, not corrected."""
    version = (payload or {}).get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        check_version(case, version)


def record_wage_delay(
    case_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> Case:
    """Record that the union agreed to a delay of wages up to `until` (inclusive): the case's
    `wage_delay_until`, an `edit` event with the reason, and the rules evaluated again. Checks:
    scope (404) → role (403) → stale version, closed case or no wages at stake (409) → the
    payload, a day after today and within the cap (422)."""
    now = ensure_utc(now or utcnow())
    with transaction():
        case = lock_case(user, case_id)
        require_role(user, CASE_WRITERS, "record a delay of wages")
        _stale_version(case, payload)
        data = load_payload(WageDelaySchema, payload)
        check_version(case, data["version"])
        if not case.is_open:
            raise Conflict("A closed case cannot record a delay of wages; reopen it first.")
        if not delay_applies(case):
            raise Conflict("A delay of wages is recorded on a wage-arrears or remuneration case.")
        today = local_date(now)
        until: date = data["until"]
        latest = latest_delay_day(today)
        if until <= today:
            raise ValidationFailed({"until": [N_("Must be after today.")]})
        if until > latest:
            raise ValidationFailed(
                {"until": [Message("Must be on or before %(day)s.", day=latest.isoformat())]}
            )
        before = case.wage_delay_until
        case.wage_delay_until = until
        case.updated_at = now
        with stored_text():
            body = _(
                "The union agreed to delay the wages until %(day)s: %(reason)s",
                day=until.isoformat(),
                reason=data["reason"],
            )
        append_event(
            case, EventKind.edit, user, now, body=body,
            data={
                "wage_delay_until": [json_value(before), json_value(until)],
                "reason": data["reason"],
                "union_consent": True,
            },
        )  # fmt: skip
        announce_change(case, EventKind.edit, now)
    return case
