"""The import pages in a real browser: an administrator uploads a file at 375 px, lands on the
job's page, which says it waits for the scheduler, and sees the result once the scheduler's job
has run; both pages fit a phone in both languages."""

from __future__ import annotations

from mediation.cases.imports import run_queued
from mediation.extensions import db
from tests.cases.test_import_jobs import csv_of
from tests.conftest import PASSWORD


def _login(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_an_import_from_upload_to_result_on_a_phone(
    live_server, browser, shot, users, make_enterprise, tmp_path
):
    e = make_enterprise("T1")
    path = tmp_path / "logs.csv"
    path.write_bytes(csv_of(e.credit_code, 5, bad_line=4))
    for n, locale in enumerate(("zh-CN", "en")):
        context = browser.new_context(locale=locale, viewport={"width": 375, "height": 800})
        page = context.new_page()
        _login(page, live_server)
        page.goto(f"{live_server}/admin/import")
        page.set_input_files("input[name=file]", str(path))
        page.check("input[name=skip_invalid]")
        page.click("#import-form button[type=submit]")
        page.wait_for_url(f"{live_server}/admin/import/*")
        assert page.locator("#import-job").get_attribute("data-status") == "queued"
        shot(page, f"import-queued-{locale}-375")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

        run_queued()  # the scheduler's job
        db.session.remove()
        page.reload()
        assert page.locator("#import-job").get_attribute("data-status") == "done"
        assert page.locator("#import-done").get_attribute("data-imported") == "4"
        assert page.locator("#import-errors tr[data-line='4']").count() == 1
        shot(page, f"import-done-{locale}-375")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

        page.goto(f"{live_server}/admin/import")
        assert page.locator("#import-jobs tbody tr").count() == n + 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        context.close()
