"""Bulk imports as background jobs (docs/import.md "How an import runs").

A request (the admin page) or the CLI records an `ImportJob` with the file; the scheduler's
`cases.import` job (or the CLI itself, at once) runs it in three steps, none of which holds an
organization's locks for the whole file:

1. **check**: `importer.check` reads and validates every row; nothing is written;
2. **stage**: the good rows go into `import_staged_rows` in batches of `STAGE_BATCH`, each batch a
   short transaction of its own that also records the progress on the job;
3. **publish**: the case numbers the file needs are reserved in one short transaction per
   organization (`intake.reserve_numbers`), then one transaction registers every staged row
   through `create_case` and marks the job done. Others see all the cases or none.

A job whose runner died (no heartbeat for `STALE_AFTER`) is taken up again from the start.
"""

from __future__ import annotations

import enum
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from mediation.accounts.models import Role, User
from mediation.cases import importer
from mediation.cases.intake import create_case, reserve_numbers
from mediation.core.clock import ensure_utc, utcnow
from mediation.core.db import transaction
from mediation.core.errors import DomainError, NotFound, PermissionDenied
from mediation.core.types import UTCDateTime, enum_column
from mediation.extensions import Model, db

log = logging.getLogger(__name__)

STAGE_BATCH = 500
STALE_AFTER = timedelta(minutes=30)
MAX_ERRORS_KEPT = 1000
IMPORTERS = (Role.admin, Role.officer, Role.mediator)


class ImportStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ImportJob(Model):
    """One file to import, who sent it, and how far its run got."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus, "import_status"), default=ImportStatus.queued, index=True
    )
    phase: Mapped[str] = mapped_column(String(20), default="")  # checking, staging, publishing
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    filename: Mapped[str] = mapped_column(String(200))
    skip_invalid: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    staged_rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # [[line, [message, …]], …], the first MAX_ERRORS_KEPT bad rows
    errors: Mapped[list] = mapped_column(JSON, default=list)
    numbers: Mapped[list] = deferred(
        mapped_column(JSON, default=list, nullable=False)
    )  # the new cases' numbers
    message: Mapped[str | None] = mapped_column(Text)  # why the file was refused or stopped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.done, ImportStatus.failed)


class ImportStagedRow(Model):
    """A checked row waiting for its job's publishing transaction."""

    __tablename__ = "import_staged_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSON)


Progress = Callable[[str, int], None]  # (phase, rows just done)


class _TakenOver(Exception):
    """This run's job was claimed again by another runner (`_claim`)."""


def submit(
    user: User, data: bytes, filename: str, *, skip_invalid: bool, now: datetime | None = None
) -> ImportJob:
    """Queue a file for import; the scheduler (or `run_job`) does the rest."""
    if user.role not in IMPORTERS:
        raise PermissionDenied("Your role may not register cases.")
    with transaction(expire_on_commit=False):
        job = ImportJob(
            user_id=user.id,
            organization_id=user.organization_id,
            filename=(filename or "import.csv")[:200],
            skip_invalid=skip_invalid,
            data=data,
            created_at=ensure_utc(now or utcnow()),
            errors=[],
            numbers=[],
        )
        db.session.add(job)
    return job


def visible_job(user: User, job_id: int) -> ImportJob:
    """The job, for an administrator or for the user who sent it; else 404."""
    job = db.session.get(ImportJob, job_id)
    if job is None or not (user.role == Role.admin or job.user_id == user.id):
        raise NotFound()
    return job


def _claim(job_id: int, now: datetime) -> bool:
    """Mark the job running, if it is queued or its runner is gone; True when this call did."""
    stale = now - STALE_AFTER
    with transaction():
        taken = db.session.execute(
            update(ImportJob)
            .where(
                ImportJob.id == job_id,
                or_(
                    ImportJob.status == ImportStatus.queued,
                    (ImportJob.status == ImportStatus.running) & (ImportJob.heartbeat_at < stale),
                ),
            )
            .values(status=ImportStatus.running, phase="checking", started_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = getattr(taken, "rowcount", 0) == 1
        if claimed:  # a run taken up again starts from nothing
            db.session.execute(delete(ImportStagedRow).where(ImportStagedRow.job_id == job_id))
    return claimed


def _finish(job_id: int, status: ImportStatus, **values: Any) -> None:
    with transaction():
        db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status=status, phase="", finished_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(ImportStagedRow).where(ImportStagedRow.job_id == job_id))


def run_job(
    job_id: int,
    *,
    progress: Progress | None = None,
    checked: importer.Checked | None = None,
) -> ImportJob:
    """Run one job to its end (done or failed) if it can be claimed; returns it as it ends."""
    now = utcnow()
    if not _claim(job_id, now):
        return db.session.get_one(ImportJob, job_id)
    job = db.session.get_one(ImportJob, job_id)
    user = db.session.get(User, job.user_id)
    try:
        if user is None or not user.active:
            _finish(job_id, ImportStatus.failed, message="the account that sent it is inactive")
        else:
            _run(job, user, progress, checked)
    except Exception:
        db.session.rollback()
        log.exception("import job %s failed", job_id)
        _finish(job_id, ImportStatus.failed, message="an internal error stopped the import")
    db.session.expire_all()
    return db.session.get_one(ImportJob, job_id)


def _heartbeat(job_id: int, **values: Any) -> None:
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(heartbeat_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )


def _run(
    job: ImportJob, user: User, progress: Progress | None, checked: importer.Checked | None
) -> None:
    job_id, skip_invalid, claimed_at = job.id, job.skip_invalid, job.started_at
    # 1. check (reads only)
    checked = checked or importer.check(user, job.data)
    db.session.rollback()  # end the reading transaction: nothing is held while staging
    errors = [[e.line, e.messages] for e in checked.errors[:MAX_ERRORS_KEPT]]
    counts = {
        "total_rows": len(checked.rows) + len(checked.errors),
        "error_count": len(checked.errors),
        "errors": errors,
    }
    if checked.fatal:
        _finish(job_id, ImportStatus.failed, message=checked.fatal, **counts)
        return
    if checked.errors and not skip_invalid:
        _finish(
            job_id, ImportStatus.failed,
            message=f"{len(checked.errors)} bad row(s); nothing was imported", **counts,
        )  # fmt: skip
        return
    # 2. stage, batch by batch
    with transaction():
        _heartbeat(job_id, phase="staging", staged_rows=0, **counts)
    rows = checked.rows
    for start in range(0, len(rows), STAGE_BATCH):
        batch = rows[start : start + STAGE_BATCH]
        with transaction():
            db.session.execute(
                insert(ImportStagedRow),
                [{"job_id": job_id, "line": line, "payload": payload} for line, payload in batch],
            )
            _heartbeat(job_id, staged_rows=start + len(batch))
        if progress is not None:
            progress("staging", len(batch))
    # 3. publish: numbers first (short), then every case in one transaction
    with transaction():
        _heartbeat(job_id, phase="publishing")
    staged = db.session.execute(
        select(ImportStagedRow.line, ImportStagedRow.payload)
        .where(ImportStagedRow.job_id == job_id)
        .order_by(ImportStagedRow.line)
    ).all()
    db.session.rollback()
    now = utcnow()
    per_org = Counter(p.get("handling_org_id") or user.organization_id for _, p in staged)
    numbers = {org_id: iter(reserve_numbers(org_id, n, now)) for org_id, n in per_org.items()}
    created: list[str] = []
    line = None
    try:
        with transaction():
            # first, lock the job's row for this transaction, if the job is still this run's:
            # a runner that took over a job it believed dead (`STALE_AFTER`) waits for this
            # transaction and then finds the job done, and a run that was taken over stops here
            still_ours = db.session.execute(
                update(ImportJob)
                .where(
                    ImportJob.id == job_id,
                    ImportJob.status == ImportStatus.running,
                    ImportJob.started_at == claimed_at,
                )
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if getattr(still_ours, "rowcount", 0) != 1:
                raise _TakenOver()
            for row_line, payload in staged:
                line = row_line  # (named in the message if this row fails)
                org_id = payload.get("handling_org_id") or user.organization_id
                case = create_case(user, payload, now=now, number=next(numbers[org_id]))
                created.append(case.number)
                if progress is not None:
                    progress("publishing", 1)
            db.session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id)
                .values(
                    status=ImportStatus.done,
                    phase="",
                    finished_at=utcnow(),
                    imported_rows=len(created),
                    numbers=created,
                )  # fmt: skip
                .execution_options(synchronize_session=False)
            )
            db.session.execute(delete(ImportStagedRow).where(ImportStagedRow.job_id == job_id))
    except _TakenOver:
        log.warning("import job %s was taken over by another runner; this run stops", job_id)
    except DomainError as exc:
        fields = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (exc.fields or {}).items())
        message = f"line {line}: {exc.message} {fields}".strip() + "; nothing was imported"
        _finish(job_id, ImportStatus.failed, message=message)


def queued_ids() -> list[int]:
    stale = utcnow() - STALE_AFTER
    ids = list(
        db.session.scalars(
            select(ImportJob.id)
            .where(
                or_(
                    ImportJob.status == ImportStatus.queued,
                    (ImportJob.status == ImportStatus.running) & (ImportJob.heartbeat_at < stale),
                )
            )
            .order_by(ImportJob.id)
        )
    )
    db.session.rollback()
    return ids


def run_queued() -> int:
    """Run every waiting job, oldest first (the scheduler's `cases.import`); how many ran."""
    ran = 0
    for job_id in queued_ids():
        if run_job(job_id).status != ImportStatus.queued:
            ran += 1
    return ran
