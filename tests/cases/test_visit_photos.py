"""An advocate's visit record with photos: one form, saved whole or not at all, thumbnails in
the timeline, and no empty actions section for a role that moves no case."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from mediation.cases import services
from mediation.cases.enums import EventKind
from mediation.cases.models import Attachment, CaseEvent
from mediation.extensions import db
from tests.conftest import login
from tests.helpers import reload
from tests.html import dom


def photo(size=(1200, 900), fmt="JPEG", colour=(200, 40, 40)) -> bytes:
    mode = "RGBA" if fmt == "PNG" else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def assigned_case(users, make_case):
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    return reload(case)


def visit(client, case, body="走访工地，拍下了欠薪公示栏。", files=(), kind="visit"):
    data = {"kind": kind, "body": body, "photos": [(io.BytesIO(b), n) for n, b in files]}
    return client.post(f"/cases/{case.id}/notes", data=data, content_type="multipart/form-data")


def attachments_of(case) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.case_id == case.id)
    )


def events_of(case) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
    )


def test_a_visit_with_two_photos_is_one_event_listing_them(client, users, assigned_case):
    login(client, users["advocate"])
    response = visit(
        client, assigned_case, files=[("gate.jpg", photo()), ("board.png", photo(fmt="PNG"))]
    )
    assert response.status_code == 302

    event = db.session.scalars(
        select(CaseEvent).where(
            CaseEvent.case_id == assigned_case.id, CaseEvent.kind == EventKind.visit
        )
    ).one()
    stored = db.session.scalars(
        select(Attachment).where(Attachment.case_id == assigned_case.id).order_by(Attachment.id)
    ).all()
    assert [a.filename for a in stored] == ["gate.jpg", "board.png"]
    assert event.data == {"photos": [a.id for a in stored]}
    assert event.actor_id == users["advocate"].id

    page = dom(client.get(f"/cases/{assigned_case.id}"))
    images = page.find("ul", class_="thumbnails").find_all("img")
    assert [img.attrs["src"] for img in images] == [
        f"/cases/{assigned_case.id}/attachments/{a.id}/thumbnail" for a in stored
    ]
    assert all(img.attrs["alt"] for img in images)


def test_a_thumbnail_is_a_small_upright_jpeg(client, users, assigned_case):
    login(client, users["advocate"])
    visit(client, assigned_case, files=[("wide.png", photo(size=(2000, 500), fmt="PNG"))])
    attachment = db.session.scalars(
        select(Attachment).where(Attachment.case_id == assigned_case.id)
    ).one()

    response = client.get(f"/cases/{assigned_case.id}/attachments/{attachment.id}/thumbnail")

    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(response.data)) as thumb:
        # 2000×500 scaled to 320 on the longer side keeps the 4:1 shape
        assert thumb.size == (320, 80)
        assert thumb.mode == "RGB"


def test_a_photo_taken_sideways_is_turned_upright(client, users, assigned_case):
    # a phone stores a portrait photo as landscape pixels with EXIF orientation 6 (turn 90°)
    img = Image.new("RGB", (400, 200), (10, 120, 10))
    exif = img.getexif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    login(client, users["advocate"])
    visit(client, assigned_case, files=[("portrait.jpg", out.getvalue())])
    attachment = db.session.scalars(
        select(Attachment).where(Attachment.case_id == assigned_case.id)
    ).one()
    response = client.get(f"/cases/{assigned_case.id}/attachments/{attachment.id}/thumbnail")
    with Image.open(io.BytesIO(response.data)) as thumb:
        assert thumb.size == (160, 320)


def test_evidence_that_is_no_image_has_no_thumbnail(client, users, assigned_case):
    from mediation.cases import attachments

    pdf = attachments.add_attachment(
        assigned_case.id, users["mediator"], io.BytesIO(b"%PDF-1.4 test"), "record.pdf"
    )
    login(client, users["mediator"])
    response = client.get(f"/cases/{assigned_case.id}/attachments/{pdf.id}/thumbnail")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("minutes.pdf", b"%PDF-1.4 test")], "不是照片"),
        ([("fake.jpg", b"\xff\xd8\xff" + b"\x00" * 64)], "不是可读取的图片"),
        ([(f"p{i}.jpg", photo(size=(20, 20))) for i in range(7)], "最多 6 张照片。"),
    ],
    ids=["not-an-image", "broken-image", "too-many"],
)
def test_a_refused_photo_saves_nothing_and_keeps_the_text(
    client, users, assigned_case, files, message
):
    login(client, users["advocate"])
    before_events, before_files = events_of(assigned_case), attachments_of(assigned_case)

    response = visit(client, assigned_case, body="工人说老板已经三天没来厂里。", files=files)

    assert response.status_code == 422
    assert events_of(assigned_case) == before_events
    assert attachments_of(assigned_case) == before_files
    page = dom(response)
    form = page.find("form", id="note-form")
    assert form.find("textarea", id="note-body").text == "工人说老板已经三天没来厂里。"
    assert message in form.text
    assert form.find("input", id="note-photos").attrs.get("aria-invalid") == "true"


def test_photos_on_a_progress_note_are_refused(client, users, assigned_case):
    login(client, users["mediator"])
    response = visit(client, assigned_case, kind="note", files=[("a.jpg", photo())])
    assert response.status_code == 422
    assert attachments_of(assigned_case) == 0


def test_an_advocate_sees_a_visit_form_and_no_actions_heading(client, users, assigned_case):
    login(client, users["advocate"])
    page = dom(client.get(f"/cases/{assigned_case.id}"))
    headings = [h.text.strip() for h in page.find_all("h2")]
    assert "可执行操作" not in headings
    assert "记录走访" in headings
    form = page.find("form", id="note-form")
    assert form.attrs["enctype"] == "multipart/form-data"
    chosen = [
        o for o in form.find("select", id="note-kind").find_all("option") if "selected" in o.attrs
    ]
    assert [o.attrs["value"] for o in chosen] == ["visit"]
    assert form.find("input", id="note-photos").attrs.get("multiple") is not None


def test_a_mediator_keeps_the_actions_heading_and_the_note_form(client, users, assigned_case):
    login(client, users["mediator"])
    page = dom(client.get(f"/cases/{assigned_case.id}"))
    headings = [h.text.strip() for h in page.find_all("h2")]
    assert "可执行操作" in headings
    assert "添加进展记录" in headings


def test_photos_over_the_request_limit_answer_with_the_case_page(client, users, assigned_case, app):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login(client, users["advocate"])
    big = photo(size=(10, 10)) + b"\x00" * (80 * 1024)
    response = visit(client, assigned_case, files=[("big.jpg", big)])
    assert response.status_code == 413
    form = dom(response).find("form", id="note-form")
    assert "全部照片合计不超过" in form.text
    assert attachments_of(assigned_case) == 0
