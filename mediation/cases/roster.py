"""The roster of a collective dispute: each worker with what they are owed, and the elected
representatives (docs/collective.md "Roster"). A case with a roster counts its workers and its
claim from it; a case without one keeps its single worker's fields and a typed head-count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema
from sqlalchemy import delete

from mediation.accounts.models import User
from mediation.cases.access import (
    CASE_WRITERS,
    announce_change,
    check_version,
    load_payload,
    lock_case,
    require_role,
)
from mediation.cases.enums import COLLECTIVE_WORKERS, EventKind
from mediation.cases.models import Case, CaseWorker
from mediation.cases.timeline import append_event
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, ValidationFailed
from mediation.core.fields import Money
from mediation.core.identifiers import is_valid_id_number, normalize_id_number
from mediation.core.messages import N_, Message
from mediation.core.schemas import MAX_ID, PLAUSIBLE_DATE, Length, Range, StrictSchema, text
from mediation.extensions import db

MAX_ROSTER = 5_000
# LDMAL art. 7: a collective dispute (ten or more workers) elects three to five representatives
MIN_REPRESENTATIVES = 3
MAX_REPRESENTATIVES = 5
WORKER_FIELDS = (
    "name", "id_number", "phone", "position", "first_unpaid_on", "months_owed",
    "amount_owed_fen", "amount_paid_fen", "representative",
)  # fmt: skip


class RosterWorkerSchema(StrictSchema):
    """One worker of a roster, as the API, the page's forms and the uploaded file give it."""

    name = text(100, required=True)
    id_number = fields.String(allow_none=True)
    phone = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[0-9+\-() ]{5,32}$", error=N_("Not a valid phone number.")),
    )
    position = text(100, allow_none=True, min_len=0)
    first_unpaid_on = fields.Date(allow_none=True, validate=PLAUSIBLE_DATE)
    months_owed = fields.Integer(allow_none=True, validate=Range(min=0, max=240))
    amount_owed = Money(attribute="amount_owed_fen", data_key="amount_owed", allow_none=True)
    amount_paid = Money(attribute="amount_paid_fen", data_key="amount_paid", allow_none=True)
    representative = fields.Boolean(load_default=False)

    @validates("id_number")
    def _id_number(self, value: str | None, data_key: str) -> None:
        if value and not is_valid_id_number(value):
            raise ValidationError(N_("Not a valid resident ID number (GB 11643 check digit)."))

    @validates("first_unpaid_on")
    def _not_future(self, value: date | None, data_key: str) -> None:
        if value is not None and value > local_date(utcnow()):
            raise ValidationError(N_("Must not be in the future."))

    @validates_schema
    def _paid_within_owed(self, data: dict, **kwargs: Any) -> None:
        owed, paid = data.get("amount_owed_fen"), data.get("amount_paid_fen")
        if owed is not None and paid is not None and paid > owed:
            raise ValidationError(N_("More paid than owed."), "amount_paid")


class RosterSchema(StrictSchema):
    workers = fields.List(
        fields.Nested(RosterWorkerSchema), required=True, validate=Length(max=MAX_ROSTER)
    )
    version = fields.Integer(required=True, validate=Range(min=0, max=MAX_ID))


def clean_worker(data: dict) -> dict:
    """A loaded worker with every field present, the ID number normalised and blanks None."""
    worker = {name: data.get(name) for name in WORKER_FIELDS}
    worker["representative"] = bool(worker["representative"])
    for name in ("id_number", "phone", "position"):
        worker[name] = (worker[name] or "").strip() or None
    if worker["id_number"]:
        worker["id_number"] = normalize_id_number(worker["id_number"])
    return worker


def roster_problems(workers: list[dict], prefix: str = "workers") -> dict[str, list[str]]:
    """What is wrong with the roster as a whole, named by row (`workers.3.id_number`): an ID
    number twice, or representatives other than LDMAL art. 7's three to five."""
    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for n, worker in enumerate(workers):
        number = worker.get("id_number")
        if number:
            if number in seen:
                problems[f"{prefix}.{n}.id_number"] = [
                    Message("The same ID number as row %(row)s.", row=seen[number] + 1)
                ]
            else:
                seen[number] = n
    chosen = sum(1 for w in workers if w.get("representative"))
    if chosen > MAX_REPRESENTATIVES:
        problems["representatives"] = [
            Message("At most %(n)s representatives (LDMAL art. 7).", n=MAX_REPRESENTATIVES)
        ]
    elif len(workers) >= COLLECTIVE_WORKERS and 0 < chosen < MIN_REPRESENTATIVES:
        problems["representatives"] = [
            Message(
                "A collective dispute elects %(low)s to %(high)s representatives (LDMAL art. 7).",
                low=MIN_REPRESENTATIVES,
                high=MAX_REPRESENTATIVES,
            )
        ]
    return problems


def representatives_missing(case: Case) -> bool:
    """A collective roster without its elected representatives yet: the page reminds of it
    (they are elected by the workers, so the roster may be recorded before they are)."""
    workers = case.workers
    return len(workers) >= COLLECTIVE_WORKERS and not any(w.representative for w in workers)


def representatives(case: Case) -> list[CaseWorker]:
    return [w for w in case.workers if w.representative]


def worker_as_dict(worker: CaseWorker) -> dict:
    return {name: getattr(worker, name) for name in WORKER_FIELDS}


def _key(worker: dict | CaseWorker) -> tuple:
    get = worker.get if isinstance(worker, dict) else lambda n: getattr(worker, n)
    number = get("id_number")
    return ("id", number) if number else ("name", get("name"), get("phone"))


@dataclass
class RosterChange:
    added: list[str]
    removed: list[str]
    changed: list[str]

    def as_data(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


def write_roster(case: Case, workers: list[dict], origins: dict[tuple, int | None]) -> RosterChange:
    """Replace the case's roster rows by `workers` (inside the caller's transaction) and count
    the case's workers and claim from it. `origins` keeps, per worker, the case a merge brought
    them from. Answers who was added, removed and changed, by name (no ID numbers: the
    timeline is read by advocates too)."""
    old = list(case.workers)
    before = {_key(w): worker_as_dict(w) for w in old}
    db.session.flush()
    db.session.execute(delete(CaseWorker).where(CaseWorker.case_id == case.id))
    for row in old:
        db.session.expunge(row)
    db.session.expire(case, ["workers"])
    for seq, worker in enumerate(workers, start=1):
        db.session.add(
            CaseWorker(
                case_id=case.id,
                seq=seq,
                merged_from_case_id=origins.get(_key(worker)),
                **worker,
            )
        )
    db.session.flush()
    db.session.expire(case, ["workers"])
    after = {_key(w): w for w in workers}
    derive_counts(case, workers)
    return RosterChange(
        added=[w["name"] for k, w in after.items() if k not in before],
        removed=[w["name"] for k, w in before.items() if k not in after],
        changed=[w["name"] for k, w in after.items() if k in before and before[k] != w],
    )


def derive_counts(case: Case, workers: list[dict]) -> None:
    """With a roster, the case's workers are its rows and its claim their amounts owed (when
    any is known); without one, the typed head-count and claim stay as they were."""
    if not workers:
        return
    case.workers_involved = len(workers)
    owed = [w["amount_owed_fen"] for w in workers if w.get("amount_owed_fen") is not None]
    if owed:
        case.claim_amount_fen = sum(owed)


def origins_of(case: Case) -> dict[tuple, int | None]:
    return {_key(w): w.merged_from_case_id for w in case.workers}


def record_roster_change(
    case: Case,
    user: User,
    now: datetime,
    change: RosterChange,
    before: tuple[int, int | None],
    *,
    trigger: str | None = None,
    extra: dict | None = None,
) -> None:
    """The roster's change on the case's timeline (an edit: the head-count and claim it moved,
    the names added, removed and changed) and the warning rules told, in the transaction."""
    data: dict[str, Any] = {"roster": change.as_data(), **(extra or {})}
    if before[0] != case.workers_involved:
        data["workers_involved"] = [before[0], case.workers_involved]
    if before[1] != case.claim_amount_fen:
        data["claim_amount_fen"] = [before[1], case.claim_amount_fen]
    case.updated_at = now
    append_event(case, EventKind.edit, user, now, data=data, trigger=trigger)
    announce_change(case, EventKind.edit, now)


def _locked_open_case(case_id: int, user: User, expected_version: int | None) -> Case:
    case = lock_case(user, case_id)
    require_role(user, CASE_WRITERS, "change the roster")
    check_version(case, expected_version)
    if not case.is_open:
        raise Conflict("A closed case's roster cannot be changed; reopen it first.")
    return case


def replace_roster(case_id: int, user: User, payload: dict, *, now: datetime | None = None) -> Case:
    """Replace the whole roster (the API's PUT, an uploaded file): all rows or none."""
    now = ensure_utc(now or utcnow())
    data = load_payload(RosterSchema, payload)
    workers = [clean_worker(w) for w in data["workers"]]
    with transaction():
        case = _locked_open_case(case_id, user, data["version"])
        problems = roster_problems(workers)
        if problems:
            raise ValidationFailed(problems)
        before = (case.workers_involved, case.claim_amount_fen)
        change = write_roster(case, workers, origins_of(case))
        record_roster_change(case, user, now, change, before)
    return case


def change_worker(
    case_id: int,
    user: User,
    payload: dict,
    *,
    index: int | None = None,
    remove: bool = False,
    now: datetime | None = None,
) -> Case:
    """Add a worker (`index` None), edit the worker at `index`, or remove them: the page's
    forms, each one change of the roster with the case's version."""
    now = ensure_utc(now or utcnow())
    payload = dict(payload or {})
    version = payload.pop("version", None)
    try:
        version = int(version) if version is not None else None
    except (TypeError, ValueError):
        raise ValidationFailed({"version": [N_("Reload the page and try again.")]}) from None
    worker = None if remove else clean_worker(load_payload(RosterWorkerSchema, payload))
    with transaction():
        case = _locked_open_case(case_id, user, version)
        workers = [worker_as_dict(w) for w in case.workers]
        if index is not None and not 0 <= index < len(workers):
            raise Conflict("That worker is no longer on the roster; reload the page.")
        if remove:
            assert index is not None
            del workers[index]
        elif index is None:
            assert worker is not None
            workers.append(worker)
        else:
            assert worker is not None
            workers[index] = worker
        problems = roster_problems(workers)
        if problems:  # named for the one form: the row's fields are the form's
            row = len(workers) - 1 if index is None else index
            raise ValidationFailed(
                {k.removeprefix(f"workers.{row}."): v for k, v in problems.items()}
            )
        before = (case.workers_involved, case.claim_amount_fen)
        change = write_roster(case, workers, origins_of(case))
        record_roster_change(case, user, now, change, before)
    return case


def single_worker_entry(case: Case) -> dict | None:
    """A case without a roster as one roster row (its single worker's fields), or None when it
    names no worker."""
    if not case.worker_name:
        return None
    return clean_worker(
        {
            "name": case.worker_name,
            "id_number": case.worker_id_number,
            "phone": case.worker_phone,
            "months_owed": case.arrears_months,
            "first_unpaid_on": case.wages_unpaid_since,
            "amount_owed_fen": case.claim_amount_fen,
            "amount_paid_fen": None,
            "representative": False,
        }
    )


def workers_of(case: Case) -> list[dict]:
    """The case's workers as roster rows: its roster, or its single worker."""
    if case.workers:
        return [worker_as_dict(w) for w in case.workers]
    single = single_worker_entry(case)
    return [single] if single else []
