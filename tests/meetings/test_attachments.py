"""A joint meeting's files, on either store (the `attachment_store` fixture runs each test on
the local folder and on an S3-compatible bucket): upload by the officers who may change the
meeting, a refused file stores nothing and says why beside the field, downloads only within
scope and checked against the recorded hash, and removal by the uploader or an officer of the
convening union."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from mediation.cases import attachments as evidence
from mediation.core.errors import NotFound, PermissionDenied, ValidationFailed
from mediation.core.storage import CorruptObject
from mediation.core.uploads import PayloadTooLarge, UnsupportedType
from mediation.extensions import db
from mediation.meetings import attachments
from mediation.meetings.models import MeetingAttachment
from tests.api.conftest import error_of
from tests.conftest import login
from tests.helpers import count

PDF = b"%PDF-1.4 signed minutes"


@pytest.fixture
def town_meeting(make_meeting, orgs):
    """A meeting convened by the T1 town union (the officer's; not the other officer's)."""
    return make_meeting(organization_id=orgs["T1"].id)


def test_an_officer_uploads_a_file_through_the_page_and_everyone_in_scope_downloads_it(
    app, client, users, town_meeting, attachment_store
):
    login(client, users["officer"])
    response = client.post(
        f"/meetings/{town_meeting.id}/attachments",
        data={"file": (io.BytesIO(PDF), "../会议纪要（签字版）.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.location.endswith("#attachments")
    stored = db.session.scalar(select(MeetingAttachment))
    assert stored.filename == "会议纪要（签字版）.pdf"  # no directory part
    assert stored.content_type == "application/pdf" and stored.size == len(PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment_store.names() == [stored.sha256]

    reader = app.test_client()
    login(reader, users["mediator"])
    page = reader.get(f"/meetings/{town_meeting.id}").get_data(as_text=True)
    assert "会议纪要（签字版）.pdf" in page
    assert 'id="attachment-form"' not in page  # mediators read, they do not upload
    download = reader.get(f"/meetings/{town_meeting.id}/attachments/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "content", "status", "says"),
    [
        ("纪要.exe", b"MZ\x90\x00", 415, "Allowed types"),
        ("纪要.pdf", b"not a pdf at all", 415, "This is not a valid .pdf file"),
        ("纪要.pdf", b"", 422, "The file is empty"),
        ("纪要.pdf", b"%PDF-" + b"x" * (2 * 1024 * 1024), 413, "At most 1 MB"),
    ],
    ids=["wrong type", "bad content", "empty", "too large"],
)
def test_a_refused_file_is_said_beside_the_field_and_nothing_is_stored(
    app, client, api, users, town_meeting, attachment_store, name, content, status, says
):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
    login(client, users["officer"])
    page = client.post(
        f"/meetings/{town_meeting.id}/attachments",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert page.status_code == status
    html = page.get_data(as_text=True)
    assert html.count('class="field-error"') == 1 and 'aria-invalid="true"' in html
    response = api.post(
        f"/meetings/{town_meeting.id}/attachments", as_=users["officer"],
        data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == status
    fields = error_of(response)["fields"]
    assert list(fields) == ["file"] and says in fields["file"][0]
    assert count(MeetingAttachment) == 0
    assert attachment_store.names() == []


def test_an_upload_whose_transaction_fails_leaves_no_file(
    users, town_meeting, monkeypatch, attachment_store
):
    def refuse(*args, **kwargs):
        raise ValidationFailed({"file": ["refused"]})

    real = attachments.writable_meeting
    calls = iter([real, refuse])  # the second check is the one inside the transaction
    monkeypatch.setattr(attachments, "writable_meeting", lambda *a: next(calls)(*a))
    with pytest.raises(ValidationFailed):
        attachments.add_attachment(users["officer"], town_meeting.id, io.BytesIO(PDF), "a.pdf")
    assert count(MeetingAttachment) == 0
    assert attachment_store.names() == []


def test_the_api_uploads_lists_and_shows_the_files_with_the_meeting(api, users, town_meeting):
    response = api.post(
        f"/meetings/{town_meeting.id}/attachments", as_=users["city_officer"],
        data={"file": (io.BytesIO(PDF), "纪要.pdf")}, content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["filename"] == "纪要.pdf" and made["uploaded_by_id"] == users["city_officer"].id
    meeting = api.get(f"/meetings/{town_meeting.id}", as_=users["mediator"]).get_json()
    assert [a["id"] for a in meeting["attachments"]] == [made["id"]]
    listed = api.get(f"/meetings/{town_meeting.id}/attachments", as_=users["mediator"])
    assert [a["id"] for a in listed.get_json()["items"]] == [made["id"]]
    download = api.get(f"/meetings/{town_meeting.id}/attachments/{made['id']}",
                       as_=users["mediator"])  # fmt: skip
    assert download.data == PDF and download.headers["Cache-Control"] == "no-store"
    as_json = api.post(f"/meetings/{town_meeting.id}/attachments", as_=users["officer"],
                       json={"file": "x"})  # fmt: skip
    assert as_json.status_code == 415


def test_out_of_scope_is_404_and_advocates_are_refused_as_for_meetings(
    client, api, users, town_meeting
):
    made = attachments.add_attachment(users["officer"], town_meeting.id, io.BytesIO(PDF), "a.pdf")
    url = f"/meetings/{town_meeting.id}/attachments/{made.id}"
    with pytest.raises(NotFound):  # the T2 staff do not see a T1 meeting
        attachments.get_attachment(users["other_mediator"], town_meeting.id, made.id)
    assert api.get(url, as_=users["other_officer"]).status_code == 404
    assert api.post(
        f"/meetings/{town_meeting.id}/attachments", as_=users["other_officer"],
        data={"file": (io.BytesIO(PDF), "b.pdf")}, content_type="multipart/form-data",
    ).status_code == 404  # fmt: skip
    # advocates do not see joint meetings at all (403, as for the meetings themselves)
    assert api.get(url, as_=users["advocate"]).status_code == 403
    login(client, users["advocate"])
    assert client.get(url).status_code == 403
    # a file is not found through another meeting
    with pytest.raises(NotFound):
        attachments.get_attachment(users["admin"], town_meeting.id + 1000, made.id)


def test_a_file_changed_in_the_store_is_refused_not_served(
    api, users, town_meeting, attachment_store
):
    made = attachments.add_attachment(users["officer"], town_meeting.id, io.BytesIO(PDF), "a.pdf")
    attachment_store.overwrite(made.sha256, b"%PDF-1.4 forged minutes")
    with pytest.raises(CorruptObject):
        attachments.get_attachment(users["officer"], town_meeting.id, made.id)
    response = api.get(f"/meetings/{town_meeting.id}/attachments/{made.id}", as_=users["officer"])
    assert response.status_code == 500 and b"forged" not in response.data


def test_the_uploader_or_an_officer_of_the_convening_union_removes_a_file(
    client, api, users, town_meeting, attachment_store
):
    by_city = attachments.add_attachment(
        users["city_officer"], town_meeting.id, io.BytesIO(PDF), "a.pdf"
    )
    by_town = attachments.add_attachment(
        users["officer"], town_meeting.id, io.BytesIO(b"%PDF-other"), "b.pdf"
    )
    # the city officer may change the town's meeting but is not of the convening union
    with pytest.raises(PermissionDenied):
        attachments.delete_attachment(users["city_officer"], town_meeting.id, by_town.id)
    with pytest.raises(PermissionDenied):
        attachments.delete_attachment(users["mediator"], town_meeting.id, by_town.id)
    # ... but removes what they uploaded
    response = api.delete(f"/meetings/{town_meeting.id}/attachments/{by_city.id}",
                          as_=users["city_officer"])  # fmt: skip
    assert response.status_code == 204
    # the town's officer removes any file of the town's meeting, through the page
    login(client, users["officer"])
    assert "b.pdf" in client.get(f"/meetings/{town_meeting.id}").get_data(as_text=True)
    page = client.post(f"/meetings/{town_meeting.id}/attachments/{by_town.id}/delete")
    assert page.status_code == 302
    assert count(MeetingAttachment) == 0
    assert attachment_store.names() == []


def test_a_removed_file_stays_in_the_store_while_case_evidence_names_it(
    users, make_case, town_meeting, attachment_store
):
    case = make_case()
    kept = evidence.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "合同.pdf")
    made = attachments.add_attachment(users["officer"], town_meeting.id, io.BytesIO(PDF), "a.pdf")
    assert made.sha256 == kept.sha256 and attachment_store.names() == [kept.sha256]
    attachments.delete_attachment(users["officer"], town_meeting.id, made.id)
    assert attachment_store.names() == [kept.sha256]
    assert evidence.get_attachment(users["mediator"], case.id, kept.id)[1].read() == PDF


def test_the_upload_limits_are_the_evidence_limits(app, users, town_meeting):
    app.config["ATTACHMENT_MAX_BYTES"] = 10
    with pytest.raises(PayloadTooLarge):
        attachments.add_attachment(users["officer"], town_meeting.id, io.BytesIO(PDF), "a.pdf")
    with pytest.raises(UnsupportedType):
        attachments.add_attachment(users["officer"], town_meeting.id, io.BytesIO(b"x"), "a.js")


def test_a_body_over_the_request_limit_reshows_the_meeting_with_the_limit(
    app, client, users, town_meeting
):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login(client, users["officer"])
    response = client.post(
        f"/meetings/{town_meeting.id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-" + b"x" * 4096), "纪要.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'id="attachment-form"' in html and html.count('class="field-error"') == 1
    assert count(MeetingAttachment) == 0
