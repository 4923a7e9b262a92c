"""Hardship files and aid: who sees them, opening a file (also from a case), aid, the yearly
review and its reminder, the reports (docs/worker-services.md "Hardship files")."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, func, select

from mediation.accounts.models import Role, User
from mediation.cases.access import lock_case
from mediation.cases.enums import CaseKind, Category, EventKind
from mediation.cases.scope import get_visible_case
from mediation.cases.timeline import append_event
from mediation.core.clock import ensure_utc, local_date, utcnow
from mediation.core.db import transaction
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.i18n import DEFAULT_LOCALE, LANGUAGES, _, force_locale
from mediation.core.identifiers import mask_id_number, normalize_id_number
from mediation.core.messages import N_, Message
from mediation.core.schemas import StrictSchema
from mediation.extensions import db
from mediation.hardship.models import AidRecord, HardshipFile, HardshipType
from mediation.hardship.schemas import AidInputSchema, HardshipFileInputSchema, ReviewInputSchema
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select
from mediation.warnings.models import Notification

# officers and mediators of the area; advocates never see a hardship file (404)
FILE_USERS = frozenset({Role.officer, Role.mediator, Role.admin})


def _load(schema_cls: type[StrictSchema], payload: dict | None) -> dict:
    from marshmallow import ValidationError

    try:
        return schema_cls().load(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None


def _require_user(user: User) -> None:
    if user.role not in FILE_USERS:
        raise NotFound("Hardship file not found.")


def area_root(user: User) -> Organization:
    """The user's area: their town (a grassroots union's town), or the whole city."""
    return user.organization.ancestor_at(Tier.town)


def area_org_ids(user: User) -> Select | None:
    """The organizations of the user's area, or None for all of them."""
    if user.role == Role.admin:
        return None
    root = area_root(user)
    return None if root.tier == Tier.city else subtree_ids_select(root.id)


def visible_files(user: User) -> Select:
    _require_user(user)
    stmt = select(HardshipFile)
    ids = area_org_ids(user)
    return stmt if ids is None else stmt.where(HardshipFile.organization_id.in_(ids))


def get_visible_file(user: User, file_id: int) -> HardshipFile:
    file = db.session.scalar(visible_files(user).where(HardshipFile.id == file_id))
    if file is None:
        raise NotFound("Hardship file not found.")
    return file


def _in_area(user: User, org_id: int) -> bool:
    if db.session.get(Organization, org_id) is None:
        return False
    ids = area_org_ids(user)
    return ids is None or org_id in set(db.session.scalars(ids))


def aid_case_allowed(kind: object, category: object) -> bool:
    """Aid is applied for from an arrears case or a work-injury case."""
    return kind == CaseKind.arrears or category == Category.injury_compensation


def prefill_from_case(user: User, case_id: int) -> dict:
    """The values of a new file taken from a case's worker ("apply for aid")."""
    _require_user(user)
    case = get_visible_case(user, case_id)
    if not aid_case_allowed(case.kind, case.category):
        raise ValidationFailed(
            {"case_id": [N_("Aid is applied for from an arrears or injury case.")]}
        )
    return {
        "name": case.worker_name or "",
        "id_number": case.worker_id_number or "",
        "phone": case.worker_phone or "",
        "employer": case.enterprise.name,
        "organization_id": case.handling_org.ancestor_at(Tier.town).id,
        "hardship_type": (
            HardshipType.illness.value if case.category == Category.injury_compensation else ""
        ),
        "case_id": case.id,
    }


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def open_file(user: User, payload: dict, *, now: datetime | None = None) -> HardshipFile:
    """Open a file. One per person: a second file for the same ID number is refused."""
    _require_user(user)
    now = ensure_utc(now or utcnow())
    data = _load(HardshipFileInputSchema, payload)
    number = normalize_id_number(data["id_number"])
    with transaction():
        errors: dict[str, list] = {}
        existing = db.session.scalar(select(HardshipFile).where(HardshipFile.id_number == number))
        if existing is not None:
            errors["id_number"] = [
                Message("A hardship file exists already for this person (file %(id)s).",
                        id=existing.id)
            ]  # fmt: skip
        if not _in_area(user, data["organization_id"]):
            errors["organization_id"] = [N_("Not an organization of your area.")]
        case_id = data.get("case_id")
        if case_id is not None:
            try:
                case = get_visible_case(user, case_id)
            except NotFound:
                errors["case_id"] = [N_("No such case in your scope.")]
            else:
                if not aid_case_allowed(case.kind, case.category):
                    errors["case_id"] = [N_("Aid is applied for from an arrears or injury case.")]
        if errors:
            raise ValidationFailed(errors)
        file = HardshipFile(
            id_number=number,
            name=data["name"],
            phone=data.get("phone"),
            household_size=data["household_size"],
            household=data.get("household"),
            hardship_type=data["hardship_type"],
            level=data["level"],
            income_per_head_fen=data["income_per_head"],
            certificate_number=data.get("certificate_number"),
            employer=data.get("employer"),
            organization_id=data["organization_id"],
            review_due_on=data.get("review_due_on") or one_year_after(local_date(now)),
            case_id=case_id,
            created_by_id=user.id,
            created_at=now,
        )
        db.session.add(file)
        if case_id is not None:  # the case's timeline records the application for aid
            db.session.flush()
            append_event(
                lock_case(user, case_id), EventKind.note, user, now,
                body="已申请困难帮扶，建立困难职工档案", data={"hardship_file": file.id},
            )  # fmt: skip
    return file


def record_aid(
    user: User, file_id: int, payload: dict, *, now: datetime | None = None
) -> AidRecord:
    now = ensure_utc(now or utcnow())
    data = _load(AidInputSchema, payload)
    with transaction():
        file = get_visible_file(user, file_id)
        aid = AidRecord(
            file_id=file.id,
            given_on=data["given_on"],
            kind=data["kind"],
            amount_fen=data["amount"],
            source=data["source"],
            campaign=data.get("campaign"),
            approved_by=data["approved_by"],
            created_by_id=user.id,
            created_at=now,
        )
        db.session.add(aid)
    return aid


def complete_review(
    user: User, file_id: int, payload: dict, *, now: datetime | None = None
) -> HardshipFile:
    """The yearly review: level and income confirmed, the next review a year from today."""
    now = ensure_utc(now or utcnow())
    data = _load(ReviewInputSchema, payload)
    with transaction():
        file = get_visible_file(user, file_id)
        file.level = data["level"]
        file.income_per_head_fen = data["income_per_head"]
        file.review_due_on = one_year_after(local_date(now))
        file.reminded_for = None
    return file


def masked(file: HardshipFile) -> str | None:
    """Lists and reports show the ID number masked, as the case list does for advocates."""
    return mask_id_number(file.id_number)


# --- the yearly review's reminder -----------------------------------------------------------------


def reviews_due(today: date, days_before: int) -> Select:
    """Files whose review falls within `days_before` days (or is past) and whose officers were
    not yet reminded of that review."""
    return select(HardshipFile).where(
        HardshipFile.review_due_on <= today + timedelta(days=days_before),
        (HardshipFile.reminded_for.is_(None))
        | (HardshipFile.reminded_for != HardshipFile.review_due_on),
    )


def _recipients(org: Organization) -> list[User]:
    """The active officers of the file's organization and of its town."""
    ids = {org.id, org.ancestor_at(Tier.town).id}
    return list(
        db.session.scalars(
            select(User).where(
                User.organization_id.in_(ids), User.role == Role.officer, User.active.is_(True)
            )
        )
    )


def queue_review_reminders(now: datetime) -> int:
    """One outbox row per officer and channel for each file whose yearly review is near, in one
    transaction with the files' `reminded_for`: each review is announced once."""
    now = ensure_utc(now)
    config = current_app.config
    days = int(config["HARDSHIP_REVIEW_REMINDER_DAYS"])
    base = config.get("BASE_URL", "").rstrip("/")
    queued = 0
    with transaction():
        for file in db.session.scalars(reviews_due(local_date(now), days).with_for_update()):
            link = base + "/hardship/" + str(file.id)
            for officer in _recipients(file.organization):
                locale = officer.locale if officer.locale in LANGUAGES else DEFAULT_LOCALE
                with force_locale(locale):
                    subject = _(
                        "Hardship file review due %(day)s: %(name)s",
                        day=file.review_due_on.isoformat(),
                        name=file.name,
                    )
                    body = _(
                        "%(officer)s:\n\nThe yearly review of the hardship file of %(name)s "
                        "(%(level)s, %(org)s) is due on %(day)s.\n\n%(url)s",
                        officer=officer.display_name, name=file.name, level=file.level.label,
                        org=file.organization.name, day=file.review_due_on.isoformat(),
                        url=link,
                    )  # fmt: skip
                targets = []
                if officer.email:
                    targets.append(("email", officer.email))
                if config.get("SMS_WEBHOOK_URL") and officer.phone:
                    targets.append(("sms", officer.phone))
                for channel, recipient in targets:
                    db.session.add(
                        Notification(
                            user_id=officer.id, channel=channel, recipient=recipient,
                            subject=subject[:300], body=body, next_attempt_at=now, created_at=now,
                        )
                    )  # fmt: skip
                    queued += 1
            file.reminded_for = file.review_due_on
    return queued


# --- reports ----------------------------------------------------------------------------------


def _town_of(org_by_id: dict[int, Organization], org_id: int) -> Organization:
    return org_by_id[org_id].ancestor_at(Tier.town)


def files_by_town(user: User) -> list[dict]:
    """Files per town, by hardship type and by level."""
    stmt = (
        visible_files(user)
        .with_only_columns(
            HardshipFile.organization_id,
            HardshipFile.hardship_type,
            HardshipFile.level,
            func.count(),
        )
        .group_by(HardshipFile.organization_id, HardshipFile.hardship_type, HardshipFile.level)
    )
    rows = db.session.execute(stmt).all()
    orgs = {o.id: o for o in db.session.scalars(select(Organization))}
    towns: dict[int, dict] = {}
    for org_id, kind, level, count in rows:
        town = _town_of(orgs, org_id)
        entry = towns.setdefault(
            town.id,
            {"town": town, "total": 0, "by_type": defaultdict(int), "by_level": defaultdict(int)},
        )
        entry["total"] += count
        entry["by_type"][str(kind)] += count
        entry["by_level"][str(level)] += count
    return sorted(towns.values(), key=lambda e: e["town"].code)


def aid_totals(user: User, year: int) -> dict[str, list]:
    """Aid given in `year`: per month and per campaign (count, amount in fen)."""
    ids = visible_files(user).with_only_columns(HardshipFile.id)
    stmt = select(AidRecord.given_on, AidRecord.campaign, AidRecord.amount_fen).where(
        AidRecord.file_id.in_(ids),
        AidRecord.given_on >= date(year, 1, 1),
        AidRecord.given_on <= date(year, 12, 31),
    )
    months: dict[int, list[int]] = {m: [0, 0] for m in range(1, 13)}
    campaigns: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for given_on, campaign, amount in db.session.execute(stmt):
        months[given_on.month][0] += 1
        months[given_on.month][1] += amount
        key = campaign or ""
        campaigns[key][0] += 1
        campaigns[key][1] += amount
    return {
        "months": [(m, c, a) for m, (c, a) in months.items()],
        "campaigns": sorted(((k, c, a) for k, (c, a) in campaigns.items()), key=lambda r: r[0]),
    }
