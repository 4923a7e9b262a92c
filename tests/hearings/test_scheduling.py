"""Scheduling a hearing: a time that overlaps another at the same point is refused, on the
service, the case page's form and the API, and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mediation.cases.models import CaseEvent
from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from mediation.hearings import services
from mediation.hearings.models import Hearing
from tests.conftest import login
from tests.hearings.conftest import hearing_payload, local_moment, local_text


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_overlapping_hearing_at_the_point_is_refused_and_nothing_is_written(
    users, make_case, make_point
):
    point, other_point = make_point(), make_point(name="一镇第二法庭")
    first, second = make_case(), make_case()
    nine = local_moment(3, 9)
    services.schedule_hearing(users["mediator"], first.id, hearing_payload(point, nine))
    events = _count(CaseEvent)

    with pytest.raises(ValidationFailed) as refused:
        services.schedule_hearing(
            users["mediator"], second.id, hearing_payload(point, nine + timedelta(hours=1))
        )
    assert list(refused.value.fields) == ["starts_at"]
    assert "choose another time" in str(refused.value.fields["starts_at"][0])
    assert _count(Hearing) == 1 and _count(CaseEvent) == events

    # touching end to start is no clash; nor the same time at another point
    services.schedule_hearing(
        users["mediator"], second.id, hearing_payload(point, nine + timedelta(hours=2))
    )
    services.schedule_hearing(users["mediator"], second.id, hearing_payload(other_point, nine))
    assert _count(Hearing) == 3


def test_a_cancelled_hearing_frees_its_time(users, make_case, make_point):
    point, case = make_point(), make_case()
    nine = local_moment(3, 9)
    hearing = services.schedule_hearing(users["mediator"], case.id, hearing_payload(point, nine))
    services.cancel_hearing(users["mediator"], hearing.id)
    services.schedule_hearing(users["mediator"], case.id, hearing_payload(point, nine))


def test_a_time_in_the_past_and_a_point_of_another_area_are_refused(users, make_case, make_point):
    case = make_case()
    with pytest.raises(ValidationFailed) as past:
        services.schedule_hearing(
            users["mediator"], case.id, hearing_payload(make_point(), local_moment(-1, 9))
        )
    assert list(past.value.fields) == ["starts_at"]
    with pytest.raises(ValidationFailed) as elsewhere:
        services.schedule_hearing(
            users["mediator"], case.id, hearing_payload(make_point("T2"), local_moment(2, 9))
        )
    assert list(elsewhere.value.fields) == ["point_id"]


def test_the_case_page_offers_the_form_and_a_clash_comes_back_with_what_was_typed(
    client, users, make_case, make_point
):
    point, first, second = make_point(), make_case(), make_case()
    nine = local_moment(3, 9)
    services.schedule_hearing(users["mediator"], first.id, hearing_payload(point, nine))
    login(client, users["mediator"])
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert 'id="hearing-form"' in page

    typed = local_text(nine + timedelta(minutes=30))
    response = client.post(
        f"/cases/{second.id}/hearings",
        data={"point_id": str(point.id), "kind": "trial", "starts_at": typed,
              "duration_minutes": "60"},
    )  # fmt: skip
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'value="{typed}"' in html and "field-error" in html
    assert _count(Hearing) == 1

    ok = client.post(
        f"/cases/{second.id}/hearings",
        data={"point_id": str(point.id), "kind": "trial",
              "starts_at": local_text(nine + timedelta(hours=3)), "duration_minutes": "60"},
    )  # fmt: skip
    assert ok.status_code == 302
    assert "hearing-list" in client.get(f"/cases/{second.id}").get_data(as_text=True)


def test_the_api_refuses_a_clash_with_a_field_message(api, users, make_case, make_point):
    point, first, second = make_point(), make_case(), make_case()
    nine = local_moment(3, 9)
    body = hearing_payload(point, nine) | {"case_id": first.id}
    assert api.post("/hearings", as_=users["mediator"], json=body).status_code == 201
    clash = api.post("/hearings", as_=users["mediator"], json=body | {"case_id": second.id})
    assert clash.status_code == 422
    assert list(clash.get_json()["error"]["fields"]) == ["starts_at"]
    assert _count(Hearing) == 1


def test_an_advocate_sees_the_hearings_of_their_cases_only(api, users, make_case, make_point):
    from mediation.cases import services as case_services

    point, theirs, other = make_point(), make_case(), make_case()
    case_services.assign_advocate(theirs.id, users["mediator"], users["advocate"].id)
    for n, case in enumerate((theirs, other)):
        services.schedule_hearing(
            users["mediator"], case.id, hearing_payload(point, local_moment(3, 9 + 3 * n))
        )
    listed = api.get("/hearings", as_=users["advocate"]).get_json()["items"]
    assert [h["case_id"] for h in listed] == [theirs.id]
    assert api.get("/hearing-points", as_=users["advocate"]).status_code == 403
