"""An advocate on a 375-px phone records a visit with a photo in one form, in Chinese and
English, and sees its thumbnail in the timeline (docs/worker-services.md "Visit records with
photos"). Screenshots go to test-artifacts/screenshots/visit-photos-*."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from mediation.cases import services
from tests.conftest import PASSWORD
from tests.helpers import reload

WIDTH = 375
SAVE = {"zh-CN": "保存走访记录", "en-GB": "Save the visit record"}


@pytest.fixture
def assigned_case(users, make_case):
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    return reload(case)


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_an_advocate_records_a_visit_with_a_photo_on_a_phone(
    live_server, browser, shot, assigned_case, tmp_path, locale
):
    picture = tmp_path / "gate.jpg"
    Image.new("RGB", (1600, 1200), (30, 90, 160)).save(picture, "JPEG")
    context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", "advocate")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/cases/{assigned_case.id}")

    # the phone shows no empty actions heading, and the form is the visit form
    assert page.locator("#note-kind").input_value() == "visit"
    page.fill("#note-body", "走访工地大门，公示栏未张贴工资支付情况。")
    page.set_input_files("#note-photos", str(picture))
    shot(page, f"visit-photos-{locale}-form")
    page.get_by_role("button", name=SAVE[locale]).click()
    page.wait_for_url(f"{live_server}/cases/{assigned_case.id}#timeline")

    thumb = page.locator("ul.thumbnails img").first
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) == 320
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    shot(page, f"visit-photos-{locale}-timeline")
    context.close()


def test_photos_over_the_request_limit_are_stopped_in_the_browser(
    app, live_server, browser, assigned_case, tmp_path
):
    """Over the total limit, the form says so before sending: the typed text stays."""
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = tmp_path / "big.png"  # noise does not compress: about 750 KB each, 1.5 MB for two
    Image.frombytes("RGB", (500, 500), os.urandom(500 * 500 * 3)).save(big)
    assert 700_000 < big.stat().st_size < 1024 * 1024
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", "advocate")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/cases/{assigned_case.id}")
    page.fill("#note-body", "走访记录")
    page.set_input_files("#note-photos", [str(big)] * 2)
    page.get_by_role("button", name=SAVE["zh-CN"]).click()
    error = page.locator("#note-form .field-error")
    assert "全部照片合计不超过" in error.inner_text()
    assert page.url == f"{live_server}/cases/{assigned_case.id}"
    assert page.input_value("#note-body") == "走访记录"
    context.close()
