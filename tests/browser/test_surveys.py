"""The survey form on the enterprise's page in a real browser, on a 375-px phone and a desktop,
in both languages: a refused figure comes back beside its field with what was typed, the
corrected survey shows its rates, and the survey pages fit the phone (docs/enterprise-file.md).
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from mediation.core.clock import local_date, utcnow
from tests.browser.test_phone_widths import _login


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_survey_form_on_a_phone_and_a_desktop(
    live_server, browser, shot, users, make_enterprise, locale, width
):
    enterprise = make_enterprise("G1", name="江川某某纺织服装有限公司")
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    _login(page, live_server, users["mediator"].username)
    page.goto(f"{live_server}/enterprises/{enterprise.id}")
    form = page.locator("#survey-form")
    form.locator("[name=as_of]").fill(local_date(utcnow()).isoformat())
    form.locator("[name=employees]").fill("40")
    form.locator("[name=contracts_signed]").fill("44")
    form.locator("[name=migrant_workers]").fill("10")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator("#s-contracts_signed ~ .field-error")
    assert error.count() == 1
    assert page.locator("#s-contracts_signed").input_value() == "44"
    assert page.locator("#s-migrant_workers").input_value() == "10"
    shot(page, f"survey-refused-{width}-{locale}")

    page.locator("#s-contracts_signed").fill("30")
    page.locator("#survey-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/enterprises/{enterprise.id}/surveys")
    assert page.locator("[data-signing-rate='75.0%']").count() >= 1
    for path in (f"/enterprises/{enterprise.id}/surveys", f"/enterprises/{enterprise.id}",
                 "/reports/labour-contracts", "/enterprises/surveys/import"):  # fmt: skip
        answer = page.goto(live_server + path)
        assert answer is not None and answer.status == 200, path
        if width == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    shot(page, f"survey-import-{width}-{locale}")
    page.goto(f"{live_server}/enterprises/{enterprise.id}")
    shot(page, f"survey-enterprise-{width}-{locale}")
    context.close()
