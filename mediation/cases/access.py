"""What every case service checks first: the role, the case (locked, in the user's scope), the
version the user saw, and the payload against its schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.cases.enums import EventKind
from mediation.cases.models import (
    Case,
)
from mediation.cases.scope import get_visible_case
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.fields import shared_schema
from mediation.core.messages import N_
from mediation.projects.services import get_visible_project

CASE_WRITERS = frozenset({Role.mediator, Role.officer, Role.admin})


# who may take a case over to their own organization (docs/architecture.md "Scope")
SUPERVISORS = frozenset({Role.officer, Role.admin})


def load_payload(schema_cls: type[Schema], payload: dict | None, **kwargs: Any) -> dict:
    try:
        schema = schema_cls(**kwargs) if kwargs else shared_schema(schema_cls)
        return schema.load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def require_role(user: User, roles: frozenset[Role], action: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"your role may not {action}")


def lock_case(user: User, case_id: int) -> Case:
    """The case, in scope, locked for this transaction (row lock on PostgreSQL)."""
    return get_visible_case(user, case_id, for_update=True)


def announce_change(case: Case, kind: EventKind, now: datetime) -> None:
    """Tell the other domains (`signals.case_changed`) that `case` changed, inside the
    transaction that recorded it."""
    signals.case_changed.send(case, kind=kind, now=now)


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            "The case was changed by someone else since you opened it; reload and try again.",
            current_version=case.version,
        )


def check_project(user: User, project_id: int) -> None:
    """A case may name a construction project the user sees (docs/enterprise-file.md
    "Construction projects"); any other is 422 on `project_id`, the same as a missing one."""
    try:
        get_visible_project(user, project_id)
    except NotFound:
        raise ValidationFailed({"project_id": [N_("Unknown project.")]}) from None
