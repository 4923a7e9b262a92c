"""Who issues the printed documents and to whom a referral goes (issue 20): the agreement and
the notices are issued by the union's labour-dispute mediation committee, a name per
organization (derived from its name until the administrator sets one on the organization's
page); a letter to arbitration is addressed to the arbitration commission of the city."""

from __future__ import annotations

import pytest

from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from mediation.orgs import services as org_services
from mediation.orgs.models import default_arbitration_commission, default_committee_name
from tests.conftest import login
from tests.html import dom

AGREEMENT = "/cases/{}/documents/agreement"
NOTICE = "/cases/{}/documents/notice"
REFERRAL = "/cases/{}/documents/referral"


def field(response, name):
    return dom(response).find(**{"data-field": name})


def test_the_default_names_come_from_the_organizations_name():
    assert default_committee_name("常熟市总工会") == "常熟市总工会劳动争议调解委员会"
    assert default_committee_name("海虞镇总工会") == "海虞镇总工会劳动争议调解委员会"
    assert default_committee_name("常熟市总工会劳动争议调解委员会") == (
        "常熟市总工会劳动争议调解委员会"
    )  # (an administrator who typed the full name)
    assert default_arbitration_commission("常熟市总工会") == "常熟市劳动人事争议仲裁委员会"
    assert default_arbitration_commission("江川市工会") == "江川市劳动人事争议仲裁委员会"


def test_the_agreement_is_issued_by_the_mediation_committee(client, users, make_case, drive):
    case = drive(make_case(), "agreement")
    org = case.handling_org
    login(client, users["mediator"])
    response = client.get(AGREEMENT.format(case.id))
    committee = f"{org.name}劳动争议调解委员会"
    assert field(response, "organization").text == committee
    assert field(response, "issuer").text.endswith(committee)


def test_the_administrator_names_the_committee_on_the_organizations_page(
    app, client, users, make_case, drive
):
    case = drive(make_case(), "failed")
    org = case.handling_org
    login(client, users["admin"])
    page = dom(client.get(f"/admin/organizations/{org.id}/rename"))
    box = page.find("input", name="committee_name")
    assert box.attrs["value"] == "" and box.attrs["placeholder"] == org.mediation_committee
    assert page.find("input", name="arbitration_commission") is None  # a city's only
    response = client.post(
        f"/admin/organizations/{org.id}/rename",
        data={"name": org.name, "committee_name": " 一镇甲厂工会劳动争议调解小组 "},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert org.committee_name == "一镇甲厂工会劳动争议调解小组"

    mediator = app.test_client()
    login(mediator, users["mediator"])
    notice = mediator.get(NOTICE.format(case.id))
    assert field(notice, "issuer").text.endswith("一镇甲厂工会劳动争议调解小组")
    assert "一镇甲厂工会劳动争议调解小组" in field(notice, "case").text
    # blank goes back to the derived name
    org_services.rename_organization(org.id, org.name, committee_name="")
    assert org.committee_name is None
    assert org.mediation_committee == f"{org.name}劳动争议调解委员会"


def test_a_referral_to_arbitration_is_addressed_to_the_citys_commission(
    app, client, users, orgs, make_case, drive
):
    app.config["MEDIATION_ARBITRATION_LINKAGE"] = True
    case = drive(make_case(), "referred")  # to arbitration
    login(client, users["mediator"])
    letter = client.get(REFERRAL.format(case.id))
    assert field(letter, "referral_target").text == "市劳动人事争议仲裁委员会："
    assert field(letter, "issuer").text.endswith(case.handling_org.mediation_committee)

    city = orgs["C"]
    admin = app.test_client()
    login(admin, users["admin"])
    page = dom(admin.get(f"/admin/organizations/{city.id}/rename"))
    assert page.find("input", name="arbitration_commission").attrs["placeholder"] == (
        "市劳动人事争议仲裁委员会"
    )
    admin.post(
        f"/admin/organizations/{city.id}/rename",
        data={"name": city.name, "committee_name": "",
              "arbitration_commission": "江川市劳动人事争议仲裁委员会"},
    )  # fmt: skip
    letter = client.get(REFERRAL.format(case.id))
    assert field(letter, "referral_target").text == "江川市劳动人事争议仲裁委员会："
    english = client.get(REFERRAL.format(case.id) + "?lang=en")
    assert field(english, "referral_target").text == "To: 江川市劳动人事争议仲裁委员会"


def test_only_a_city_names_an_arbitration_commission(orgs):
    with pytest.raises(ValidationFailed) as refused:
        orgs_service_rename(orgs["T1"].id, orgs["T1"].name, "某仲裁委")
    assert list(refused.value.fields) == ["arbitration_commission"]
    db.session.expire_all()
    assert orgs["T1"].arbitration_commission is None


def test_a_too_long_name_is_refused_beside_its_field(client, users, orgs):
    login(client, users["admin"])
    response = client.post(
        f"/admin/organizations/{orgs['T1'].id}/rename",
        data={"name": orgs["T1"].name, "committee_name": "调" * 201},
    )
    assert response.status_code == 422
    page = dom(response)
    assert page.find("input", name="committee_name").attrs["value"] == "调" * 201
    assert (
        page.find("input", name="committee_name").ancestor("field").find("p", cls="field-error")
        is not None
    )


def orgs_service_rename(org_id, name, commission):
    return org_services.rename_organization(org_id, name, arbitration_commission=commission)


def test_a_rename_without_the_committee_field_keeps_the_committee(client, users, orgs):
    org = orgs["T1"]
    org_services.rename_organization(org.id, org.name, committee_name="一镇调解委员会")
    login(client, users["admin"])
    response = client.post(f"/admin/organizations/{org.id}/rename", data={"name": "一镇总工会"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (org.name, org.committee_name) == ("一镇总工会", "一镇调解委员会")
