"""Changing what is known about a case: edits of its facts (each recorded old -> new) and
progress notes and visits."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from typing import IO

from flask import current_app

from mediation import signals
from mediation.accounts.models import User
from mediation.cases import schemas
from mediation.cases.access import (
    CASE_WRITERS,
    announce_change,
    check_project,
    check_version,
    load_payload,
    lock_case,
    require_role,
)
from mediation.cases.enums import CaseKind, EventKind
from mediation.cases.models import (
    Case,
    CaseEvent,
)
from mediation.cases.photos import PHOTOS_ONLY_ON_VISITS, receive_photos, store_photos
from mediation.cases.scope import get_visible_case
from mediation.cases.timeline import append_event, diff, snapshot
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, ValidationFailed
from mediation.core.messages import N_
from mediation.enterprises.services import get_visible_enterprise
from mediation.extensions import db

# Fields whose changes an edit records, old → new.
EDITABLE_FIELDS = (
    "category", "enterprise_id", "project_id", "worker_name", "worker_phone", "worker_id_number",
    "workers_involved", "is_migrant", "is_construction", "title", "description",
    "claim_amount_fen", "arrears_months", "channel", "received_at", "infringement_known_at",
    "employment_status", "employment_ended_at", "wages_unpaid_since", "owner_absconded",
    "incident_in_progress",
)  # fmt: skip

ARREARS_PERIOD = ("arrears_months", "wages_unpaid_since")


def update_facts(case_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Case:
    """Correct a case's facts; `payload["version"]` must match (optimistic lock)."""
    now = ensure_utc(now or utcnow())
    data = load_payload(schemas.CaseEditSchema, payload)
    expected_version = data.pop("version")
    with transaction():
        case = lock_case(user, case_id)
        require_role(user, CASE_WRITERS, "edit case facts")
        check_version(case, expected_version)
        if not case.is_open:
            raise Conflict("A closed case's facts cannot be edited; reopen it first.")
        touched = any(name in data for name in ARREARS_PERIOD)
        if (
            case.kind == CaseKind.arrears
            and touched
            and not schemas.has_arrears_period(
                {name: data.get(name, getattr(case, name)) for name in ARREARS_PERIOD}
            )
        ):
            # named where the edit cleared it (the months, when both were cleared)
            field = "arrears_months" if "arrears_months" in data else "wages_unpaid_since"
            raise ValidationFailed({field: [schemas.ARREARS_PERIOD_REQUIRED]})
        _check_roster_counts(case, data)
        if "enterprise_id" in data:
            try:
                get_visible_enterprise(user, data["enterprise_id"])
            except NotFound:
                raise ValidationFailed({"enterprise_id": ["Unknown enterprise."]}) from None
        if data.get("project_id"):
            check_project(user, data["project_id"])
        if data.get("worker_id_number"):
            data["worker_id_number"] = schemas.clean_id_number(data["worker_id_number"])
        if "reported_at" in data:  # the report's moment under its newer name
            data["received_at"] = data.pop("reported_at")
        if (
            data.get("received_at") is not None
            and case.application_received_at is not None
            and data["received_at"] > case.application_received_at
        ):
            raise ValidationFailed(
                {"received_at": [N_("The report cannot come after the application.")]}
            )
        tracked = (*EDITABLE_FIELDS, "category_review")
        before = snapshot(case, tracked)
        for name, value in data.items():
            setattr(case, name, value)
        if "category" in data:
            # choosing the category, even the same one, is the review of a split category
            # (docs/statistics.md "Causes")
            case.category_review = False
        changes = diff(before, snapshot(case, tracked))
        if not changes:
            db.session.rollback()
            return case
        case.updated_at = now
        append_event(case, EventKind.edit, user, now, data=changes)
        announce_change(case, EventKind.edit, now)
    return case


def _check_roster_counts(case: Case, data: dict) -> None:
    """With a roster, the head-count and the claim are the roster's (docs/collective.md
    "Roster"): an edit may leave them as they are, not change them."""
    if not case.workers:
        return
    errors = {}
    if "workers_involved" in data and data["workers_involved"] != case.workers_involved:
        errors["workers_involved"] = [N_("Counted from the roster: change the roster instead.")]
    if (
        "claim_amount_fen" in data
        and data["claim_amount_fen"] != case.claim_amount_fen
        and any(w.amount_owed_fen is not None for w in case.workers)
    ):
        errors["claim_amount"] = [N_("Counted from the roster: change the roster instead.")]
    if errors:
        raise ValidationFailed(errors)


def add_note(
    case_id: int,
    user: User,
    payload: dict,
    *,
    photos: Sequence[tuple[IO[bytes], str | None]] = (),
    now: datetime | None = None,
) -> CaseEvent:
    """A progress note or a visit record; every role that can see the case may add one. A
    visit record may carry photos (`cases.photos`): all are checked before any is stored, and
    the record and its photos are saved together or not at all."""
    now = ensure_utc(now or utcnow())
    data = load_payload(schemas.NoteSchema, payload)
    if photos and data["kind"] != EventKind.visit.value:
        raise ValidationFailed({"photos": [PHOTOS_ONLY_ON_VISITS]})
    get_visible_case(user, case_id, writing=True)  # 404 (403) before a photo is read
    with ExitStack() as uploads:
        received = receive_photos(uploads, photos, current_app.config["ATTACHMENT_MAX_BYTES"])
        with transaction():
            case = lock_case(user, case_id)
            if received and not case.is_open:
                raise Conflict("Photos cannot be added to a closed case; reopen it first.")
            stored = store_photos(case, user, received, now)
            ev = append_event(
                case,
                EventKind(data["kind"]),
                user,
                now,
                body=data["body"],
                data={"photos": [a.id for a in stored]} if stored else None,
            )
            announce_change(case, ev.kind, now)
            if ev.kind == EventKind.visit:
                signals.visit_recorded.send(case, user=user, now=now)
    return ev
