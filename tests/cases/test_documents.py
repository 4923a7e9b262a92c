"""Printable mediation agreement and referral letter: content from the case, access, state."""

from __future__ import annotations

import pytest

from mediation.cases import services
from tests.conftest import login, trigger_payload
from tests.html import dom

AGREEMENT = "/cases/{}/documents/agreement"
REFERRAL = "/cases/{}/documents/referral"


def field(doc, name):
    return doc.find(**{"data-field": name})


def fire(case, trigger, users):
    return services.fire_trigger(
        case.id, trigger, users["officer"], trigger_payload(trigger, users)
    )


@pytest.fixture
def agreed(make_case, drive, make_enterprise):
    enterprise = make_enterprise(
        name="江川精密五金有限公司", address="江川市东城街道5号", legal_representative="许卫国"
    )
    return drive(make_case(enterprise_id=enterprise.id, claim_amount="96000.00"), "agreement")


def test_agreement_shows_parties_terms_and_amount_in_capitals(client, users, agreed):
    login(client, users["mediator"])
    response = client.get(AGREEMENT.format(agreed.id))
    assert response.status_code == 200
    page = dom(response)
    # the print styles are a static file (the Content-Security-Policy refuses inline ones)
    sheet = page.find("link", rel="stylesheet")
    assert sheet is not None and sheet.attrs["href"].endswith("/document.css")
    css = client.get(sheet.attrs["href"]).get_data(as_text=True)
    assert "@page" in css and "A4" in css and "@media print" in css
    assert page.find("header", cls="topbar") is None  # no navigation chrome
    assert page.find("nav") is None
    assert page.find(id="print-button") is not None
    assert page.find(id="document-toolbar") is not None
    doc = page.find(id="agreement-document")
    assert doc.attrs["data-case-number"] == agreed.number
    fields = {n.attrs["data-field"]: n for n in doc.find_all() if "data-field" in n.attrs}
    assert fields["worker_name"].text.startswith("王建国")
    assert fields["worker_id_number"].text == agreed.worker_id_number
    assert fields["enterprise_name"].text == "江川精密五金有限公司"
    assert fields["legal_representative"].text == "许卫国"
    assert fields["organization"].text == agreed.handling_org.name
    assert fields["mediator"].text == users["mediator"].display_name
    assert fields["terms"].text == "单位于期限内一次性支付"
    assert fields["agreement_amount"].attrs["data-fen"] == "9000000"
    assert "¥90,000.00" in fields["agreement_amount"].text
    assert "玖万元整" in fields["agreement_amount"].text
    assert "玖万陆仟元整" in fields["claim_amount"].text
    assert fields["agreement_due_on"].attrs["data-date"] == agreed.agreement_due_on.isoformat()
    assert doc.find(id="signatures") is not None
    assert "江川市东城街道5号" in doc.text


def test_agreement_stays_printable_once_performed(client, users, agreed):
    fire(agreed, "confirm_performance", users)
    login(client, users["officer"])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 200
    assert client.get(REFERRAL.format(agreed.id)).status_code == 409


def test_defaulted_agreement_and_its_referral(client, users, agreed):
    fire(agreed, "report_default", users)
    login(client, users["admin"])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 200
    assert client.get(REFERRAL.format(agreed.id)).status_code == 409  # failed, not yet referred
    fire(agreed, "refer", users)
    response = client.get(REFERRAL.format(agreed.id))
    assert response.status_code == 200
    doc = dom(response).find(id="referral-document")
    outcome = field(doc, "outcome")
    assert outcome.attrs["data-defaulted"] == "yes"
    assert "到期未付" in outcome.text


def test_referral_letter_of_a_failed_mediation(client, users, make_case, drive):
    case = drive(make_case(), "referred")
    login(client, users["mediator"])
    response = client.get(REFERRAL.format(case.id))
    assert response.status_code == 200
    page = dom(response)
    assert page.find(id="print-button") is not None and page.find("nav") is None
    doc = page.find(id="referral-document")
    assert doc.attrs["data-case-number"] == case.number
    assert field(doc, "referral_target").attrs["data-target"] == "arbitration"
    assert field(doc, "referral_reference").text == "江劳人仲〔2026〕1号"
    assert field(doc, "outcome").attrs["data-defaulted"] == "no"
    assert "双方分歧过大" in field(doc, "outcome").text
    assert "玖万陆仟元整" in field(doc, "claim_amount").text
    assert client.get(AGREEMENT.format(case.id)).status_code == 409
    # closed by the ruling: the letter is still there
    fire(case, "record_ruling", users)
    assert client.get(REFERRAL.format(case.id)).status_code == 200


@pytest.mark.parametrize("state", ["reported", "accepted", "mediating", "failed"])
def test_no_document_before_there_is_one(client, users, make_case, drive, state):
    case = drive(make_case(), state)
    login(client, users["mediator"])
    for url in (AGREEMENT, REFERRAL):
        response = client.get(url.format(case.id))
        assert response.status_code == 409
        assert dom(response).find("h1") is not None  # the error page


def test_rejected_case_has_no_documents(client, users, make_case, drive):
    case = drive(make_case(), "closed")
    login(client, users["mediator"])
    assert client.get(AGREEMENT.format(case.id)).status_code == 409
    assert client.get(REFERRAL.format(case.id)).status_code == 409


def test_reopened_case_no_longer_prints_its_old_agreement(client, users, agreed):
    fire(agreed, "confirm_performance", users)
    fire(agreed, "reopen", users)
    login(client, users["mediator"])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 409


def test_advocates_may_not_print_even_their_own_cases(client, users, agreed):
    services.assign_advocate(agreed.id, users["mediator"], users["advocate"].id)
    login(client, users["advocate"])
    assert client.get(f"/cases/{agreed.id}").status_code == 200
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 403
    assert client.get(REFERRAL.format(agreed.id)).status_code == 403


@pytest.mark.parametrize("who", ["other_mediator", "other_officer"])
def test_out_of_scope_documents_are_not_found(client, users, agreed, who):
    login(client, users[who])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 404
    assert client.get(REFERRAL.format(agreed.id)).status_code == 404
    assert client.get(AGREEMENT.format(2**31 - 1)).status_code == 404


@pytest.mark.parametrize("who", ["g1_mediator", "city_officer"])
def test_in_scope_staff_may_print(client, users, agreed, who):
    login(client, users[who])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 200


def test_anonymous_is_sent_to_login(client, agreed):
    response = client.get(AGREEMENT.format(agreed.id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_case_page_links_the_documents_that_exist(client, users, agreed, make_case, drive):
    login(client, users["mediator"])
    page = dom(client.get(f"/cases/{agreed.id}"))
    link = page.find(id="document-agreement")
    assert link.attrs["href"] == AGREEMENT.format(agreed.id)
    assert page.find(id="document-referral") is None

    referred = drive(make_case(), "referred")
    page = dom(client.get(f"/cases/{referred.id}"))
    assert page.find(id="document-referral").attrs["href"] == REFERRAL.format(referred.id)
    assert page.find(id="document-agreement") is None

    fresh = make_case()
    page = dom(client.get(f"/cases/{fresh.id}"))
    assert page.find(id="document-agreement") is None and page.find(id="document-referral") is None


def test_advocates_case_page_has_no_document_links(client, users, agreed):
    services.assign_advocate(agreed.id, users["mediator"], users["advocate"].id)
    login(client, users["advocate"])
    assert dom(client.get(f"/cases/{agreed.id}")).find(id="document-agreement") is None
