"""The employer's contact (person, phone as digits, e-mail): given at registration (API, the
new-case form's new employer), edited on its own page or by PATCH, refused with a message on
its field when the phone or e-mail is not valid, shown on the page and in the watch list."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mediation.core.identifiers import is_valid_phone, normalize_phone
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from tests.api.conftest import error_of
from tests.cases.test_views import _new_case_form, errors_next_to, field_of, form_values
from tests.conftest import login, valid_credit_code
from tests.helpers import count
from tests.html import dom

BAD_PHONE = "12345"
BAD_EMAIL = "hr@"


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0571-87654321", "057187654321"),
        ("(010) 6512 3456", "01065123456"),
        ("0755-8765432", "07558765432"),
    ],
)
def test_mainland_mobiles_and_landlines_are_kept_as_digits(typed, digits):
    assert is_valid_phone(typed) and normalize_phone(typed) == digits


@pytest.mark.parametrize("typed", ["12345", "23800138000", "1380013800", "138001380001", "abc"])
def test_other_numbers_are_not_phones(typed):
    assert not is_valid_phone(typed)


def test_the_api_registers_the_contact_and_answers_with_it(api, users, orgs):
    body = {
        "name": "联系人测试有限公司", "credit_code": valid_credit_code(), "contact_person": "王经理",
        "contact_phone": "0571-8765 4321", "contact_email": " hr@employer.example ",
    }  # fmt: skip
    answer = api.post("/enterprises", as_=users["mediator"], json=body)
    assert answer.status_code == 201, answer.get_json()
    data = answer.get_json()
    assert (data["contact_person"], data["contact_phone"], data["contact_email"]) == (
        "王经理", "057187654321", "hr@employer.example",
    )  # fmt: skip
    assert (
        api.get(f"/enterprises/{data['id']}", as_=users["mediator"]).get_json()["contact_phone"]
        == "057187654321"
    )


def test_a_bad_phone_or_email_is_refused_on_its_field_and_nothing_is_written(api, users):
    before = count(Enterprise)
    body = {"name": "坏号码有限公司", "credit_code": valid_credit_code(),
            "contact_phone": BAD_PHONE, "contact_email": BAD_EMAIL}  # fmt: skip
    answer = api.post("/enterprises", as_=users["mediator"], json=body)
    assert answer.status_code == 422
    fields = error_of(answer)["fields"]
    assert set(fields) == {"contact_phone", "contact_email"}
    assert count(Enterprise) == before


def test_patch_sets_clears_and_refuses_the_contact(api, users, make_enterprise):
    enterprise = make_enterprise("G1")
    path = f"/enterprises/{enterprise.id}"
    answer = api.patch(path, as_=users["mediator"], json={"contact_phone": "138-0000-0009",
                                                          "contact_email": "a@b.example"})  # fmt: skip
    assert answer.status_code == 200
    assert answer.get_json()["contact_phone"] == "13800000009"
    refused = api.patch(path, as_=users["mediator"], json={"contact_email": BAD_EMAIL})
    assert refused.status_code == 422 and set(error_of(refused)["fields"]) == {"contact_email"}
    refused = api.patch(path, as_=users["mediator"], json={"name": "改名"})  # contact only
    assert refused.status_code == 422
    cleared = api.patch(path, as_=users["mediator"], json={"contact_email": None})
    assert cleared.get_json()["contact_email"] is None
    assert cleared.get_json()["contact_phone"] == "13800000009"  # absent: unchanged


def test_the_contact_page_refuses_bad_input_beside_the_field_keeping_what_was_typed(
    client, users, make_enterprise
):
    enterprise = make_enterprise("G1")
    login(client, users["mediator"])
    detail = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert f"/enterprises/{enterprise.id}/contacts" in detail  # the writer's link
    page = dom(client.get(f"/enterprises/{enterprise.id}/contacts"))
    data = form_values(page.find("form", id="contacts-form"))
    data.update(contact_person="王经理", contact_phone=BAD_PHONE, contact_email=BAD_EMAIL)
    response = client.post(
        f"/enterprises/{enterprise.id}/contacts", data=data, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    page = dom(response)
    assert any("phone" in m for m in errors_next_to(page, "contact_phone"))
    assert any("e-mail" in m for m in errors_next_to(page, "contact_email"))
    assert errors_next_to(page, "contact_person") == []
    assert field_of(page, "contact_phone").attrs["value"] == BAD_PHONE
    db.session.expire_all()
    assert enterprise.contact_person is None  # nothing half-written

    data.update(contact_phone="139 0000 0002", contact_email="hr@employer.example")
    response = client.post(f"/enterprises/{enterprise.id}/contacts", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert (enterprise.contact_person, enterprise.contact_phone, enterprise.contact_email) == (
        "王经理", "13900000002", "hr@employer.example",
    )  # fmt: skip
    shown = dom(client.get(f"/enterprises/{enterprise.id}"))
    assert shown.find(id="contact-phone").text == "13900000002"

    data.update(contact_phone="", contact_email="")  # a blank field clears it
    assert client.post(f"/enterprises/{enterprise.id}/contacts", data=data).status_code == 302
    db.session.expire_all()
    assert enterprise.contact_phone is None and enterprise.contact_email is None


def test_the_new_case_form_registers_the_new_employers_contact(client, users, orgs):
    login(client, users["mediator"])
    code = valid_credit_code(4322)
    data = _new_case_form(client)
    data.update(
        kind="dispute", category="dismissal", handling_org_id=str(orgs["G1"].id),
        title="违法解除劳动合同", workers_involved="1",
        **{"enterprise.name": "带联系人机械有限公司", "enterprise.credit_code": code,
           "enterprise.contact_phone": BAD_PHONE},
    )  # fmt: skip
    refused = client.post("/cases/new", data=data, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert any("phone" in m for m in errors_next_to(dom(refused), "enterprise.contact_phone"))
    data["enterprise.contact_phone"] = "13800138000"
    data["enterprise.contact_email"] = "boss@employer.example"
    assert client.post("/cases/new", data=data).status_code == 302
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    assert enterprise is not None
    assert (enterprise.contact_phone, enterprise.contact_email) == (
        "13800138000", "boss@employer.example",
    )  # fmt: skip


def test_an_advocate_may_not_edit_the_contact(client, users, make_enterprise):
    enterprise = make_enterprise("G1")
    login(client, users["advocate"])
    assert client.get(f"/enterprises/{enterprise.id}/contacts").status_code == 403


def test_the_watch_list_export_carries_the_contact(client, users, make_case, make_enterprise):
    enterprise = make_enterprise(
        "G1", contact_person="王经理", contact_phone="13800000009", contact_email="hr@e.example"
    )
    make_case(enterprise_id=enterprise.id, workers_involved=60)
    login(client, users["officer"])
    response = client.get("/enterprises/watch-list/export?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    [row] = [r for r in rows[1:] if r[1] == enterprise.name]
    assert row[-3:] == ("王经理", "13800000009", "hr@e.example")
