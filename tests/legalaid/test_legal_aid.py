"""Legal-aid referrals: from a failed or referred case only, shown on the case page, progress
recorded on the timeline, counted in the statistics (docs/worker-services.md "Legal aid")."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mediation.cases.enums import EventKind
from mediation.cases.models import CaseEvent
from mediation.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from mediation.legalaid import services
from mediation.legalaid.models import LegalAidReferral
from tests.conftest import login

REFERRAL = {"referred_on": "2026-11-02", "provider": "union_centre",
            "provider_name": "江川市总工会法律援助中心", "stage": "arbitration", "workers": 12}  # fmt: skip


@pytest.fixture
def failed(make_case, drive):
    return drive(make_case(), "failed")


def test_a_failed_case_is_referred_and_its_timeline_says_so(users, failed):
    referral = services.refer(users["mediator"], failed.id, REFERRAL)
    assert referral.eligible is True and referral.accepted is None
    note = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == failed.id).order_by(CaseEvent.seq.desc())
    ).first()
    assert note.kind == EventKind.note and note.data == {"legal_aid": referral.id}
    assert "法律援助" in note.body


def test_a_case_still_in_mediation_is_not_referred(users, make_case):
    case = make_case()
    with pytest.raises(Conflict):
        services.refer(users["mediator"], case.id, REFERRAL)


def test_advocates_may_not_refer_and_other_towns_do_not_see_the_case(users, failed):
    with pytest.raises(NotFound):
        services.refer(users["other_mediator"], failed.id, REFERRAL)
    from mediation.cases import services as case_services

    case_services.assign_advocate(failed.id, users["mediator"], users["advocate"].id)
    with pytest.raises(PermissionDenied):
        services.refer(users["advocate"], failed.id, REFERRAL)


def test_a_bad_referral_writes_nothing(users, failed):
    with pytest.raises(ValidationFailed) as exc:
        services.refer(
            users["mediator"], failed.id, {**REFERRAL, "provider": "notary", "workers": 0}
        )
    assert set(exc.value.fields) == {"provider", "workers"}
    assert db.session.scalar(select(func.count()).select_from(LegalAidReferral)) == 0


def test_progress_and_statistics_count_cases_workers_and_amounts(users, failed, make_case, drive):
    first = services.refer(users["mediator"], failed.id, REFERRAL)
    services.refer(users["mediator"], failed.id, {**REFERRAL, "provider": "lawyer", "workers": 1,
                                                  "stage": "first_instance"})  # fmt: skip
    other = drive(make_case(), "failed")
    services.refer(users["officer"], other.id, {**REFERRAL, "workers": 3})
    services.update_referral(
        users["mediator"], first.id,
        {"accepted": True, "lawyer": "陈律师", "stage": "enforcement", "result": "won",
         "amount_recovered": "45000.00"},
    )  # fmt: skip
    stats = services.statistics(users["officer"])
    assert stats == {"cases": 2, "workers": 16, "amount_recovered_fen": 4_500_000,
                     "referrals": 3, "accepted": 1}  # fmt: skip
    assert services.statistics(users["other_officer"])["cases"] == 0


def test_the_case_page_shows_the_referral_and_the_form_refers(client, users, failed):
    login(client, users["mediator"])
    page = client.get(f"/cases/{failed.id}").get_data(as_text=True)
    assert 'id="legal-aid-form"' in page
    response = client.post(
        f"/cases/{failed.id}/legal-aid",
        data={"referred_on": "2026-11-02", "provider": "justice_centre", "eligible": "yes",
              "stage": "arbitration", "workers": "2"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/cases/{failed.id}").get_data(as_text=True)
    assert "data-referral-id" in page


def test_a_bad_referral_form_comes_back_with_messages(client, users, failed):
    login(client, users["mediator"])
    response = client.post(
        f"/cases/{failed.id}/legal-aid",
        data={"referred_on": "not a date", "provider": "union_centre", "workers": "2",
              "provider_name": "江川市总工会法律援助中心"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "江川市总工会法律援助中心" in response.get_data(as_text=True)


def test_api_refers_and_answers_422_with_field_messages(api, users, failed):
    bad = api.post(f"/cases/{failed.id}/legal-aid", as_=users["mediator"],
                   json={**REFERRAL, "stage": "supreme"})  # fmt: skip
    assert bad.status_code == 422 and "stage" in bad.get_json()["error"]["fields"]
    made = api.post(f"/cases/{failed.id}/legal-aid", as_=users["mediator"], json=REFERRAL)
    assert made.status_code == 201
    body = made.get_json()
    assert body["provider"] == "union_centre" and body["amount_recovered"] == "0.00"
    patched = api.patch(f"/legal-aid/{body['id']}", as_=users["officer"],
                        json={"result": "settled", "amount_recovered": "1200.50"})  # fmt: skip
    assert patched.status_code == 200 and patched.get_json()["amount_recovered"] == "1200.50"
    listed = api.get(f"/cases/{failed.id}/legal-aid", as_=users["mediator"]).get_json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]


def test_the_legal_aid_page_shows_the_figures(client, users, failed):
    services.refer(users["mediator"], failed.id, REFERRAL)
    login(client, users["officer"])
    page = client.get("/legal-aid?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert 'data-cases="1"' in page and 'data-workers="12"' in page
