"""Hardship files and aid: one file per person, the area's staff only (advocates 404), masked
ID numbers in lists, aid from a case, the review reminder through the outbox, the reports
(docs/worker-services.md "Hardship files")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mediation.cases.models import CaseEvent
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import NotFound, ValidationFailed
from mediation.core.identifiers import mask_id_number
from mediation.extensions import db
from mediation.hardship import services
from mediation.hardship.models import AidRecord, HardshipFile
from mediation.warnings.models import Notification
from tests.conftest import login, valid_id_number


def payload(orgs, **overrides) -> dict:
    body = {
        "name": "李秀英", "id_number": valid_id_number("19780512", 321), "phone": "13800000001",
        "household_size": 3, "household": "丈夫重病，女儿读高中",
        "hardship_type": "illness", "level": "extreme", "income_per_head": "620.00",
        "certificate_number": "困证2026-001", "employer": "测试纺织有限公司",
        "organization_id": orgs["T1"].id,
    }  # fmt: skip
    body.update(overrides)
    return body


def test_a_file_is_opened_with_a_review_a_year_later(users, orgs):
    now = datetime(2026, 3, 2, 2, 0).astimezone()
    file = services.open_file(users["mediator"], payload(orgs), now=now)
    assert file.review_due_on == date(2027, 3, 2)
    assert file.income_per_head_fen == 62000


def test_one_file_per_person_the_second_is_refused_and_nothing_is_written(users, orgs):
    services.open_file(users["mediator"], payload(orgs))
    with pytest.raises(ValidationFailed) as exc:
        services.open_file(users["officer"], payload(orgs, name="李秀英（重复）"))
    assert "id_number" in exc.value.fields
    assert db.session.scalar(select(func.count()).select_from(HardshipFile)) == 1


def test_an_id_number_with_a_wrong_check_digit_is_refused(users, orgs):
    number = valid_id_number()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        services.open_file(users["mediator"], payload(orgs, id_number=wrong))
    assert list(exc.value.fields) == ["id_number"]


def test_a_file_outside_the_users_area_is_refused(users, orgs):
    with pytest.raises(ValidationFailed) as exc:
        services.open_file(users["mediator"], payload(orgs, organization_id=orgs["T2"].id))
    assert "organization_id" in exc.value.fields


def test_the_29th_of_february_reviews_on_the_28th_next_year():
    assert services.one_year_after(date(2028, 2, 29)) == date(2029, 2, 28)


def test_advocates_and_other_towns_do_not_see_a_file(users, orgs):
    file = services.open_file(users["mediator"], payload(orgs))
    for who in ("advocate", "other_mediator", "other_officer"):
        with pytest.raises(NotFound):
            services.get_visible_file(users[who], file.id)
    assert services.get_visible_file(users["g1_mediator"], file.id) is not None  # same town
    assert services.get_visible_file(users["city_officer"], file.id) is not None


def test_apply_for_aid_from_an_arrears_case_prefills_the_workers_file(
    client, users, orgs, make_case
):
    case = make_case(worker_name="王建国", worker_phone="13911112222")
    login(client, users["mediator"])
    page = client.get(f"/cases/{case.id}")
    assert f"/hardship/new?case_id={case.id}" in page.get_data(as_text=True)
    form = client.get(f"/hardship/new?case_id={case.id}").get_data(as_text=True)
    assert "王建国" in form and case.worker_id_number in form and "13911112222" in form
    response = client.post(
        "/hardship/new",
        data={**{k: str(v) for k, v in payload(orgs).items()}, "name": "王建国",
              "id_number": case.worker_id_number, "case_id": str(case.id)},
    )  # fmt: skip
    assert response.status_code == 302
    file = db.session.scalar(select(HardshipFile))
    assert file.case_id == case.id
    last = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
    ).first()
    assert last.data == {"hardship_file": file.id}  # the case's timeline says so
    # the case page links the file now
    assert f"/hardship/{file.id}" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_aid_is_not_applied_for_from_a_dismissal_case(users, make_case):
    case = make_case(kind="dispute", category="dismissal", claim_amount=None, arrears_months=None)
    with pytest.raises(ValidationFailed):
        services.prefill_from_case(users["mediator"], case.id)


def test_the_list_masks_id_numbers_and_the_file_page_shows_them_to_staff(client, users, orgs):
    file = services.open_file(users["mediator"], payload(orgs))
    login(client, users["officer"])
    listing = client.get("/hardship").get_data(as_text=True)
    assert file.id_number not in listing and mask_id_number(file.id_number) in listing
    assert file.id_number in client.get(f"/hardship/{file.id}").get_data(as_text=True)


def test_a_bad_aid_form_comes_back_with_what_was_typed(client, users, orgs):
    file = services.open_file(users["mediator"], payload(orgs))
    login(client, users["mediator"])
    response = client.post(
        f"/hardship/{file.id}/aid",
        data={"given_on": "2026-01-20", "kind": "festival", "amount": "-5",
              "source": "市总送温暖专项", "approved_by": "周主席"},
    )  # fmt: skip
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "市总送温暖专项" in text and "field-error" in text
    assert db.session.scalar(select(func.count()).select_from(AidRecord)) == 0


def test_the_approval_form_prints_amount_in_capitals(client, users, orgs):
    file = services.open_file(users["mediator"], payload(orgs))
    aid = services.record_aid(
        users["mediator"], file.id,
        {"given_on": "2026-01-20", "kind": "festival", "amount": "1000.00",
         "source": "市总送温暖专项", "campaign": "2026年春节送温暖", "approved_by": "周主席"},
    )  # fmt: skip
    login(client, users["officer"])
    text = client.get(f"/hardship/{file.id}/aid/{aid.id}/approval").get_data(as_text=True)
    assert "壹仟元整" in text and "周主席" in text
    english = client.get(f"/hardship/{file.id}/aid/{aid.id}/approval?lang=en")
    assert "Aid approval form" in english.get_data(as_text=True)


# --- the yearly review's reminder ---------------------------------------------------------------


def test_the_review_reminder_reaches_the_outbox_once(app, users, orgs, make_user):
    officer = make_user("officer", "T1", email="t1-officer@example.org")
    today = local_date(utcnow())
    near = services.open_file(
        users["mediator"], payload(orgs, review_due_on=str(today + timedelta(days=20)))
    )
    services.open_file(
        users["mediator"],
        payload(orgs, id_number=valid_id_number("19850101", 111), name="张伟",
                review_due_on=str(today + timedelta(days=200))),
    )  # fmt: skip
    assert services.queue_review_reminders(utcnow()) == 1
    note = db.session.scalar(select(Notification))
    assert note.recipient == officer.email and "李秀英" in note.subject
    assert f"/hardship/{near.id}" in note.body
    assert services.queue_review_reminders(utcnow()) == 0  # once per review


def test_a_completed_review_moves_the_date_and_rearms_the_reminder(users, orgs, make_user):
    make_user("officer", "T1", email="t1-officer@example.org")
    today = local_date(utcnow())
    file = services.open_file(users["mediator"], payload(orgs, review_due_on=str(today)))
    assert services.queue_review_reminders(utcnow()) == 1
    services.complete_review(
        users["officer"], file.id, {"level": "hardship", "income_per_head": "900"}
    )
    assert file.review_due_on == services.one_year_after(today)
    assert file.reminded_for is None


def test_the_daily_job_runs_under_its_lease(app, users, orgs, make_user):
    from mediation.hardship.jobs import review_reminder_job
    from mediation.warnings import jobs

    make_user("officer", "T1", email="t1-officer@example.org")
    services.open_file(users["mediator"], payload(orgs, review_due_on=str(local_date(utcnow()))))
    jobs.bind_app(app)
    review_reminder_job()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


# --- reports --------------------------------------------------------------------------------


def test_reports_count_files_by_town_type_and_level_and_aid_by_month_and_campaign(
    client, users, orgs
):
    a = services.open_file(users["mediator"], payload(orgs))
    services.open_file(
        users["g1_mediator"],
        payload(orgs, id_number=valid_id_number("19850101", 111), name="张伟",
                hardship_type="unemployment", level="hardship", organization_id=orgs["G1"].id),
    )  # fmt: skip
    for day, amount, campaign in (("2026-01-20", "1000", "春节送温暖"),
                                  ("2026-01-25", "500", "春节送温暖"),
                                  ("2026-08-30", "2000", "金秋助学")):  # fmt: skip
        services.record_aid(
            users["mediator"], a.id,
            {"given_on": day, "kind": "festival", "amount": amount, "source": "市总",
             "campaign": campaign, "approved_by": "周主席"},
        )  # fmt: skip
    towns = services.files_by_town(users["officer"])
    assert [(t["town"].code, t["total"]) for t in towns] == [("T1", 2)]
    assert towns[0]["by_level"] == {"extreme": 1, "hardship": 1}
    totals = services.aid_totals(users["officer"], 2026)
    assert totals["months"][0] == (1, 2, 150000) and totals["months"][7] == (8, 1, 200000)
    assert totals["campaigns"] == [("春节送温暖", 2, 150000), ("金秋助学", 1, 200000)]
    assert services.files_by_town(users["other_officer"]) == []
    login(client, users["officer"])
    assert client.get("/hardship/reports?year=2026").status_code == 200
