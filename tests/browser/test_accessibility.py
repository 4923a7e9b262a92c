"""Keyboard and eye in a real browser: a skip link first in the tab order, a visible focus ring
on every control (link-styled buttons too), and checkboxes a person can see and hit."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("width", [1280, 375])
def test_every_checkbox_and_radio_is_full_size(live_server, browser, shot, users, width):
    """The risk checkboxes rendered as 2-px slivers; each must be a real box of ≥ 14 px."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    _login(page, live_server, "mediator")
    page.goto(f"{live_server}/cases/new")
    boxes = page.locator("input[type=checkbox]:visible, input[type=radio]:visible")
    assert boxes.count() >= 3
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box and box["width"] >= 14 and box["height"] >= 14, (i, box)
    shot(page, f"checkboxes-{width}")
    # ticking shows a tick: the checked box paints differently from the unchecked one
    first = page.locator("input[type=checkbox]:visible").first
    before = first.screenshot()
    first.check()
    assert first.screenshot() != before
    context.close()


def test_skip_link_comes_first_and_every_control_shows_its_focus(live_server, browser, users):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server, "officer")
    page.keyboard.press("Tab")
    first = page.evaluate(
        "() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
        " return {cls: e.className, top: r.top, href: e.getAttribute('href')}; }"
    )
    assert first["cls"] == "skip-link" and first["href"] == "#main" and first["top"] >= 0
    seen: set[str] = set()
    for _ in range(60):  # walk the whole tab order of the dashboard
        ring = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {tag: e.tagName + '.' + e.className, style: s.outlineStyle,"
            " width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"
        )
        if ring["tag"].startswith("BODY"):
            break
        seen.add(ring["tag"])
        visible = (ring["style"] != "none" and ring["width"] >= 2) or ring["shadow"] != "none"
        assert visible, ring
        page.keyboard.press("Tab")
    assert "BUTTON.link" in seen  # the link-styled sign-out button was reached and ringed
    context.close()
