"""The Content-Security-Policy breaks no page: the pages with scripts, styles, charts and
printable documents load in Chromium with no CSP violation and no script error, and their
scripts (the employer search, the charts, the print button) still run."""

from __future__ import annotations

from tests.browser.test_role_journeys import _login


def test_pages_with_scripts_and_documents_load_without_csp_violations(
    live_server, browser, users, make_case, drive
):
    case = drive(make_case(), "agreement")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []

    def console(message) -> None:
        where = message.location.get("url") or ""
        if where.endswith("/favicon.ico"):  # (the app has none: not a policy matter)
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{message.text} ({where})")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda answer: (
            problems.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None
        ),
    )
    _login(page, live_server, "officer")
    for path in (
        "/",
        "/cases",
        "/cases/new",
        f"/cases/{case.id}",
        "/reports",
        "/workflow",
        "/api/v1/docs",
        f"/cases/{case.id}/documents/agreement",
    ):
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp, path

    # the print button works through static/print.js, not an inline handler
    page.evaluate("window.print = () => { window.printed = true; }")
    page.click("#print-button")
    assert page.evaluate("window.printed === true")

    # the charts of the reports page are drawn (reports.js reads the JSON data block)
    page.goto(live_server + "/reports")
    page.wait_for_load_state("load")
    assert page.evaluate("Object.keys(Chart.instances).length") > 0
    assert not problems, "\n".join(problems)
    context.close()
