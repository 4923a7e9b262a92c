"""Joint meetings: action items refused when due before the meeting, overdue items told to the
city officers once, the city's yearly checklist, and who sees what."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from mediation.core.clock import local_date, utcnow
from mediation.core.errors import NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from mediation.meetings import services
from mediation.meetings.models import ActionItem, Meeting
from mediation.warnings.models import Notification
from tests.conftest import login
from tests.meetings.conftest import days_ago


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_action_item_due_before_the_meeting_is_refused_and_nothing_is_written(
    api, users, make_meeting
):
    meeting = make_meeting()
    body = {"title": "督促企业补发工资", "owner_body": "hrss", "due_on": days_ago(11)}
    response = api.post(
        f"/meetings/{meeting.id}/action-items", as_=users["city_officer"], json=body
    )
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["due_on"]
    assert _count(ActionItem) == 0


def test_an_item_links_only_cases_and_enterprises_the_officer_sees(
    users, make_case, make_meeting, make_enterprise
):
    meeting = make_meeting(by="officer")
    theirs = make_case()
    elsewhere = make_case(by=users["other_mediator"], org="G2",
                          enterprise_id=make_enterprise("G2").id)  # fmt: skip
    item = {"title": "跟踪处置", "owner_body": "justice", "due_on": days_ago(0)}
    with pytest.raises(ValidationFailed) as refused:
        services.add_action_item(users["officer"], meeting.id, item | {"case_ids": [elsewhere.id]})
    assert list(refused.value.fields) == ["case_ids"]
    added = services.add_action_item(
        users["officer"], meeting.id,
        item | {"case_ids": [theirs.id], "enterprise_ids": [theirs.enterprise_id]},
    )  # fmt: skip
    assert [c.id for c in added.cases] == [theirs.id]


def test_an_overdue_item_is_told_to_the_city_officers_once(client, users, make_user, make_meeting):
    users["city_officer"].email = "city@union.example"
    make_user("officer", "C", email="city2@union.example")
    make_user("officer", "T1", email="town@union.example")  # not the city: not told
    db.session.commit()
    meeting = make_meeting()
    late = services.add_action_item(
        users["city_officer"], meeting.id,
        {"title": "清理在建工程欠薪", "owner_body": "hrss", "due_on": days_ago(2)},
    )  # fmt: skip
    done = services.add_action_item(
        users["city_officer"], meeting.id,
        {"title": "建立联络员制度", "owner_body": "justice", "due_on": days_ago(3)},
    )  # fmt: skip
    services.set_item_status(users["city_officer"], meeting.id, done.id, {"status": "done"})
    services.add_action_item(
        users["city_officer"], meeting.id,
        {"title": "开展普法宣传", "owner_body": "court", "due_on": days_ago(0)},  # due today
    )  # fmt: skip

    assert services.queue_overdue_notices() == 2
    assert services.queue_overdue_notices() == 0
    rows = list(db.session.scalars(select(Notification)))
    assert sorted(n.recipient for n in rows) == ["city2@union.example", "city@union.example"]
    assert all("清理在建工程欠薪" in n.subject for n in rows)
    db.session.expire_all()
    assert late.overdue_notified_at is not None and done.overdue_notified_at is None

    login(client, users["city_officer"])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert page.count('data-overdue="yes"') == 1
    assert 'data-overdue="1"' in client.get("/meetings").get_data(as_text=True)


def test_the_city_sees_whether_it_met_the_city_government_each_year(client, users, make_meeting):
    this_year = local_date(utcnow()).year
    [row] = services.yearly_checklist([this_year])
    assert row["met"] is False
    make_meeting(kind="city_government", held_on=days_ago(1), bodies=["government", "hrss"])
    make_meeting(kind="joint", held_on=days_ago(2))  # another kind does not count
    [row, last_year] = services.yearly_checklist([this_year, this_year - 1])
    assert row["met"] is True and last_year["met"] is False

    login(client, users["city_officer"])
    page = client.get("/meetings").get_data(as_text=True)
    assert f'data-year="{this_year}" data-met="yes"' in page
    assert f'data-year="{this_year - 1}" data-met="no"' in page


def test_a_meeting_planned_later_this_year_does_not_count_yet(make_meeting, users):
    today = local_date(utcnow())
    if today.month == 12 and today.day == 31:
        pytest.skip("no later day this year")
    later = date(today.year, 12, 31).isoformat()
    make_meeting(kind="city_government", held_on=later)
    assert services.yearly_checklist([today.year])[0]["met"] is False


def test_town_staff_see_their_town_only_mediators_read_and_advocates_do_not_see(
    users, make_meeting
):
    meeting = make_meeting(by="officer")  # convened by town T1
    assert services.get_visible_meeting(users["city_officer"], meeting.id) == meeting
    assert services.get_visible_meeting(users["mediator"], meeting.id) == meeting
    with pytest.raises(NotFound):
        services.get_visible_meeting(users["other_officer"], meeting.id)
    with pytest.raises(NotFound):
        services.get_visible_meeting(users["other_mediator"], meeting.id)
    with pytest.raises(PermissionDenied):
        services.add_action_item(
            users["mediator"], meeting.id,
            {"title": "x", "owner_body": "hrss", "due_on": days_ago(0)},
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.visible_meetings(users["advocate"])


def test_a_town_officer_cannot_convene_for_another_town_or_a_grassroots_union(users, orgs):
    base = {"kind": "joint", "title": "会议", "held_on": days_ago(1), "bodies": ["hrss"],
            "agenda": "议程"}  # fmt: skip
    for org in ("T2", "G1"):
        with pytest.raises(ValidationFailed) as refused:
            services.create_meeting(users["officer"], base | {"organization_id": orgs[org].id})
        assert list(refused.value.fields) == ["organization_id"]
    assert _count(Meeting) == 0


def test_the_minutes_print_on_a_sheet(client, users, make_meeting):
    meeting = make_meeting(minutes="会议决定：成立欠薪联合处置小组。")
    login(client, users["city_officer"])
    sheet = client.get(f"/meetings/{meeting.id}/print").get_data(as_text=True)
    assert 'class="sheet document"' in sheet and "成立欠薪联合处置小组" in sheet


def test_the_new_meeting_form_keeps_what_was_typed_when_refused(client, users):
    login(client, users["officer"])
    assert client.get("/meetings/new").status_code == 200
    response = client.post(
        "/meetings/new",
        data={"kind": "tripartite", "title": "三方协商会议", "held_on": days_ago(1),
              "agenda": "", "bodies": ["hrss", "employers"]},
    )  # fmt: skip
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="三方协商会议"' in html and 'value="employers" checked' in html
    assert _count(Meeting) == 0


def test_the_daily_job_queues_the_overdue_notices_under_its_lease(app, users, make_meeting):
    from mediation.meetings import jobs as meeting_jobs
    from mediation.warnings import jobs

    users["city_officer"].email = "city@union.example"
    db.session.commit()
    meeting = make_meeting()
    services.add_action_item(
        users["city_officer"], meeting.id,
        {"title": "督办", "owner_body": "hrss", "due_on": days_ago(1)},
    )  # fmt: skip
    jobs.bind_app(app)
    try:
        meeting_jobs.overdue_job()
        meeting_jobs.overdue_job()
    finally:
        jobs._app = None
    assert _count(Notification) == 1
