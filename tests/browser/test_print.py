"""The case page printed for the paper case file (案卷): facts, clocks and history on A4, without
the navigation, the forms or the buttons."""

from __future__ import annotations

from mediation.cases.facts import add_note
from tests.conftest import PASSWORD


def test_the_printed_case_page_is_the_case_file(live_server, browser, users, make_case):
    case = make_case(workers_involved=12)
    add_note(case.id, users["mediator"], {"kind": "note", "body": "电话联系企业负责人"})
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server}/login")
    page.fill("#username", "mediator")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/cases/{case.id}")
    assert page.locator("header.topbar").is_visible()
    page.emulate_media(media="print")
    for hidden in ("header.topbar", "section.actions", "#note-form", ".timeline-filter"):
        assert not page.locator(hidden).first.is_visible(), hidden
    for shown in ("#case-head h1", "dl.facts", "#timeline li[data-kind=note]"):
        assert page.locator(shown).first.is_visible(), shown
    pdf = page.pdf(format="A4")  # Chromium prints it: one real PDF, A4
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    page.close()
