"""Case imports run as background jobs (docs/import.md "How an import runs"): the scheduler's
`cases.import` job stages the rows in batches and publishes them in one transaction; others see
the progress, the organization's new cases are not blocked while the rows are staged, and a bad
row publishes nothing."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mediation.cases import imports, services
from mediation.cases.imports import ImportJob, ImportStagedRow, ImportStatus, run_queued
from mediation.cases.models import Case
from mediation.core.clock import utcnow
from mediation.extensions import db
from mediation.warnings import jobs
from tests.conftest import login
from tests.helpers import count

HEADER = "类型,案由,统一社会信用代码,诉求,涉及人数,请求金额,欠薪月数,收到申请时间\n"


def csv_of(credit_code: str, n: int, *, bad_line: int | None = None) -> bytes:
    rows = []
    for i in range(n):
        workers = "-1" if bad_line is not None and i + 2 == bad_line else "1"
        rows.append(f"dispute,dismissal,{credit_code},第{i}行欠薪,{workers},,,2026-03-02\n")
    return (HEADER + "".join(rows)).encode("utf-8")


@pytest.fixture
def bound_scheduler_jobs(app, monkeypatch):
    """The scheduler's job functions, bound to the test app as `scheduler run` binds them."""
    monkeypatch.setattr(jobs, "_app", None)
    jobs.bind_app(app)
    yield jobs
    db.session.rollback()


def test_a_3000_row_import_finishes_through_the_scheduler_job(
    users, make_enterprise, bound_scheduler_jobs
):
    e = make_enterprise("T1")
    job = imports.submit(users["admin"], csv_of(e.credit_code, 3000), "big.csv", skip_invalid=False)
    assert job.status == ImportStatus.queued and count(Case) == 0  # the request did no work
    started = time.perf_counter()
    bound_scheduler_jobs.import_job()
    elapsed = time.perf_counter() - started
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.done, job.message
    assert job.total_rows == job.staged_rows == job.imported_rows == 3000
    assert count(Case) == 3000 and count(ImportStagedRow) == 0
    numbers = sorted(db.session.scalars(select(Case.number)))
    assert len(set(numbers)) == 3000 and numbers[0].endswith("-00001")
    print(f"3000-row import through the job: {elapsed:.1f} s")


def test_a_bad_row_publishes_nothing(users, make_enterprise):
    e = make_enterprise("T1")
    job = imports.submit(
        users["admin"], csv_of(e.credit_code, 40, bad_line=30), "bad.csv", skip_invalid=False
    )
    assert run_queued() == 1
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.failed and "nothing was imported" in job.message
    assert job.error_count == 1 and job.errors[0][0] == 30
    assert count(Case) == 0 and count(ImportStagedRow) == 0


def test_skipping_the_bad_rows_imports_the_others(users, make_enterprise):
    e = make_enterprise("T1")
    job = imports.submit(
        users["admin"], csv_of(e.credit_code, 10, bad_line=5), "bad.csv", skip_invalid=True
    )
    run_queued()
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.done and job.imported_rows == 9 and job.error_count == 1
    assert count(Case) == 9


def test_new_cases_of_the_organization_are_not_blocked_while_rows_are_staged(
    app, users, make_enterprise, case_payload, monkeypatch
):
    monkeypatch.setattr(imports, "STAGE_BATCH", 10)
    e = make_enterprise("T1")
    # sent by a mediator of T1: the rows are T1's cases, like the one registered meanwhile
    job = imports.submit(users["mediator"], csv_of(e.credit_code, 30), "x.csv", skip_invalid=False)
    mediator_id, payload = users["mediator"].id, case_payload(enterprise_id=e.id, org="T1")
    seen: list = []

    def another_writer() -> None:
        """A mediator of the same organization registers a case, on a connection of its own."""
        with app.app_context():
            try:
                mediator = db.session.get_one(type(users["mediator"]), mediator_id)
                seen.append(services.create_case(mediator, payload).number)
            except Exception as exc:  # pragma: no cover - reported below
                seen.append(exc)
            finally:
                db.session.remove()

    def progress(phase: str, n: int) -> None:
        if phase == "staging" and not seen:
            writer = threading.Thread(target=another_writer)
            writer.start()
            writer.join(timeout=5)  # SQLite's busy timeout is 10 s: a held lock would show
            assert not writer.is_alive(), "the new case waited for the import"

    job = imports.run_job(job.id, progress=progress)
    assert job.status == ImportStatus.done, job.message
    assert len(seen) == 1 and isinstance(seen[0], str), seen
    assert count(Case) == 31
    # the case registered meanwhile keeps its number; the import's follow it
    assert seen[0] not in job.numbers and len(set(job.numbers)) == 30
    assert {n.rsplit("-", 2)[0] for n in [*job.numbers, seen[0]]} == {"T1"}


def test_the_progress_is_visible_while_the_job_runs(
    app, client, users, make_enterprise, monkeypatch
):
    monkeypatch.setattr(imports, "STAGE_BATCH", 10)
    e = make_enterprise("T1")
    job = imports.submit(users["admin"], csv_of(e.credit_code, 30), "x.csv", skip_invalid=False)
    login(client, users["admin"])
    pages: list[str] = []

    def progress(phase: str, n: int) -> None:
        if phase == "staging":
            page = client.get(f"/admin/import/{job.id}")
            assert page.status_code == 200 and page.headers["Refresh"]
            pages.append(page.get_data(as_text=True))

    imports.run_job(job.id, progress=progress)
    assert len(pages) == 3
    assert 'data-status="running"' in pages[0] and 'data-staged="10"' in pages[0]
    assert 'data-staged="20"' in pages[1]
    done = client.get(f"/admin/import/{job.id}")
    assert 'data-imported="30"' in done.get_data(as_text=True) and "Refresh" not in done.headers


def test_a_job_waits_for_the_scheduler_and_the_page_says_so(client, users, make_enterprise):
    e = make_enterprise("T1")
    login(client, users["admin"])
    response = client.post(
        "/admin/import",
        data={"file": (__import__("io").BytesIO(csv_of(e.credit_code, 3)), "logs.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert 'data-status="queued"' in page.get_data(as_text=True) and count(Case) == 0
    assert "logs.csv" in client.get("/admin/import").get_data(as_text=True)  # the recent list
    run_queued()  # what the separate `scheduler run` process does every few seconds
    assert count(Case) == 3


def test_a_job_whose_runner_died_is_taken_up_again(users, make_enterprise):
    e = make_enterprise("T1")
    job = imports.submit(users["admin"], csv_of(e.credit_code, 5), "x.csv", skip_invalid=False)
    stale = utcnow() - imports.STALE_AFTER - timedelta(minutes=1)
    db.session.add(ImportStagedRow(job_id=job.id, line=2, payload={"title": "left over"}))
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id)
        .values(status=ImportStatus.running, phase="staging", heartbeat_at=stale)
    )
    db.session.commit()
    assert run_queued() == 1
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).status == ImportStatus.done
    assert count(Case) == 5


def test_a_running_job_is_not_run_twice(users, make_enterprise):
    e = make_enterprise("T1")
    job = imports.submit(users["admin"], csv_of(e.credit_code, 5), "x.csv", skip_invalid=False)
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id)
        .values(status=ImportStatus.running, heartbeat_at=utcnow())
    )
    db.session.commit()
    assert run_queued() == 0
    assert count(Case) == 0


def test_the_job_page_is_for_administrators_and_the_sender(client, users, make_enterprise):
    e = make_enterprise("T1")
    job = imports.submit(users["mediator"], csv_of(e.credit_code, 2), "x.csv", skip_invalid=False)
    login(client, users["mediator"])
    assert client.get(f"/admin/import/{job.id}").status_code == 403  # an admin page
    client.post("/logout")
    login(client, users["admin"])
    assert client.get(f"/admin/import/{job.id}").status_code == 200
    assert client.get(f"/admin/import/{job.id + 1000}").status_code == 404
    # the service: the sender sees their own job, another non-administrator does not
    assert imports.visible_job(users["mediator"], job.id).id == job.id
    with pytest.raises(imports.NotFound):
        imports.visible_job(users["other_mediator"], job.id)
    with pytest.raises(imports.PermissionDenied):
        imports.submit(users["advocate"], b"", "x.csv", skip_invalid=False)


def test_on_postgresql_new_cases_are_not_blocked_while_the_file_is_published(
    app, users, make_enterprise, case_payload
):
    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        pytest.skip("needs PostgreSQL (SQLite has one writer at a time): set TEST_DATABASE_URL")
    e, other = make_enterprise("T1"), make_enterprise("T1")
    job = imports.submit(users["mediator"], csv_of(e.credit_code, 20), "x.csv", skip_invalid=False)
    # a new case of the same organization against another employer: the organization is not
    # blocked. (A new case against an employer of the file waits for the publication: its
    # repeat-complaint count must see the file's cases; docs/import.md "How an import runs".)
    mediator_id, payload = users["mediator"].id, case_payload(enterprise_id=other.id, org="T1")
    seen: list = []

    def another_writer() -> None:
        with app.app_context():
            try:
                mediator = db.session.get_one(type(users["mediator"]), mediator_id)
                seen.append(services.create_case(mediator, payload).number)
            except Exception as exc:  # pragma: no cover - reported below
                seen.append(exc)
            finally:
                db.session.remove()

    def progress(phase: str, n: int) -> None:
        if phase == "publishing" and not seen:  # inside the publishing transaction
            writer = threading.Thread(target=another_writer)
            writer.start()
            writer.join(timeout=5)
            assert not writer.is_alive(), "the new case waited for the publishing transaction"

    job = imports.run_job(job.id, progress=progress)
    assert job.status == ImportStatus.done, job.message
    assert len(seen) == 1 and isinstance(seen[0], str), seen
    assert seen[0] not in job.numbers and count(Case) == 21
    assert {n.rsplit("-", 2)[0] for n in [*job.numbers, seen[0]]} == {"T1"}


def test_a_run_that_was_taken_over_publishes_nothing(users, make_enterprise, monkeypatch):
    """A runner so slow that another one took its job over must not publish a second copy."""
    e = make_enterprise("T1")
    job = imports.submit(users["mediator"], csv_of(e.credit_code, 5), "x.csv", skip_invalid=False)

    def taken_over(phase: str, n: int) -> None:
        if phase == "staging":  # another runner claims the job (as after STALE_AFTER)
            db.session.execute(
                update(ImportJob)
                .where(ImportJob.id == job.id)
                .values(started_at=utcnow() + timedelta(seconds=1))
            )
            db.session.commit()

    imports.run_job(job.id, progress=taken_over)
    assert count(Case) == 0
