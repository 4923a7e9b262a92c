"""Evidence uploads on either store (the local folder and an S3-compatible bucket, through the
`attachment_store` fixture): a failed transaction leaves no file behind, a file changed in the
store is refused rather than served, the same content is stored once, and a file uploaded
through one web host is served by another."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from mediation import create_app
from mediation.cases import attachments
from mediation.cases.models import Attachment
from mediation.core.db import engines
from mediation.core.errors import Conflict
from mediation.core.storage import CorruptObject, FolderStore, S3Store, build_store
from mediation.extensions import db
from tests.api.conftest import Api
from tests.conftest import login
from tests.helpers import count

PDF = b"%PDF-1.4 evidence"


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def test_an_upload_whose_transaction_fails_leaves_no_file(
    app, users, make_case, monkeypatch, attachment_store
):
    case = make_case()

    def refuse(*args, **kwargs):
        raise Conflict("A concurrent change won; reload and try again.")

    monkeypatch.setattr(attachments, "append_event", refuse)
    with pytest.raises(Conflict):
        attachments.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "合同.pdf")
    assert count(Attachment) == 0
    assert attachment_store.names() == []
    assert db.session.scalar(select(Attachment.id)) is None


def test_the_same_content_twice_is_one_object_and_survives_a_failed_third(
    app, users, make_case, monkeypatch, attachment_store
):
    case = make_case()
    first = attachments.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "一.pdf")
    attachments.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "二.pdf")
    assert attachment_store.names() == [first.sha256] == [hashlib.sha256(PDF).hexdigest()]

    monkeypatch.setattr(attachments, "append_event", lambda *a, **k: (_ for _ in ()).throw(
        Conflict("A concurrent change won; reload and try again.")
    ))  # fmt: skip
    with pytest.raises(Conflict):
        attachments.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "三.pdf")
    assert attachment_store.names() == [first.sha256]  # still there for the two rows


def test_a_file_changed_in_the_store_is_refused_not_served(
    app, api, client, users, make_case, attachment_store
):
    case = make_case()
    attachment = attachments.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "合同.pdf")
    url = f"/cases/{case.id}/attachments/{attachment.id}"
    assert api.get(url, as_=users["mediator"]).data == PDF

    attachment_store.overwrite(attachment.sha256, b"%PDF-1.4 forged evidence")
    with pytest.raises(CorruptObject):
        attachments.get_attachment(users["mediator"], case.id, attachment.id)
    response = api.get(url, as_=users["mediator"])
    assert response.status_code == 500
    assert "does not match its recorded hash" in response.get_json()["error"]["message"]
    assert b"forged" not in response.data
    login(client, users["mediator"])
    page = client.get(url)
    assert page.status_code == 500 and b"forged" not in page.data


def test_a_file_missing_from_the_store_is_404(app, api, users, make_case, attachment_store):
    case = make_case()
    attachment = attachments.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "合同.pdf")
    attachment_store.store.delete(attachment.sha256)
    response = api.get(f"/cases/{case.id}/attachments/{attachment.id}", as_=users["mediator"])
    assert response.status_code == 404


def test_a_file_uploaded_through_one_host_is_served_by_another(
    app, users, make_case, attachment_store
):
    """Two apps on one database and one store stand for two web hosts behind a balancer."""
    case = make_case()
    attachment = attachments.add_attachment(case.id, users["mediator"], io.BytesIO(PDF), "合同.pdf")
    settings = {
        key: app.config[key]
        for key in (
            "SQLALCHEMY_DATABASE_URI", "ATTACHMENT_STORAGE", "ATTACHMENT_FOLDER", "S3_BUCKET",
            "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
        )
    }  # fmt: skip
    other = create_app("testing", **settings)
    try:
        with other.app_context():
            response = Api(other.test_client()).get(
                f"/cases/{case.id}/attachments/{attachment.id}", as_=users["mediator"]
            )
            assert response.status_code == 200 and response.data == PDF
    finally:
        with other.app_context():
            db.session.remove()
            for engine in engines():
                engine.dispose()


def test_the_configuration_picks_the_store(tmp_path):
    assert isinstance(build_store({"ATTACHMENT_FOLDER": str(tmp_path)}, "/nowhere"), FolderStore)
    default = build_store({}, str(tmp_path))
    assert isinstance(default, FolderStore) and default.root == tmp_path / "attachments"
    pytest.importorskip("boto3")
    s3 = build_store(
        {"ATTACHMENT_STORAGE": "s3", "S3_BUCKET": "evidence", "S3_PREFIX": "a/",
         "S3_REGION": "us-east-1"},
        str(tmp_path),
    )  # fmt: skip
    assert isinstance(s3, S3Store) and s3.key("ab" + "0" * 62) == "a/ab/ab" + "0" * 62
    with pytest.raises(ValueError, match="S3_BUCKET"):
        build_store({"ATTACHMENT_STORAGE": "s3"}, str(tmp_path))
    with pytest.raises(ValueError, match="folder"):
        build_store({"ATTACHMENT_STORAGE": "ftp"}, str(tmp_path))
