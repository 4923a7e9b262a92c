"""Printable mediation agreement, notice to the parties and referral letter: content from the
case, access, state."""

from __future__ import annotations

import pytest

from mediation.cases import services
from mediation.core.identifiers import mask_id_number
from tests.conftest import future_date, login, trigger_payload
from tests.html import dom

AGREEMENT = "/cases/{}/documents/agreement"
NOTICE = "/cases/{}/documents/notice"
REFERRAL = "/cases/{}/documents/referral"
INSPECTION = {"referral_target": "labor_inspection", "referral_reference": "江劳监〔2026〕3号"}


def field(doc, name):
    return doc.find(**{"data-field": name})


def fire(case, trigger, users, **payload):
    return services.fire_trigger(
        case.id, trigger, users["officer"], trigger_payload(trigger, users) | payload
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
    assert fields["organization"].text == agreed.handling_org.mediation_committee
    assert fields["mediator"].text == users["mediator"].display_name
    assert fields["terms"].text == "单位于期限内一次性支付"
    assert fields["agreement_amount"].attrs["data-fen"] == "9000000"
    assert "¥90,000.00" in fields["agreement_amount"].text
    assert "玖万元整" in fields["agreement_amount"].text
    assert "玖万陆仟元整" in fields["claim_amount"].text
    assert fields["agreement_due_on"].attrs["data-date"] == agreed.agreement_due_on.isoformat()
    assert doc.find(id="signatures") is not None
    assert "江川市东城街道5号" in doc.text


def test_agreement_lists_its_instalments(client, users, make_case, drive):
    case = drive(make_case(), "mediating")
    first, last = future_date(10), future_date(40)
    services.fire_trigger(case.id, "record_agreement", users["officer"], {
        "terms": "分两期支付", "agreement_amount": "90000",
        "instalments": [{"due_on": first, "amount": "30000"}, {"due_on": last, "amount": "60000"}],
    })  # fmt: skip
    login(client, users["mediator"])
    doc = dom(client.get(AGREEMENT.format(case.id))).find(id="agreement-document")
    items = field(doc, "instalments").find_all("li")
    assert [(li.attrs["data-date"], li.attrs["data-fen"]) for li in items] == [
        (first, "3000000"),
        (last, "6000000"),
    ]
    assert "叁万元整" in items[0].text and "陆万元整" in items[1].text
    assert field(doc, "agreement_due_on").attrs["data-date"] == last


def test_agreement_stays_printable_once_performed(client, users, agreed):
    fire(agreed, "confirm_performance", users)
    login(client, users["officer"])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 200
    assert client.get(REFERRAL.format(agreed.id)).status_code == 404


def test_defaulted_agreement_and_its_referral(client, users, agreed):
    fire(agreed, "report_default", users)
    login(client, users["admin"])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 200
    assert client.get(REFERRAL.format(agreed.id)).status_code == 404  # failed, not yet referred
    fire(agreed, "refer", users, **INSPECTION)
    response = client.get(REFERRAL.format(agreed.id))
    assert response.status_code == 200
    doc = dom(response).find(id="referral-document")
    outcome = field(doc, "outcome")
    assert outcome.attrs["data-defaulted"] == "yes"
    assert "单位明确表示拒绝支付" in outcome.text


def test_referral_letter_of_a_failed_mediation(client, users, make_case, drive):
    case = drive(make_case(), "failed")
    fire(case, "refer", users, **INSPECTION)
    login(client, users["mediator"])
    response = client.get(REFERRAL.format(case.id))
    assert response.status_code == 200
    page = dom(response)
    assert page.find(id="print-button") is not None and page.find("nav") is None
    doc = page.find(id="referral-document")
    assert doc.attrs["data-case-number"] == case.number
    assert field(doc, "referral_target").attrs["data-target"] == "labor_inspection"
    assert field(doc, "referral_reference").text == "江劳监〔2026〕3号"
    assert field(doc, "transfer").attrs["data-linkage"] == "no"
    assert field(doc, "outcome").attrs["data-defaulted"] == "no"
    assert "双方分歧过大" in field(doc, "outcome").text
    assert "肆万捌仟元整" in field(doc, "claim_amount").text
    assert client.get(AGREEMENT.format(case.id)).status_code == 404
    # closed by the ruling: the letter is still there
    fire(case, "record_ruling", users)
    assert client.get(REFERRAL.format(case.id)).status_code == 200


# --- the end of mediation: the notice to the parties (LDMAL arts. 14-16, 27-28) -----------------


def test_notice_of_mediation_failure_in_chinese(client, users, make_case, drive):
    """The official copy is Chinese whatever the reader's language; it names the parties, the
    case and the reason, and tells them to apply for arbitration themselves."""
    case = drive(make_case(), "failed")
    login(client, users["mediator"])
    response = client.get(NOTICE.format(case.id), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = dom(response)
    assert page.find("html").attrs["lang"] == "zh-CN"
    assert page.find("nav") is None and page.find(id="print-button") is not None
    doc = page.find(id="notice-document")
    assert doc.attrs["data-case-number"] == case.number
    addressees = field(doc, "addressees").text
    assert "王建国" in addressees and case.enterprise.name in addressees
    assert "劳动报酬" in field(doc, "case").text  # the category's word, in Chinese
    ending = field(doc, "ending")
    assert ending.attrs["data-kind"] == "failed" and "双方分歧过大" in ending.text
    for name in ("arbitration-advice", "own-application", "remuneration-limitation"):
        assert field(doc, name) is not None, name
    assert field(doc, "payment-order") is None  # no agreement to enforce
    assert case.worker_id_number not in response.get_data(as_text=True)
    assert page.find(id="document-language").attrs["href"] == "?lang=en"


def test_notice_in_english_gives_the_arbitration_advice(client, users, make_case, drive):
    case = drive(make_case(), "failed")
    login(client, users["officer"])
    response = client.get(NOTICE.format(case.id) + "?lang=en")
    assert response.status_code == 200
    page = dom(response)
    assert page.find("html").attrs["lang"] == "en"
    doc = page.find(id="notice-document")
    assert doc.find("h1").text.strip() == "Notice of mediation failure"
    assert "mediation failed" in field(doc, "ending").text
    advice = field(doc, "arbitration-advice").text
    assert "art. 14" in advice and "art. 27" in advice and "one year" in advice
    assert "arbitration commission" in advice
    own = field(doc, "own-application").text
    assert "own written application" in own and "art. 28" in own
    assert page.find(id="document-language").attrs["href"] == "?lang=zh_Hans_CN"


def test_notice_of_termination_after_a_withdrawal_in_mediation(client, users, make_case, drive):
    case = drive(make_case(kind="dispute", category="dismissal"), "mediating")
    fire(case, "withdraw", users)
    login(client, users["mediator"])
    response = client.get(NOTICE.format(case.id) + "?lang=en")
    assert response.status_code == 200
    doc = dom(response).find(id="notice-document")
    assert doc.find("h1").text.strip() == "Notice of termination of mediation"
    assert field(doc, "ending").attrs["data-kind"] == "ended"
    assert "申请人撤回" in field(doc, "ending").text
    assert field(doc, "remuneration-limitation") is None  # a dismissal dispute


def test_no_notice_for_a_withdrawal_before_mediation(client, users, make_case, drive):
    case = drive(make_case(), "reported")
    fire(case, "withdraw", users)
    login(client, users["mediator"])
    assert client.get(NOTICE.format(case.id)).status_code == 404
    assert dom(client.get(f"/cases/{case.id}")).find(id="document-notice") is None


def test_notice_of_non_performance_names_the_payment_order(client, users, agreed):
    fire(agreed, "record_payment", users)
    fire(agreed, "report_default", users)
    login(client, users["mediator"])
    response = client.get(NOTICE.format(agreed.id) + "?lang=en")
    assert response.status_code == 200
    doc = dom(response).find(id="notice-document")
    ending = field(doc, "ending")
    assert ending.attrs["data-kind"] == "defaulted"
    assert "¥30,000.00" in ending.text and "¥90,000.00" in ending.text
    assert "art. 15" in field(doc, "arbitration-advice").text
    assert "payment order" in field(doc, "payment-order").text


def test_the_notice_stays_after_referral_and_goes_with_a_reopening(client, users, make_case, drive):
    case = drive(make_case(), "referred")
    login(client, users["officer"])
    assert client.get(NOTICE.format(case.id)).status_code == 200
    fire(case, "record_ruling", users)
    assert client.get(NOTICE.format(case.id)).status_code == 200
    fire(case, "reopen", users)
    assert client.get(NOTICE.format(case.id)).status_code == 404


@pytest.mark.parametrize("who", ["other_mediator", "other_officer"])
def test_notice_out_of_scope_is_not_found(client, users, make_case, drive, who):
    case = drive(make_case(), "failed")
    login(client, users[who])
    assert client.get(NOTICE.format(case.id)).status_code == 404
    assert client.get(NOTICE.format(case.id) + "?lang=en").status_code == 404


def test_advocates_may_not_print_the_notice(client, users, make_case, drive):
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    case = drive(case, "failed")
    login(client, users["advocate"])
    assert client.get(NOTICE.format(case.id)).status_code == 403
    page = dom(client.get(f"/cases/{case.id}"))
    assert page.find(id="document-notice") is None
    assert page.find(id="worker-id-number").text == mask_id_number(case.worker_id_number)


# --- arbitration referrals: no letter unless a mediation-arbitration linkage exists --------------


def test_arbitration_referral_has_no_letter_without_the_linkage(app, client, users, make_case,
                                                                drive):  # fmt: skip
    assert app.config["MEDIATION_ARBITRATION_LINKAGE"] is False  # the default
    case = drive(make_case(), "referred")  # to arbitration
    login(client, users["mediator"])
    assert client.get(REFERRAL.format(case.id)).status_code == 404
    page = dom(client.get(f"/cases/{case.id}"))
    assert page.find(id="document-referral") is None
    assert page.find(id="document-notice").attrs["href"] == NOTICE.format(case.id)


def test_transfer_letter_only_with_the_linkage_setting(app, client, users, make_case, drive):
    app.config["MEDIATION_ARBITRATION_LINKAGE"] = True
    case = drive(make_case(), "referred")
    login(client, users["mediator"])
    response = client.get(REFERRAL.format(case.id) + "?lang=en")
    assert response.status_code == 200
    doc = dom(response).find(id="referral-document")
    assert doc.find("h1").text.strip() == "Transfer letter"
    transfer = field(doc, "transfer")
    assert transfer.attrs["data-linkage"] == "yes"
    assert "linkage" in transfer.text and "applied in writing" in transfer.text
    assert "written application for arbitration" in field(doc, "enclosed").text
    page = dom(client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}))
    assert page.find(id="document-referral").text == "Print transfer letter"
    assert page.find(id="document-notice") is not None  # the parties still get their notice


@pytest.mark.parametrize("state", ["reported", "accepted", "mediating", "failed"])
def test_no_document_before_there_is_one(client, users, make_case, drive, state):
    case = drive(make_case(), state)
    login(client, users["mediator"])
    for url in (AGREEMENT, REFERRAL):
        response = client.get(url.format(case.id))
        assert response.status_code == 404
        assert dom(response).find("h1") is not None  # the error page


def test_rejected_case_has_no_documents(client, users, make_case, drive):
    case = drive(make_case(), "closed")
    login(client, users["mediator"])
    assert client.get(AGREEMENT.format(case.id)).status_code == 404
    assert client.get(NOTICE.format(case.id)).status_code == 404
    assert client.get(REFERRAL.format(case.id)).status_code == 404


def test_reopened_case_no_longer_prints_its_old_agreement(client, users, agreed):
    fire(agreed, "confirm_performance", users)
    fire(agreed, "reopen", users)
    login(client, users["mediator"])
    assert client.get(AGREEMENT.format(agreed.id)).status_code == 404


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

    referred = drive(make_case(), "failed")
    fire(referred, "refer", users, **INSPECTION)
    page = dom(client.get(f"/cases/{referred.id}"))
    assert page.find(id="document-referral").attrs["href"] == REFERRAL.format(referred.id)
    assert page.find(id="document-notice").attrs["href"] == NOTICE.format(referred.id)
    assert page.find(id="document-agreement") is None

    fresh = make_case()
    page = dom(client.get(f"/cases/{fresh.id}"))
    assert page.find(id="document-agreement") is None and page.find(id="document-referral") is None


def test_advocates_case_page_has_no_document_links(client, users, agreed):
    services.assign_advocate(agreed.id, users["mediator"], users["advocate"].id)
    login(client, users["advocate"])
    assert dom(client.get(f"/cases/{agreed.id}")).find(id="document-agreement") is None


@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_letters_write_dates_out_in_words(client, users, make_case, drive, lang):
    """Prose dates read as a letter writes them: 2026年12月3日 / December 3, 2026, never ISO."""
    import re

    case = drive(make_case(), "failed")
    login(client, users["mediator"])
    doc = dom(client.get(NOTICE.format(case.id) + f"?lang={lang}")).find(id="notice-document")
    text = field(doc, "case").text + field(doc, "ending").text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text
    if lang == "en":
        assert re.search(r"(January|February|March|April|May|June|July|August|September|"
                         r"October|November|December) \d{1,2}, \d{4}", text), text  # fmt: skip
    else:
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text), text
