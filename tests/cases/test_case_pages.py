"""The case detail page's evidence, mediator, take-over and escalation forms."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from mediation.cases.enums import EventKind
from mediation.cases.models import Attachment, CaseEvent
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings.models import Alert
from tests.conftest import login
from tests.helpers import count, reload
from tests.html import dom

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def case(users, make_case):
    from mediation.cases import services

    c = make_case(workers_involved=1)
    services.assign_advocate(c.id, users["mediator"], users["advocate"].id)
    return reload(c)


def upload(client, case_id, content=PNG, name="工资条.png"):
    data = {"file": (io.BytesIO(content), name)} if content is not None else {}
    return client.post(
        f"/cases/{case_id}/attachments", data=data, content_type="multipart/form-data"
    )


def file_error(response) -> str:
    form = dom(response).find("form", id="evidence-form")
    assert form is not None
    error = form.find("p", cls="field-error")
    assert error is not None
    return error.text


# --- evidence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["advocate", "mediator", "officer", "admin"])
def test_every_role_that_sees_the_case_uploads_and_downloads(
    client, users, case, who, attachment_store
):
    login(client, users[who])
    response = upload(client, case.id)
    assert response.status_code == 302
    [attachment] = db.session.scalars(select(Attachment)).all()
    page = dom(client.get(f"/cases/{case.id}"))
    item = page.find("li", **{"data-attachment-id": str(attachment.id)})
    assert item is not None and "工资条.png" in item.text
    link = item.find("a").attrs["href"]
    download = client.get(link)
    assert download.status_code == 200
    assert download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "image/png"
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "attachment")
    ).all()
    assert len(events) == 1 and events[0].actor_id == users[who].id
    assert attachment_store.names() == [attachment.sha256]


def test_out_of_scope_upload_and_download_are_404(client, users, case, attachment_store):
    login(client, users["mediator"])
    upload(client, case.id)
    attachment_id = db.session.scalar(select(Attachment.id))
    client.post("/logout")
    for who in ("other_officer", "other_mediator", "other_advocate"):
        login(client, users[who])
        assert upload(client, case.id).status_code == 404
        assert client.get(f"/cases/{case.id}/attachments/{attachment_id}").status_code == 404
        client.post("/logout")
    assert count(Attachment) == 1


def test_anonymous_upload_and_download_go_to_login(client, case, attachment_store):
    assert upload(client, case.id).status_code in (302, 401)
    response = client.get(f"/cases/{case.id}/attachments/1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(Attachment) == 0


def test_download_of_another_case_attachment_is_404(
    client, users, case, make_case, attachment_store
):
    login(client, users["mediator"])
    other = make_case(workers_involved=1)
    upload(client, other.id)
    attachment_id = db.session.scalar(select(Attachment.id))
    assert client.get(f"/cases/{case.id}/attachments/{attachment_id}").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [
        (b"MZ\x90\x00", "tool.exe", 415),
        (b"not a png", "fake.png", 415),
        (b"", "empty.pdf", 422),
        (None, None, 422),
    ],
)
def test_refused_uploads_rerender_with_the_reason_and_store_nothing(
    client, users, case, content, name, status, attachment_store
):
    login(client, users["advocate"])
    before = reload(case).event_seq
    response = upload(client, case.id, content, name)
    assert response.status_code == status
    assert file_error(response)
    assert count(Attachment) == 0
    assert reload(case).event_seq == before
    assert attachment_store.names() == []


def test_too_large_for_the_service_is_413_in_chinese(app, client, users, case, attachment_store):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
    login(client, users["mediator"])
    response = upload(client, case.id, PNG + b"\x00" * (1024 * 1024), "big.png")
    assert response.status_code == 413
    message = file_error(response)
    assert "1" in message and "At most" not in message  # the Chinese catalogue's words
    assert count(Attachment) == 0
    assert attachment_store.names() == []


def test_too_large_for_flask_is_a_friendly_413_page(app, client, users, case, attachment_store):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    login(client, users["mediator"])
    response = upload(client, case.id, PNG + b"\x00" * 8192, "big.png")
    assert response.status_code == 413
    assert file_error(response)
    assert count(Attachment) == 0


def test_too_large_in_english_for_an_english_user(app, client, users, case, attachment_store):
    users["mediator"].locale = "en"
    db.session.commit()
    app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
    login(client, users["mediator"])
    response = upload(client, case.id, PNG + b"\x00" * (1024 * 1024), "big.png")
    assert file_error(response) == "At most 1 MB."


def test_closed_case_offers_no_upload_and_refuses_one(client, users, case, drive, attachment_store):
    drive(case, "closed")
    login(client, users["mediator"])
    assert dom(client.get(f"/cases/{case.id}")).find("form", id="evidence-form") is None
    assert upload(client, case.id).status_code == 409
    assert count(Attachment) == 0


# --- mediator ---------------------------------------------------------------------------------


def post_mediator(client, case, mediator_id, version=None):
    return client.post(
        f"/cases/{case.id}/mediator",
        data={"mediator_id": mediator_id, "version": version or reload(case).version},
    )


@pytest.mark.parametrize("who", ["mediator", "officer", "admin"])
def test_writers_assign_the_mediator(client, users, case, who):
    login(client, users[who])
    assert dom(client.get(f"/cases/{case.id}")).find("form", id="mediator-form") is not None
    response = post_mediator(client, case, users["g1_mediator"].id)
    assert response.status_code == 302
    assert reload(case).mediator_id == users["g1_mediator"].id


def test_mediator_form_refusals(client, users, case):
    login(client, users["advocate"])
    assert dom(client.get(f"/cases/{case.id}")).find("form", id="mediator-form") is None
    assert post_mediator(client, case, users["g1_mediator"].id).status_code == 403
    client.post("/logout")
    login(client, users["other_officer"])
    assert post_mediator(client, case, users["g1_mediator"].id).status_code == 404
    client.post("/logout")
    login(client, users["officer"])
    assert post_mediator(client, case, users["g1_mediator"].id, version=99).status_code == 409
    response = post_mediator(client, case, users["other_mediator"].id)
    assert response.status_code == 422
    assert dom(response).find("form", id="mediator-form").find("p", cls="field-error")
    assert post_mediator(client, case, "").status_code == 422
    assert reload(case).mediator_id is None
    assert count(CaseEvent) == reload(case).event_seq  # nothing appended by the refusals


# --- take-over --------------------------------------------------------------------------------


def test_officer_takes_the_case_over(client, users, orgs, case):
    login(client, users["officer"])
    assert dom(client.get(f"/cases/{case.id}")).find("form", id="takeover-form") is not None
    response = client.post(
        f"/cases/{case.id}/takeover", data={"version": case.version, "reason": "重大案件"}
    )
    assert response.status_code == 302
    case = reload(case)
    assert (case.handling_org_id, case.tier) == (orgs["T1"].id, Tier.town)
    ev = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.takeover)
    )
    assert ev.body == "重大案件"
    # handled by the town now: no take-over form for the town officer any more
    assert dom(client.get(f"/cases/{case.id}")).find("form", id="takeover-form") is None


def test_takeover_refusals(client, users, orgs, case):
    for who, status in (("mediator", 403), ("advocate", 403), ("other_officer", 404)):
        login(client, users[who])
        page = client.get(f"/cases/{case.id}")
        if page.status_code == 200:
            assert dom(page).find("form", id="takeover-form") is None
        response = client.post(
            f"/cases/{case.id}/takeover", data={"version": case.version, "reason": "x"}
        )
        assert response.status_code == status, who
        client.post("/logout")
    login(client, users["officer"])
    stale = client.post(f"/cases/{case.id}/takeover", data={"version": 99, "reason": "x"})
    assert stale.status_code == 409
    empty = client.post(f"/cases/{case.id}/takeover", data={"version": case.version})
    assert empty.status_code == 422
    assert dom(empty).find("form", id="takeover-form").find("p", cls="field-error")
    assert reload(case).handling_org_id == orgs["G1"].id


# --- manual escalation ------------------------------------------------------------------------


def test_escalation_from_the_page_reaches_the_city_inbox(client, users, orgs, case):
    login(client, users["officer"])
    form = dom(client.get(f"/cases/{case.id}")).find("form", id="escalate-form")
    assert form is not None
    response = client.post(
        f"/cases/{case.id}/escalations", data={"level": "red", "reason": "群体性事件苗头"}
    )
    assert response.status_code == 302
    alert = db.session.scalar(select(Alert).where(Alert.rule == "manual_escalation"))
    assert (alert.target_org_id, alert.level.value) == (orgs["C"].id, "red")
    again = client.post(f"/cases/{case.id}/escalations", data={"level": "red", "reason": "再次"})
    assert again.status_code == 409
    client.post("/logout")
    login(client, users["city_officer"])
    inbox = client.get("/alerts")
    assert case.number in inbox.get_data(as_text=True)
    ack = client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "市总已督办"})
    assert ack.status_code == 302
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status.value == "acknowledged"


def test_escalation_refusals(client, users, case):
    for who, status in (
        ("mediator", 403), ("advocate", 403), ("other_officer", 404), ("city_officer", 403),
    ):  # fmt: skip
        login(client, users[who])
        page = client.get(f"/cases/{case.id}")
        if page.status_code == 200:
            assert dom(page).find("form", id="escalate-form") is None
        response = client.post(
            f"/cases/{case.id}/escalations", data={"level": "red", "reason": "x"}
        )
        assert response.status_code == status, who
        client.post("/logout")
    login(client, users["officer"])
    bad = client.post(f"/cases/{case.id}/escalations", data={"level": "purple", "reason": ""})
    assert bad.status_code == 422
    form = dom(bad).find("form", id="escalate-form")
    assert len(form.find_all("p", cls="field-error")) == 2
    assert count(Alert.__table__) == count(Alert)  # sanity
    assert db.session.scalar(select(Alert).where(Alert.rule == "manual_escalation")) is None


def test_too_large_for_flask_with_csrf_on_is_the_case_page(csrf_app, users, case):
    """CSRF protection reads the form before any view, so the 413 comes from there."""
    from tests.conftest import PASSWORD

    csrf_app.config["MAX_CONTENT_LENGTH"] = 4096
    client = csrf_app.test_client()
    token = dom(client.get("/login")).find("input", name="csrf_token").attrs["value"]
    client.post("/login", data={"username": "mediator", "password": PASSWORD, "csrf_token": token})
    page = dom(client.get(f"/cases/{case.id}"))
    token = page.find("form", id="evidence-form").find("input", name="csrf_token").attrs["value"]
    response = client.post(
        f"/cases/{case.id}/attachments",
        data={"csrf_token": token, "file": (io.BytesIO(PNG + b"\x00" * 8192), "big.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert file_error(response)
    assert count(Attachment) == 0
