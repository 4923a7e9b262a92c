"""The advocates' team: assignment refused until the introductory training (a setting), the
form suggests by area and load, 90 days without a visit puts an advocate up for review, an
advocate sees only their own profile and training, the team's figures
(docs/worker-services.md "Advocates")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mediation.advocates import services
from mediation.advocates.models import TrainingSession
from mediation.cases import services as case_services
from mediation.cases.models import case_advocates
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from tests.conftest import login

INTRO = {"topic": "维权志愿者入门培训", "kind": "introductory", "held_on": "2026-10-10",
         "hours": "3.5", "trainer": "市总法律部 陈老师"}  # fmt: skip


@pytest.fixture
def required(app):
    app.config["ADVOCATE_TRAINING_REQUIRED"] = True
    yield
    app.config["ADVOCATE_TRAINING_REQUIRED"] = False


def test_an_untrained_advocate_is_refused_and_nothing_is_assigned(required, users, make_case):
    case = make_case()
    with pytest.raises(ValidationFailed) as exc:
        case_services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    assert "user_id" in exc.value.fields
    assert db.session.scalar(select(func.count()).select_from(case_advocates)) == 0


def test_after_the_introductory_training_the_assignment_goes_through(required, users, make_case):
    case = make_case()
    services.create_training(users["officer"], {**INTRO, "attendee_ids": [users["advocate"].id]})
    case = case_services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    assert users["advocate"] in case.advocates


def test_a_refresher_does_not_count_unless_the_setting_says_so(app, required, users, make_case):
    case = make_case()
    services.create_training(
        users["officer"], {**INTRO, "kind": "refresher", "attendee_ids": [users["advocate"].id]}
    )
    with pytest.raises(ValidationFailed):
        case_services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    app.config["ADVOCATE_TRAINING_KIND"] = "refresher"
    try:
        case_services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    finally:
        app.config["ADVOCATE_TRAINING_KIND"] = "introductory"


def test_a_paused_advocate_is_refused_even_when_trained(users, make_case):
    services.update_profile(users["officer"], users["advocate"].id, {"status": "paused"})
    with pytest.raises(ValidationFailed):
        case_services.assign_advocate(make_case().id, users["mediator"], users["advocate"].id)


def test_the_form_suggests_the_case_org_first_then_the_least_loaded(
    users, make_user, make_case, orgs
):
    busy = make_user("advocate", "T1", display_name="甲 忙碌")
    free = make_user("advocate", "T1", display_name="乙 空闲")
    local = make_user("advocate", "G1", display_name="丙 本厂")
    for _ in range(2):
        case_services.assign_advocate(make_case().id, users["mediator"], busy.id)
    case_services.assign_advocate(make_case().id, users["mediator"], local.id)
    order = [a.id for a in case_services.eligible_advocates(make_case())]
    assert order.index(local.id) == 0  # the case's own organization first
    assert order.index(free.id) < order.index(busy.id)
    info = services.assignment_info([busy.id, free.id])
    assert info[busy.id]["load"] == 2 and info[free.id]["load"] == 0


def test_the_assignment_form_shows_load_and_training(client, required, users, make_case, make_user):
    services.create_training(users["officer"], {**INTRO, "attendee_ids": [users["advocate"].id]})
    untrained = make_user("advocate", "T1")
    login(client, users["mediator"])
    page = client.get(f"/cases/{make_case().id}").get_data(as_text=True)
    assert f'value="{users["advocate"].id}" data-load="0" data-trained="yes"' in page
    assert f'value="{untrained.id}" data-load="0" data-trained="no"' in page


# --- review after 90 days without a visit -------------------------------------------------------


@pytest.mark.parametrize(
    ("last_visit", "recruited", "up"),
    [
        (date(2026, 9, 2), date(2025, 1, 1), False),  # 90 days before 1 December: not yet
        (date(2026, 9, 1), date(2025, 1, 1), True),  # 91 days
        (None, date(2026, 11, 1), False),  # a new recruit has 90 days for a first visit
        (None, date(2026, 8, 1), True),
        (date(2026, 8, 31), date(2025, 1, 1), True),  # 92 days
    ],
)
def test_up_for_review_after_ninety_days_without_a_visit(last_visit, recruited, up):
    assert services.up_for_review(last_visit, recruited, date(2026, 12, 1), 90) is up


def test_the_review_list_names_advocates_without_a_recent_visit(users, make_case):
    long_ago = local_date(utcnow()) - timedelta(days=200)
    services.update_profile(users["officer"], users["advocate"].id, {"recruited_on": str(long_ago)})
    assert [r["advocate"].id for r in services.review_list(users["officer"])] == [
        users["advocate"].id
    ]
    case = make_case()
    case_services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    case_services.add_note(case.id, users["advocate"], {"kind": "visit", "body": "走访企业"})
    assert services.review_list(users["officer"]) == []
    with pytest.raises(PermissionDenied):
        services.review_list(users["mediator"])


# --- who sees what --------------------------------------------------------------------------------


def test_an_advocate_sees_only_their_own_profile_and_training(client, users):
    session = services.create_training(
        users["officer"], {**INTRO, "attendee_ids": [users["advocate"].id]}
    )
    other = services.create_training(users["officer"], {**INTRO, "topic": "劳动合同法专题"})
    assert services.get_visible_advocate(users["advocate"], users["advocate"].id)
    with pytest.raises(NotFound):
        services.get_visible_advocate(users["advocate"], users["other_advocate"].id)
    with pytest.raises(NotFound):
        services.get_visible_training(users["advocate"], other.id)
    login(client, users["advocate"])
    assert client.get("/advocates").status_code == 302
    page = client.get(f"/advocates/{users['advocate'].id}").get_data(as_text=True)
    assert session.topic in page and "劳动合同法专题" not in page
    assert client.get(f"/advocates/{users['other_advocate'].id}").status_code == 404
    assert client.get("/advocates/review").status_code == 404


def test_a_bad_training_writes_nothing(users):
    with pytest.raises(ValidationFailed) as exc:
        services.create_training(
            users["officer"],
            {**INTRO, "hours": "0.3", "attendee_ids": [users["other_advocate"].id]},
        )
    assert "hours" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.create_training(users["officer"], {**INTRO, "hours": "1.25"})
    with pytest.raises(ValidationFailed) as exc:
        services.create_training(
            users["officer"], {**INTRO, "attendee_ids": [users["other_advocate"].id]}
        )
    assert "attendee_ids" in exc.value.fields
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0


def test_the_team_figures_count_advocates_visits_cases_and_hours(users, make_case):
    services.create_training(users["officer"], {**INTRO, "held_on": str(local_date(utcnow())),
                                                "attendee_ids": [users["advocate"].id]})  # fmt: skip
    case = make_case()
    case_services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    case_services.add_note(case.id, users["advocate"], {"kind": "visit", "body": "走访"})
    case_services.add_note(case.id, users["advocate"], {"kind": "note", "body": "记录"})
    today = local_date(utcnow())
    rows = services.figures_by_town(users["officer"], date(today.year, 1, 1), today)
    assert [
        (r["town"].code, r["advocates"], r["visits"], r["cases"], r["minutes"]) for r in rows
    ] == [("T1", 1, 1, 1, 210)]


def test_api_lists_the_team_and_records_training(api, users):
    made = api.post("/trainings", as_=users["officer"],
                    json={**INTRO, "attendee_ids": [users["advocate"].id]})  # fmt: skip
    assert made.status_code == 201 and made.get_json()["hours"] == 3.5
    bad = api.post("/trainings", as_=users["officer"], json={**INTRO, "kind": "casual"})
    assert bad.status_code == 422 and "kind" in bad.get_json()["error"]["fields"]
    team = api.get("/advocates", as_=users["officer"]).get_json()["items"]
    assert [(a["id"], a["trained"]) for a in team] == [(users["advocate"].id, True)]
    me = api.get("/advocates", as_=users["advocate"]).get_json()["items"]
    assert [a["id"] for a in me] == [users["advocate"].id]
    patched = api.patch(f"/advocates/{users['advocate'].id}", as_=users["officer"],
                        json={"specialties": "欠薪, 工伤", "status": "active"})  # fmt: skip
    assert patched.status_code == 200 and patched.get_json()["specialties"] == "欠薪, 工伤"
