"""Registering a new case: its number, its employer, its first event and the other domains'
writes with it (`signals.case_creating`), in one transaction."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.expression import Executable

from mediation import signals
from mediation.accounts.models import User
from mediation.accounts.scope import can_see_org
from mediation.cases import referrals, schemas, workflow
from mediation.cases.access import (
    CASE_WRITERS,
    announce_change,
    check_project,
    load_payload,
    require_role,
)
from mediation.cases.enums import APPLICATION_CHANNELS, EmploymentStatus, EventKind, State
from mediation.cases.models import (
    GENESIS_HASH,
    Case,
    CaseNumberCounter,
)
from mediation.cases.timeline import append_events_bulk
from mediation.core.clock import ensure_utc, local_zone, utcnow
from mediation.core.db import transaction
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.identifiers import normalize_credit_code
from mediation.core.messages import Message
from mediation.enterprises.models import Enterprise
from mediation.enterprises.services import (
    find_by_credit_code,
    get_visible_enterprise,
    register_enterprise,
)
from mediation.extensions import db
from mediation.orgs.models import Organization
from mediation.orgs.services import with_ancestors


@functools.lru_cache(maxsize=4)
def _next_number_statement(dialect: str) -> Executable:
    """Take the next number of an organization's year (an upsert: the first case of a year
    starts the counter), built once per database kind."""
    table = CaseNumberCounter.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .values(organization_id=bindparam("org_id"), year=bindparam("year"), last_seq=1)
        .on_conflict_do_update(
            index_elements=[table.c.organization_id, table.c.year],
            set_={"last_seq": table.c.last_seq + 1},
        )
        .returning(table.c.last_seq)
    )


def _allocate_number(org: Organization, now: datetime) -> str:
    year = now.astimezone(local_zone()).year
    stmt = _next_number_statement(db.session.get_bind().dialect.name)
    seq = db.session.execute(stmt, {"org_id": org.id, "year": year}).scalar_one()
    return f"{org.code}-{year}-{seq:05d}"


def _set_moments(data: dict, now: datetime, *, channel_given: bool) -> None:
    """The report's moment and, where there is one, the application's (design.md §8a): the
    older name `received_at` records both (an application received then); `reported_at` only
    the report, with an application at the same moment when the channel is itself an
    application (walk-in, written, online) and was given (the default channel says nothing of
    how the case came in); `application_received_at` explicitly."""
    legacy = data.pop("received_at", None)
    reported = data.pop("reported_at", None) or legacy or now
    data["received_at"] = reported
    by_application = legacy is not None or (
        channel_given and data.get("channel") in APPLICATION_CHANNELS
    )
    if data.get("application_received_at") is None and by_application:
        data["application_received_at"] = reported
    if data.get("employment_ended_at") and "employment_status" not in data:
        data["employment_status"] = EmploymentStatus.ended


def reserve_numbers(org_id: int, count: int, now: datetime) -> list[str]:
    """Take `count` numbers of the organization's year at once, in a short transaction of their
    own, for a bulk import's publishing transaction (`cases.imports`), which then does not hold
    the counter's row while it registers the cases. An import that fails after this leaves
    these numbers unused (docs/import.md "How an import runs")."""
    org = db.session.get_one(Organization, org_id)
    year = now.astimezone(local_zone()).year
    table = CaseNumberCounter.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    with transaction():
        last = db.session.execute(
            insert(table)
            .values(organization_id=org_id, year=year, last_seq=count)
            .on_conflict_do_update(
                index_elements=[table.c.organization_id, table.c.year],
                set_={"last_seq": table.c.last_seq + count},
            )
            .returning(table.c.last_seq)
        ).scalar_one()
    return [f"{org.code}-{year}-{seq:05d}" for seq in range(last - count + 1, last + 1)]


def _registered_elsewhere(user: User, enterprise_input: dict | None) -> Enterprise | None:
    """The employer a new-enterprise input names by a credit code already registered in
    another union's area, if it does."""
    if not enterprise_input or not enterprise_input.get("credit_code"):
        return None
    existing = find_by_credit_code(normalize_credit_code(enterprise_input["credit_code"]))
    if existing is None or not referrals.other_area_enterprise(user, existing):
        return None
    return existing


def create_case(
    user: User, payload: dict, *, now: datetime | None = None, number: str | None = None
) -> Case:
    """Register a new case (state `reported`) with its number and its `created` event.

    `number`: one reserved by `reserve_numbers` (a bulk import), else the next one is taken."""
    now = ensure_utc(now or utcnow())
    require_role(user, CASE_WRITERS, "register cases")
    data = load_payload(schemas.CaseCreateSchema, payload)
    # the objects of this transaction hold what it wrote: the answer is built from them
    with transaction(expire_on_commit=False):
        handling_org_id = data.pop("handling_org_id", None) or user.organization_id
        # with its ancestors, which the warning rules' targets need
        handling_org = next(iter(with_ancestors(handling_org_id)), None)
        if handling_org is None or not can_see_org(user, handling_org_id):
            raise ValidationFailed({"handling_org_id": ["Not an organization you may act for."]})
        enterprise_input = data.pop("enterprise", None)
        refer, referral_note = data.pop("refer_to_area", False), data.pop("referral_note", "")
        elsewhere = _registered_elsewhere(user, enterprise_input)
        if elsewhere is not None:
            # an employer of another union's area: registered here and handed to that union
            # when asked (docs/referrals.md), else the area is named and the offer made
            if not refer:
                raise ValidationFailed(
                    {"enterprise.credit_code": [Message(
                        "Registered in the area of %(union)s: tick “Hand the report to that "
                        "union” to register it and refer it there.",
                        union=referrals.employer_area(elsewhere).name,
                    )]}
                )  # fmt: skip
            data["enterprise_id"] = elsewhere.id
            enterprise = elsewhere
        elif data.get("enterprise_id"):
            try:
                # Cases against one employer are registered one at a time: the repeat-employer
                # rule counts the employer's recent cases in this transaction, and two cases
                # created at the same moment in different organizations (whose number counters
                # do not serialise them) must each see the other. The employer's row is locked
                # in the statement that reads it (docs/collective.md "Repeat complaints").
                enterprise = get_visible_enterprise(user, data["enterprise_id"], for_update=True)
            except NotFound:
                raise ValidationFailed({"enterprise_id": ["Unknown enterprise."]}) from None
        if elsewhere is None and not data.get("enterprise_id"):
            enterprise = register_enterprise(enterprise_input, handling_org, user)
        data["enterprise_id"] = enterprise.id
        if data.get("project_id"):
            check_project(user, data["project_id"])
        if data.get("worker_id_number"):
            data["worker_id_number"] = schemas.clean_id_number(data["worker_id_number"])
        _set_moments(data, now, channel_given=bool((payload or {}).get("channel")))
        case = Case(
            **data,
            number=number or _allocate_number(handling_org, now),
            state=workflow.INITIAL_STATE,
            handling_org_id=handling_org.id,
            handling_org=handling_org,
            enterprise=enterprise,
            tier=handling_org.tier,
            created_by_id=user.id,
            state_changed_at=now,
            created_at=now,
            updated_at=now,
        )
        db.session.add(case)
        created = {
            "kind": EventKind.created, "actor_id": user.id, "at": now, "body": case.title,
            "to_state": State.reported.value,
            "data": {"number": case.number, "enterprise_id": enterprise.id},
        }  # fmt: skip
        # What other domains write with a new case (`signals.case_creating`): the warning engine
        # evaluates the immediate rules before the row goes in, so it is inserted once, with its
        # warning fields, and their alert events follow `created` on the case's chain.
        writes = [w for _, w in signals.case_creating.send(case, now=now) if w is not None]
        case.event_seq = 1 + sum(w.event_count for w in writes)
        db.session.flush()  # the case's row, complete
        events = [{**created, "case_id": case.id}]
        for write in writes:
            events += write.write(case)
        rows = append_events_bulk(events, heads={case.id: (0, GENESIS_HASH)}, update_cases=False)
        if len(rows) != case.event_seq:  # a receiver's count must be what it wrote
            raise AssertionError(f"case {case.id}: {len(rows)} events, event_seq {case.event_seq}")
        set_committed_value(case, "advocates", [])  # a new case has none (not read back)
        if elsewhere is not None:
            referrals.open_referral(case, user, referral_note, now)
        announce_change(case, EventKind.created, now)
    return case
