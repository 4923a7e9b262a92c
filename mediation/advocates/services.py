"""The advocates' team: profiles, training and attendance, the training rule on assignment,
the review of advocates without visits, the team's figures (docs/worker-services.md
"Advocates")."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import Select, false, func, select

from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.advocates.models import (
    AdvocateProfile,
    AdvocateStatus,
    TrainingKind,
    TrainingSession,
    training_attendance,
)
from mediation.advocates.schemas import (
    AttendanceInputSchema,
    ProfileInputSchema,
    TrainingInputSchema,
)
from mediation.cases.enums import OPEN_STATES, EventKind
from mediation.cases.models import Case, CaseEvent, case_advocates
from mediation.core.clock import ensure_utc, local_date, local_zone, utcnow
from mediation.core.db import transaction
from mediation.core.errors import NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import N_
from mediation.core.schemas import StrictSchema
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier

TEAM_READERS = frozenset({Role.officer, Role.mediator, Role.admin})
TEAM_MANAGERS = frozenset({Role.officer, Role.admin})


def _load(schema_cls: type[StrictSchema], payload: dict | None) -> dict:
    try:
        return schema_cls().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def _require(user: User, roles: frozenset[Role], action: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"your role may not {action}")


# --- the training rule ----------------------------------------------------------------------


def training_required() -> bool:
    return bool(current_app.config["ADVOCATE_TRAINING_REQUIRED"])


def qualifying_kind() -> TrainingKind:
    return TrainingKind(current_app.config["ADVOCATE_TRAINING_KIND"])


def trained_ids(user_ids: list[int]) -> set[int]:
    """Those of `user_ids` who attended a training of the qualifying kind."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(training_attendance.c.user_id)
            .join(TrainingSession, TrainingSession.id == training_attendance.c.session_id)
            .where(
                training_attendance.c.user_id.in_(user_ids),
                TrainingSession.kind == qualifying_kind(),
            )
            .distinct()
        )
    )


def may_be_assigned(advocate: User) -> bool:
    """Whether the training rule lets this advocate take cases."""
    return not training_required() or advocate.id in trained_ids([advocate.id])


def check_assignment(case: Case, *, advocate: User, **_kw: object) -> None:
    """`signals.advocate_assigning`: refuse an advocate without the introductory training, or
    one whose profile says paused or left."""
    profile = db.session.get(AdvocateProfile, advocate.id)
    if profile is not None and profile.status != AdvocateStatus.active:
        raise ValidationFailed({"user_id": [N_("This advocate is not active in the team.")]})
    if not may_be_assigned(advocate):
        raise ValidationFailed(
            {"user_id": [N_("This advocate has not completed the introductory training.")]}
        )


def open_loads(user_ids: list[int]) -> dict[int, int]:
    """Open cases assigned to each advocate."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(case_advocates.c.user_id, func.count())
        .join(Case, Case.id == case_advocates.c.case_id)
        .where(case_advocates.c.user_id.in_(user_ids), Case.state.in_(OPEN_STATES))
        .group_by(case_advocates.c.user_id)
    )
    return {user_id: count for user_id, count in rows}


def assignment_info(user_ids: list[int]) -> dict[int, dict]:
    """Load and training of the advocates the assignment form offers."""
    loads = open_loads(user_ids)
    trained = trained_ids(user_ids) if training_required() else set(user_ids)
    return {i: {"load": loads.get(i, 0), "trained": i in trained} for i in user_ids}


# --- who sees which advocate ----------------------------------------------------------------


def visible_advocates(user: User) -> Select:
    """Advocates of the user's scope (all for the administrator); an advocate sees themself."""
    stmt = select(User).where(User.role == Role.advocate)
    if user.role == Role.advocate:
        return stmt.where(User.id == user.id)
    if user.role == Role.admin:
        return stmt
    if user.role not in TEAM_READERS:
        return stmt.where(false())
    return stmt.where(User.organization_id.in_(scope_org_ids(user)))


def get_visible_advocate(user: User, advocate_id: int) -> User:
    advocate = db.session.scalar(visible_advocates(user).where(User.id == advocate_id))
    if advocate is None:
        raise NotFound("Advocate not found.")
    return advocate


def profile_of(advocate: User) -> AdvocateProfile:
    """The advocate's profile; one not yet written is shown as recruited when the user was
    created, active."""
    profile = db.session.get(AdvocateProfile, advocate.id)
    if profile is None:
        created = getattr(advocate, "created_at", None)
        profile = AdvocateProfile(
            user_id=advocate.id,
            recruited_on=local_date(created) if created else local_date(utcnow()),
            status=AdvocateStatus.active,
        )
    return profile


def update_profile(user: User, advocate_id: int, payload: dict, *, now: datetime | None = None):
    now = ensure_utc(now or utcnow())
    with transaction():
        advocate = get_visible_advocate(user, advocate_id)
        _require(user, TEAM_MANAGERS, "edit advocates' profiles")
        data = _load(ProfileInputSchema, payload)
        profile = profile_of(advocate)
        for key, value in data.items():
            setattr(profile, key, value)
        profile.updated_at = now
        db.session.add(profile)
    return profile


# --- training -------------------------------------------------------------------------------


def visible_trainings(user: User) -> Select:
    """Sessions held by an organization of the user's scope or above it (a city training counts
    for the towns); an advocate sees the sessions they attended."""
    stmt = select(TrainingSession)
    if user.role == Role.admin:
        return stmt
    if user.role == Role.advocate:
        attended = select(training_attendance.c.session_id).where(
            training_attendance.c.user_id == user.id
        )
        return stmt.where(TrainingSession.id.in_(attended))
    ids = set(scope_org_ids(user))
    org: Organization | None = user.organization
    while org is not None:
        ids.add(org.id)
        org = org.parent
    return stmt.where(TrainingSession.organization_id.in_(sorted(ids)))


def get_visible_training(user: User, session_id: int) -> TrainingSession:
    session = db.session.scalar(visible_trainings(user).where(TrainingSession.id == session_id))
    if session is None:
        raise NotFound("Training session not found.")
    return session


def _attendees(user: User, ids: list[int], field: str) -> list[User]:
    found = {a.id: a for a in db.session.scalars(visible_advocates(user).where(User.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed({field: [N_("Not an advocate of your scope.")]})
    return [found[i] for i in dict.fromkeys(ids)]


def create_training(user: User, payload: dict) -> TrainingSession:
    with transaction():
        _require(user, TEAM_MANAGERS, "record training sessions")
        data = _load(TrainingInputSchema, payload)
        hours = Decimal(str(data["hours"]))
        if (hours * 2) % 1:
            raise ValidationFailed({"hours": [N_("In steps of half an hour.")]})
        org_id = data.get("organization_id") or user.organization_id
        if user.role != Role.admin and org_id not in scope_org_ids(user):
            raise ValidationFailed({"organization_id": [N_("Not an organization of your scope.")]})
        attendees = _attendees(user, data["attendee_ids"], "attendee_ids")
        session = TrainingSession(
            topic=data["topic"], kind=data["kind"], held_on=data["held_on"],
            minutes=int(hours * 60), trainer=data["trainer"], organization_id=org_id,
        )  # fmt: skip
        session.attendees = attendees
        db.session.add(session)
    return session


def record_attendance(user: User, session_id: int, payload: dict) -> TrainingSession:
    """Add advocates to a session's attendance (those already there stay)."""
    with transaction():
        session = get_visible_training(user, session_id)
        _require(user, TEAM_MANAGERS, "record attendance")
        data = _load(AttendanceInputSchema, payload)
        for advocate in _attendees(user, data["user_ids"], "user_ids"):
            if advocate not in session.attendees:
                session.attendees.append(advocate)
    return session


def trainings_of(advocate: User) -> list[TrainingSession]:
    attended = select(training_attendance.c.session_id).where(
        training_attendance.c.user_id == advocate.id
    )
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.id.in_(attended))
            .order_by(TrainingSession.held_on.desc())
        )
    )


# --- review ---------------------------------------------------------------------------------


def up_for_review(last_visit: date | None, recruited_on: date, today: date, days: int) -> bool:
    """An active advocate is up for review when neither a visit nor the recruitment lies within
    the last `days` days: a new recruit gets `days` days for a first visit."""
    latest = max(d for d in (last_visit, recruited_on) if d is not None)
    return (today - latest).days > days


def last_visits(user_ids: list[int]) -> dict[int, date]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(CaseEvent.actor_id, func.max(CaseEvent.at))
        .where(CaseEvent.kind == EventKind.visit, CaseEvent.actor_id.in_(user_ids))
        .group_by(CaseEvent.actor_id)
    )
    return {actor: local_date(ensure_utc(at)) for actor, at in rows if actor is not None}


def team(user: User) -> list[dict]:
    """The advocates the user sees, each with profile, load, training, last visit and review."""
    advocates = list(db.session.scalars(visible_advocates(user).order_by(User.display_name)))
    ids = [a.id for a in advocates]
    loads = open_loads(ids)
    trained = trained_ids(ids)
    visits = last_visits(ids)
    today = local_date(utcnow())
    days = int(current_app.config["ADVOCATE_REVIEW_AFTER_DAYS"])
    rows = []
    for advocate in advocates:
        profile = profile_of(advocate)
        rows.append(
            {
                "advocate": advocate,
                "profile": profile,
                "load": loads.get(advocate.id, 0),
                "trained": advocate.id in trained,
                "last_visit": visits.get(advocate.id),
                "review": advocate.active
                and profile.status == AdvocateStatus.active
                and up_for_review(visits.get(advocate.id), profile.recruited_on, today, days),
            }
        )
    return rows


def review_list(user: User) -> list[dict]:
    _require(user, TEAM_MANAGERS, "review advocates")
    return [row for row in team(user) if row["review"]]


# --- figures --------------------------------------------------------------------------------


def _pairs(rows: Any) -> dict[Any, Any]:
    return {key: value for key, value in rows}


def figures_by_town(user: User, start: date, end: date) -> list[dict]:
    """Per town: active advocates, visits recorded, cases helped (assigned) and training hours
    attended, between `start` and `end`."""
    _require(user, TEAM_READERS, "see the team's figures")
    rows = team(user)
    by_town: dict[int, dict] = {}
    town_of: dict[int, Organization] = {}
    for row in rows:
        town = row["advocate"].organization.ancestor_at(Tier.town)
        town_of[row["advocate"].id] = town
        entry = by_town.setdefault(
            town.id, {"town": town, "advocates": 0, "visits": 0, "cases": 0, "minutes": 0}
        )
        if row["profile"].status == AdvocateStatus.active and row["advocate"].active:
            entry["advocates"] += 1
    ids = list(town_of)
    if ids:
        lo = datetime.combine(start, time(), tzinfo=local_zone())
        hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=local_zone())
        counts: dict[str, dict[Any, Any]] = defaultdict(dict)
        counts["visits"] = _pairs(
            db.session.execute(
                select(CaseEvent.actor_id, func.count())
                .where(CaseEvent.kind == EventKind.visit, CaseEvent.actor_id.in_(ids),
                       CaseEvent.at >= lo, CaseEvent.at < hi)
                .group_by(CaseEvent.actor_id)
            )
        )  # fmt: skip
        counts["cases"] = _pairs(
            db.session.execute(
                select(case_advocates.c.user_id, func.count())
                .where(case_advocates.c.user_id.in_(ids))
                .group_by(case_advocates.c.user_id)
            )
        )
        counts["minutes"] = _pairs(
            db.session.execute(
                select(training_attendance.c.user_id, func.sum(TrainingSession.minutes))
                .join(TrainingSession, TrainingSession.id == training_attendance.c.session_id)
                .where(training_attendance.c.user_id.in_(ids),
                       TrainingSession.held_on >= start, TrainingSession.held_on <= end)
                .group_by(training_attendance.c.user_id)
            )
        )  # fmt: skip
        for advocate_id, town in town_of.items():
            for key in ("visits", "cases", "minutes"):
                by_town[town.id][key] += int(counts[key].get(advocate_id) or 0)
    return sorted(by_town.values(), key=lambda e: e["town"].code)
