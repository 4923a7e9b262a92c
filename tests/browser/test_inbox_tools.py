"""The alert inbox's queue tools in Chromium on a 375-px phone, in both languages: groups per case,
full-size checkboxes, the climb time, an empty note refused beside the field with the ticks kept,
then one note for the ticked alerts; the climb text's contrast (WCAG AA). Screenshots go to
test-artifacts/screenshots/inbox-tools-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mediation.core.clock import utcnow
from mediation.warnings.models import AlertStatus
from tests.conftest import PASSWORD
from tests.helpers import alert_of

WIDTH = 375
CONTRAST = """(el) => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el, colour = 'rgba(0, 0, 0, 0)';
  while (bg) { colour = getComputedStyle(bg).backgroundColor;
    if (!colour.startsWith('rgba(0, 0, 0, 0)') && colour !== 'transparent') break;
    bg = bg.parentElement; }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(bg ? colour : 'rgb(255,255,255)'));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_an_officer_acknowledges_several_alerts_with_one_note_on_a_phone(
    live_server, browser, shot, users, make_case, locale
):
    overdue = make_case(now=utcnow() - timedelta(hours=30))  # climbs were due 6 h ago
    fresh = make_case(now=utcnow() - timedelta(hours=2))
    ids = [alert_of(overdue.id, "collective").id, alert_of(fresh.id, "arrears_duration").id]
    context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    _login(page, live_server, "officer")
    page.goto(f"{live_server}/alerts?sort=climb")

    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    groups = page.locator("section.alert-group")
    assert groups.count() == 2
    assert groups.first.get_attribute("data-group") == f"case-{overdue.id}"  # soonest to climb
    climb = page.locator(f"#alert-{ids[0]} .climb")
    assert "overdue" in (climb.get_attribute("class") or "")
    assert page.evaluate(CONTRAST, climb.element_handle()) >= 4.5
    fresh_climb = page.locator(f"#alert-{ids[1]} .climb")
    assert page.evaluate(CONTRAST, fresh_climb.element_handle()) >= 4.5
    if locale == "en-GB":
        assert climb.text_content().strip().startswith("Overdue by 6 hours")
        assert "in 21 hours" in fresh_climb.text_content()
    boxes = page.locator("input[name=ids]")
    assert boxes.count() == 4
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box and box["width"] >= 20 and box["height"] >= 20, box
    shot(page, f"inbox-tools-{locale}-phone")

    # tick two alerts of two cases, send without a note: refused beside it, the ticks kept
    for alert_id in ids:
        page.check(f"#select-{alert_id}")
    with page.expect_navigation():
        page.click("#bulk-ack button[type=submit]")
    error = page.locator("#bulk-note-error")
    assert error.is_visible()
    if locale == "en-GB":
        assert error.text_content() == "Write an acknowledgement note."
    assert all(page.is_checked(f"#select-{i}") for i in ids)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    shot(page, f"inbox-tools-{locale}-empty-note")

    page.fill("#bulk-note", "已统一安排镇工会法律服务站跟进")
    with page.expect_navigation():
        page.click("#bulk-ack button[type=submit]")
    assert "sort=climb" in page.url  # the sort kept
    for alert_id in ids:
        assert page.get_attribute(f"#alert-{alert_id}", "data-status") == "acknowledged"
    assert alert_of(overdue.id, "collective").status == AlertStatus.acknowledged
    assert alert_of(fresh.id, "arrears_duration").note == "已统一安排镇工会法律服务站跟进"
    assert alert_of(fresh.id, "collective").status == AlertStatus.open  # not ticked
    shot(page, f"inbox-tools-{locale}-acknowledged")
    context.close()
