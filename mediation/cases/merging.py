"""Merging reports of one dispute into one collective case, and splitting one off again
(docs/collective.md "Merge and split").

A merge closes the other cases with the outcome `merged` through the workflow's `merge` row,
adds their workers to the surviving case's roster (once per ID number) and records the link on
both timelines; the warning rules run for all of them in the same transaction, so the merged
reports' alerts resolve and the survivor's collective alert is raised at once. A split is the
way back, audited the same way.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import fields
from sqlalchemy import select

from mediation.accounts.models import User
from mediation.cases import workflow
from mediation.cases.access import (
    announce_change,
    check_version,
    load_payload,
    lock_case,
    require_role,
)
from mediation.cases.models import Case
from mediation.cases.roster import (
    _key,
    origins_of,
    record_roster_change,
    single_worker_entry,
    worker_as_dict,
    workers_of,
    write_roster,
)
from mediation.cases.scope import get_visible_case, scope_filter
from mediation.cases.timeline import append_event, diff, snapshot
from mediation.cases.workflow import TransitionContext
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.core.messages import N_, Message
from mediation.core.schemas import MAX_ID, Length, Range, StrictSchema, id_field
from mediation.extensions import db

MAX_MERGED = 500
LINK_FIELDS = ("state", "outcome", "closed_at", "merged_into_id")


class MergeSchema(StrictSchema):
    case_ids = fields.List(id_field(), required=True, validate=Length(min=1, max=MAX_MERGED))
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))


class SplitSchema(StrictSchema):
    case_id = id_field(required=True)
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))


def _link(case: Case) -> dict:
    return {"id": case.id, "number": case.number}


def _fire(trigger_name: str, case: Case, user: User, now: datetime, data: dict) -> None:
    """Move one case by a non-direct row of the workflow (merge, split) and record it on the
    case's own chain with the other case named."""
    trigger = workflow.get_trigger(trigger_name)
    require_role(user, trigger.roles, f"perform {trigger.name}")
    ctx = TransitionContext(case=case, user=user, data=data, now=now)
    from_state = str(case.state)
    before = snapshot(case, LINK_FIELDS)
    if not workflow.is_allowed_from(trigger, case.state):
        raise ValidationFailed(
            {"case_ids": [Message("Case %(number)s is not open.", number=case.number)]}
        )
    if not workflow.fire(trigger, ctx):
        raise ValidationFailed(ctx.errors)
    case.state_changed_at = now
    case.updated_at = now
    append_event(
        case, trigger.event_kind, user, now, from_state=from_state, to_state=str(case.state),
        trigger=trigger.name, data=diff(before, snapshot(case, LINK_FIELDS)) | ctx.event_data,
    )  # fmt: skip
    announce_change(case, trigger.event_kind, now)


def merge_cases(
    survivor_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> Case:
    """Merge the cases `case_ids` into the survivor (its `version` must match): all of them
    or none."""
    now = ensure_utc(now or utcnow())
    data = load_payload(MergeSchema, payload)
    with transaction():
        survivor = lock_case(user, survivor_id)
        require_role(user, workflow.HANDLERS, "merge cases")
        check_version(survivor, data["version"])
        if not survivor.is_open:
            raise Conflict("A closed case cannot take other cases in; reopen it first.")
        ids = sorted(set(data["case_ids"]))
        if survivor.id in ids:
            raise ValidationFailed({"case_ids": [N_("A case cannot be merged into itself.")]})
        others = []
        for case_id in ids:  # in id order: two merges lock in the same order
            try:
                others.append(lock_case(user, case_id))
            except NotFound:
                raise ValidationFailed(
                    {"case_ids": [Message("No case %(id)s you may see.", id=case_id)]}
                ) from None
        for other in others:
            if other.enterprise_id != survivor.enterprise_id:
                raise ValidationFailed(
                    {"case_ids": [Message(
                        "Case %(number)s is against another employer.", number=other.number
                    )]}
                )  # fmt: skip
        before = (survivor.workers_involved, survivor.claim_amount_fen)
        workers = workers_of(survivor)
        origins = origins_of(survivor)
        known = {w["id_number"] for w in workers if w.get("id_number")}
        keys = {_key(w) for w in workers}
        for other in others:
            for worker in workers_of(other):
                if (worker["id_number"] and worker["id_number"] in known) or _key(worker) in keys:
                    continue  # the same worker reported twice (docs/collective.md "Merge")
                worker = {**worker, "representative": False}
                workers.append(worker)
                origins[_key(worker)] = other.id
                keys.add(_key(worker))
                if worker["id_number"]:
                    known.add(worker["id_number"])
            _fire("merge", other, user, now, {"into_case_id": survivor.id})
        change = write_roster(survivor, workers, origins)
        record_roster_change(
            survivor, user, now, change, before, trigger="merge",
            extra={"merged": [_link(o) for o in others]},
        )  # fmt: skip
    return survivor


def split_case(survivor_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Case:
    """Undo the merge of `case_id` into the survivor: the report reopens and its workers leave
    the survivor's roster."""
    now = ensure_utc(now or utcnow())
    data = load_payload(SplitSchema, payload)
    with transaction():
        survivor = lock_case(user, survivor_id)
        require_role(user, workflow.HANDLERS, "split cases")
        check_version(survivor, data["version"])
        if not survivor.is_open:
            raise Conflict("The case is closed; reopen it before splitting a report off.")
        try:
            merged = lock_case(user, data["case_id"])
        except NotFound:
            raise ValidationFailed({"case_id": [N_("Not a case merged into this one.")]}) from None
        if merged.merged_into_id != survivor.id:
            raise ValidationFailed({"case_id": [N_("Not a case merged into this one.")]})
        before = (survivor.workers_involved, survivor.claim_amount_fen)
        kept = [w for w in survivor.workers if w.merged_from_case_id != merged.id]
        origins = {_key(w): w.merged_from_case_id for w in kept}
        workers = [worker_as_dict(w) for w in kept]
        _fire("split", merged, user, now, {"from_case_id": survivor.id})
        change = write_roster(survivor, workers, origins)
        record_roster_change(
            survivor, user, now, change, before, trigger="split", extra={"split": [_link(merged)]}
        )
    return survivor


def merged_cases(user: User, case: Case) -> list[Case]:
    """The cases merged into `case` that `user` may see (their evidence and notes stay on their
    own pages, linked from the survivor's)."""
    stmt = select(Case).where(Case.merged_into_id == case.id).order_by(Case.id)
    return list(db.session.scalars(scope_filter(stmt, user)))


def visible_merged_into(user: User, case: Case) -> Case | None:
    if case.merged_into_id is None:
        return None
    try:
        return get_visible_case(user, case.merged_into_id)
    except NotFound:
        return None


__all__ = ["merge_cases", "merged_cases", "single_worker_entry", "split_case"]
