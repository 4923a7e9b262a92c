"""What people do with mass incidents: record one in the first minutes, complete it, report
on it up the chain. Each service is one transaction; the warning engine reacts through
`signals.incident_changed` inside it (docs/incidents.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from mediation import signals
from mediation.accounts.models import Role, User
from mediation.accounts.scope import scope_org_ids
from mediation.cases.access import load_payload, require_role
from mediation.cases.scope import get_visible_case
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.core.messages import N_, Message
from mediation.enterprises.services import get_visible_enterprise
from mediation.extensions import db
from mediation.incidents import chain
from mediation.incidents.enums import Behaviour, IncidentStatus, ReportKind
from mediation.incidents.models import Incident, IncidentReport
from mediation.incidents.schemas import (
    IncidentCreateSchema,
    IncidentEditSchema,
    ReportInputSchema,
)
from mediation.orgs.services import get_organization

# everyone may record an incident and report on it (an advocate is often first on the scene);
# completing and ending one is for the union's staff
INCIDENT_REPORTERS = frozenset({Role.admin, Role.officer, Role.mediator, Role.advocate})
INCIDENT_EDITORS = frozenset({Role.admin, Role.officer, Role.mediator})
MAJOR_BEHAVIOURS = frozenset({Behaviour.road_blocking, Behaviour.extreme_acts})
# a clock a little ahead of the server's is not "the future"
FUTURE_TOLERANCE = timedelta(minutes=5)
DEFAULT_MAJOR_PARTICIPANTS = 50
UNKNOWN_CASE = N_("Unknown case %(id)s.")


def incident_settings() -> dict[str, dict]:
    """The rule settings (`[mass_incident]`, `[incident_reports]`) from their owner, the
    warning engine (`signals.clock_settings`)."""
    return signals.values_from_signal(signals.clock_settings.send(None))


def is_major(participants: int, behaviours: list[str], settings: dict | None = None) -> bool:
    """≥50 participants (a setting), road blocking or extreme acts (docs/domain.md)."""
    threshold = ((settings or incident_settings()).get("mass_incident") or {}).get(
        "major_participants", DEFAULT_MAJOR_PARTICIPANTS
    )
    return participants >= threshold or bool(MAJOR_BEHAVIOURS & {Behaviour(b) for b in behaviours})


def visible_incidents(user: User) -> Select:
    """The incidents of the user's organization's subtree (all, for an administrator)."""
    stmt = select(Incident)
    if user.role != Role.admin:
        stmt = stmt.where(Incident.organization_id.in_(scope_org_ids(user)))
    return stmt


def get_visible_incident(user: User, incident_id: int, *, for_update: bool = False) -> Incident:
    """The incident if the user may see it; otherwise NotFound, same as a missing one."""
    stmt = visible_incidents(user).where(Incident.id == incident_id)
    if for_update:
        stmt = stmt.with_for_update(of=Incident)
    incident = db.session.scalar(stmt)
    if incident is None:
        raise NotFound("Incident not found.")
    return incident


def board_order(stmt: Select) -> Select:
    """Newest first, then largest."""
    return stmt.order_by(
        Incident.started_at.desc(), Incident.participants.desc(), Incident.id.desc()
    )


def _not_future(data: dict, now: datetime, *names: str) -> None:
    errors = {
        name: [N_("Must not be in the future.")]
        for name in names
        if data.get(name) is not None and data[name] > now + FUTURE_TOLERANCE
    }
    if errors:
        raise ValidationFailed(errors)


def _set_links(incident: Incident, user: User, data: dict) -> None:
    if "enterprise_id" in data:
        enterprise_id = data.pop("enterprise_id")
        if enterprise_id is None:
            incident.enterprise = None
        else:
            try:
                incident.enterprise = get_visible_enterprise(user, enterprise_id)
            except NotFound:
                raise ValidationFailed({"enterprise_id": [N_("Unknown enterprise.")]}) from None
    if "case_ids" in data:
        cases = []
        for case_id in dict.fromkeys(data.pop("case_ids")):
            try:
                cases.append(get_visible_case(user, case_id))
            except NotFound:
                raise ValidationFailed({"case_ids": [Message(UNKNOWN_CASE, id=case_id)]}) from None
        incident.cases = cases


def create_incident(user: User, payload: dict, *, now: datetime | None = None) -> Incident:
    """Record a mass incident: the red alert to the city goes out in the same transaction."""
    now = ensure_utc(now or utcnow())
    require_role(user, INCIDENT_REPORTERS, "record incidents")
    data = load_payload(IncidentCreateSchema, payload)
    _not_future(data, now, "started_at", "learned_at")
    with transaction():
        org_id = data.pop("organization_id", None) or user.organization_id
        if user.role != Role.admin and org_id not in scope_org_ids(user):
            raise ValidationFailed(
                {"organization_id": [N_("Not an organization you may act for.")]}
            )
        if user.role == Role.advocate and org_id != user.organization_id:
            raise ValidationFailed(
                {"organization_id": [N_("Not an organization you may act for.")]}
            )
        try:
            get_organization(org_id)
        except NotFound:
            raise ValidationFailed({"organization_id": [N_("Unknown organization.")]}) from None
        # not told otherwise, the union learned of it as it started: the earliest, strictest clock
        data.setdefault("learned_at", data["started_at"])
        incident = Incident(
            organization_id=org_id,
            status=IncidentStatus.ongoing,
            created_by_id=user.id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        _set_links(incident, user, data)
        data["behaviours"] = [str(b) for b in data["behaviours"]]
        for name, value in data.items():
            setattr(incident, name, value)
        incident.major = is_major(incident.participants, incident.behaviours)
        db.session.add(incident)
        db.session.flush()
        signals.incident_changed.send(incident, now=now)
    return incident


def update_incident(
    incident_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> Incident:
    """Complete or correct an incident, or mark it contained or ended. A stale `version`
    answers 409 and changes nothing."""
    now = ensure_utc(now or utcnow())
    with transaction():
        incident = get_visible_incident(user, incident_id, for_update=True)
        require_role(user, INCIDENT_EDITORS, "edit incidents")
        data = load_payload(IncidentEditSchema, payload)
        version = data.pop("version", None)
        if version is not None and version != incident.version:
            raise Conflict(
                Message("The incident changed meanwhile (version %(v)s).", v=incident.version)
            )
        _not_future(data, now, "started_at", "learned_at", "ended_at")
        _set_links(incident, user, data)
        if "behaviours" in data:
            if not data["behaviours"]:
                raise ValidationFailed({"behaviours": [N_("Choose at least one behaviour.")]})
            data["behaviours"] = [str(b) for b in data["behaviours"]]
        status = data.get("status")
        if status is not None and IncidentStatus(status) == IncidentStatus.ended:
            data.setdefault("ended_at", incident.ended_at or now)
        elif status is not None:
            data["ended_at"] = None
        for name, value in data.items():
            setattr(incident, name, value)
        if incident.enterprise is None and not incident.employer_name:
            raise ValidationFailed(
                {"employer_name": [N_("Name the employer, or choose a registered enterprise.")]}
            )
        if incident.ended_at is not None and incident.ended_at < incident.started_at:
            raise ValidationFailed({"ended_at": [N_("Must not be before the start.")]})
        incident.major = is_major(incident.participants, incident.behaviours)
        incident.version += 1
        incident.updated_at = now
        db.session.flush()
        signals.incident_changed.send(incident, now=now)
    return incident


def add_report(
    incident_id: int, user: User, payload: dict, *, now: datetime | None = None
) -> IncidentReport:
    """One report up the chain (who, when, channel, what); the alert of the step it fulfils
    resolves in the same transaction."""
    now = ensure_utc(now or utcnow())
    with transaction():
        incident = get_visible_incident(user, incident_id, for_update=True)
        require_role(user, INCIDENT_REPORTERS, "report on incidents")
        data = load_payload(ReportInputSchema, payload)
        _not_future(data, now, "at")
        if ReportKind(data["kind"]) == ReportKind.final and not incident.is_ended:
            raise ValidationFailed(
                {"kind": [N_("The final report comes after the incident has ended.")]}
            )
        report = IncidentReport(incident=incident, author_id=user.id, created_at=now, **data)
        db.session.add(report)
        incident.updated_at = now
        db.session.flush()
        signals.incident_changed.send(incident, now=now)
    return report


def reports_of(incident: Incident) -> list[IncidentReport]:
    return list(
        db.session.scalars(
            select(IncidentReport)
            .where(IncidentReport.incident_id == incident.id)
            .order_by(IncidentReport.at, IncidentReport.id)
        )
    )


def chain_of(incident: Incident, now: datetime | None = None) -> list[dict[str, Any]]:
    """The incident's report chain as the page and the API show it."""
    now = ensure_utc(now or utcnow())
    settings = incident_settings()["incident_reports"]
    return [
        {
            "kind": s.step.kind,
            "step": s.step,
            "due_at": s.due_at,
            "met_at": s.met_at,
            "overdue": s.overdue(now),
        }
        for s in chain.chain_status(incident, incident.reports, settings)
    ]


def check_permission(user: User, action: str) -> None:
    if user.role not in INCIDENT_EDITORS:
        raise PermissionDenied(f"your role may not {action}")
