"""Referrals between unions: an employer of another area is named at intake, the report is
handed to that area's union, which accepts or declines it (docs/referrals.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mediation.cases import referrals, services
from mediation.cases.enums import EventKind
from mediation.cases.models import CaseEvent, CaseReferral, ReferralStatus
from mediation.core.errors import NotFound, PermissionDenied, ValidationFailed
from mediation.extensions import db
from tests.conftest import login, valid_credit_code
from tests.helpers import reload


@pytest.fixture
def elsewhere(make_enterprise):
    """An employer registered under grassroots G2, in town T2's area."""
    return make_enterprise("G2", credit_code=valid_credit_code())


def intake(case_payload, elsewhere, **extra) -> dict:
    payload = case_payload(org="T1", **extra)
    payload.pop("enterprise_id")
    payload["enterprise"] = {"name": "另一个名字", "credit_code": elsewhere.credit_code}
    return payload


def test_intake_names_the_area_and_offers_the_referral(users, case_payload, elsewhere):
    with pytest.raises(ValidationFailed) as refused:
        services.create_case(users["officer"], intake(case_payload, elsewhere))
    [message] = refused.value.fields["enterprise.credit_code"]
    assert "二镇工会" in str(message)
    assert db.session.scalar(select(CaseReferral)) is None


def test_a_referred_report_is_registered_and_pending_for_both(users, orgs, case_payload, elsewhere):
    case = services.create_case(
        users["officer"],
        intake(case_payload, elsewhere, refer_to_area=True, referral_note="请接办"),
    )
    case = reload(case)
    assert (case.handling_org_id, case.enterprise_id) == (orgs["T1"].id, elsewhere.id)
    [ref] = db.session.scalars(select(CaseReferral)).all()
    assert (ref.from_org_id, ref.to_org_id, ref.status, ref.note) == (
        orgs["T1"].id, orgs["T2"].id, ReferralStatus.pending, "请接办",
    )  # fmt: skip
    for who in ("officer", "other_officer", "admin", "city_officer"):
        assert [r.id for r in db.session.scalars(referrals.visible_referrals(users[who]))] == [
            ref.id
        ]
    assert list(db.session.scalars(referrals.visible_referrals(users["advocate"]))) == []
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert any(e.data.get("referral") == "sent" and "二镇工会" in e.body for e in events)


def test_the_receiving_union_accepts_and_the_case_moves(users, orgs, case_payload, elsewhere):
    case = services.create_case(
        users["officer"], intake(case_payload, elsewhere, refer_to_area=True)
    )
    ref = db.session.scalar(select(CaseReferral))
    with pytest.raises(PermissionDenied):  # the sender cannot answer its own referral
        referrals.decide_referral(ref.id, users["officer"], {"decision": "accept"})
    with pytest.raises(NotFound):
        referrals.decide_referral(ref.id, users["advocate"], {"decision": "accept"})
    with pytest.raises(ValidationFailed):
        referrals.decide_referral(ref.id, users["other_officer"], {"decision": "maybe"})
    referrals.decide_referral(
        ref.id, users["other_officer"], {"decision": "accept", "note": "已接收"}
    )
    case = reload(case)
    assert case.handling_org_id == orgs["T2"].id
    ref = db.session.get(CaseReferral, ref.id)
    assert (ref.status, ref.decided_by_id) == (ReferralStatus.accepted, users["other_officer"].id)
    [ev] = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.assignment)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).all()
    assert ev.data["referral"] == "accepted" and "已接收" in ev.body
    # the case is now the receiving union's
    services.add_note(case.id, users["other_officer"], {"kind": "note", "body": "接办"})


def test_a_declined_referral_leaves_the_case(users, orgs, case_payload, elsewhere):
    case = services.create_case(
        users["officer"], intake(case_payload, elsewhere, refer_to_area=True)
    )
    ref = db.session.scalar(select(CaseReferral))
    referrals.decide_referral(
        ref.id, users["other_officer"], {"decision": "decline", "note": "非本辖区"}
    )
    assert reload(case).handling_org_id == orgs["T1"].id
    assert db.session.get(CaseReferral, ref.id).status == ReferralStatus.declined


def test_pages_and_api(client, users, orgs, case_payload, elsewhere):
    case = services.create_case(
        users["officer"],
        intake(case_payload, elsewhere, refer_to_area=True, referral_note="请接办"),
    )
    ref = db.session.scalar(select(CaseReferral))
    login(client, users["officer"])
    page = client.get("/referrals").get_data(as_text=True)
    assert case.number in page and "请接办" in page and "decision" not in page
    assert [r["id"] for r in client.get("/api/v1/referrals").json["items"]] == [ref.id]
    client.post("/logout")
    login(client, users["other_officer"])
    page = client.get("/referrals").get_data(as_text=True)
    assert f'action="/referrals/{ref.id}/decision"' in page
    bad = client.post(f"/referrals/{ref.id}/decision", data={"decision": "maybe"})
    assert bad.status_code == 303 and bad.location.endswith(f"/referrals#referral-{ref.id}")
    answer = client.post(f"/api/v1/referrals/{ref.id}/decision", json={"decision": "accept"})
    assert answer.status_code == 200 and answer.json["status"] == "accepted"
    assert reload(case).handling_org_id == orgs["T2"].id
    again = client.post(f"/api/v1/referrals/{ref.id}/decision", json={"decision": "decline"})
    assert again.status_code == 409
    client.post("/logout")
    login(client, users["advocate"])
    assert client.get("/referrals").status_code == 404
    assert client.get("/api/v1/referrals").status_code == 403


def test_the_intake_form_names_the_area_and_offers_the_referral(
    client, users, case_payload, elsewhere
):
    login(client, users["officer"])
    form = {k: v for k, v in intake(case_payload, elsewhere).items() if k != "enterprise"}
    form |= {"enterprise.name": "另一个名字", "enterprise.credit_code": elsewhere.credit_code}
    first = client.post("/cases/new", data=form)
    assert first.status_code == 422
    html = first.get_data(as_text=True)
    assert 'id="refer-to-area"' in html and "二镇工会" in html
    second = client.post("/cases/new", data=form | {"refer_to_area": "true", "referral_note": "转"})
    assert second.status_code in (302, 303)
    assert db.session.scalar(select(CaseReferral)).note == "转"
