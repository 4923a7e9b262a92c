"""Uploads whose format has no fixed prefix are checked by their content
(docs/security.md "Uploads"): .txt and .csv must be text, .m4a and .mp4 ISO media files."""

from __future__ import annotations

import io

import pytest

from mediation.cases.models import Attachment
from tests.api.conftest import Api, error_of
from tests.helpers import count

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 64


def _upload(client, user, case, content: bytes, name: str):
    return Api(client).post(
        f"/cases/{case.id}/attachments", as_=user,
        data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
    )  # fmt: skip


@pytest.mark.parametrize(
    "content, name",
    [
        ("工资表\n张三,3000\n".encode(), "工资.csv"),
        ("\ufeff工资表,3000\r\n".encode(), "excel.csv"),
        ("欠薪情况说明\t第二段\f".encode("gb18030"), "说明.txt"),
        ("欠薪情况说明".encode("utf-16"), "wide.txt"),
        (MP4, "录像.mp4"),
        (M4A, "录音.m4a"),
    ],
)
def test_genuine_text_and_media_files_are_accepted(client, users, make_case, content, name):
    response = _upload(client, users["mediator"], make_case(), content, name)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "content, name",
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "readme.txt"),  # a Windows program
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "table.csv"),
        (b"name,amount\n\x00\x01\x02binary", "table.csv"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "录像.mp4"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 32, "录音.m4a"),
        (b"<html><script>alert(1)</script>", "video.mp4"),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(
    client, users, make_case, content, name
):
    response = _upload(client, users["mediator"], make_case(), content, name)
    assert response.status_code == 415
    assert "file" in error_of(response)["fields"]
    assert count(Attachment) == 0


def test_the_form_shows_the_mismatch_beside_the_upload_field(client, users, make_case):
    from tests.conftest import login

    case = make_case()
    login(client, users["mediator"])
    response = client.post(
        f"/cases/{case.id}/attachments",
        data={"file": (io.BytesIO(b"MZ\x90\x00\x03\x00"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert ".txt" in response.get_data(as_text=True)
    assert count(Attachment) == 0
