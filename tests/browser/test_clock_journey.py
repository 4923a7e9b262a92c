"""The deadline panel in a real browser: a mediator records the application of a hotline report,
pauses the acceptance clock while waiting on the worker, resumes it, and extends the mediation
period with both parties' consent after a refusal without it (375-px phone, Chinese)."""

from __future__ import annotations

from datetime import date, timedelta

from mediation.cases import services
from mediation.cases.clock_events import clocks_of
from mediation.cases.clocks import ClockName, ClockState, clock_named
from mediation.cases.enums import EventKind
from mediation.cases.models import Case
from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from tests.browser.test_journeys import _login


def test_mediator_pauses_and_extends_clocks_from_the_deadline_panel(
    live_server, browser, shot, users, make_case
):
    reported = utcnow() - timedelta(hours=3)
    case = make_case(channel="hotline", reported_at=reported.isoformat())
    page = browser.new_page(locale="zh-CN", viewport={"width": 375, "height": 740})
    _login(page, live_server, "mediator")
    page.goto(f"{live_server}/cases/{case.id}#clocks")
    assert page.locator("#clock-mediation .badge").inner_text() == "未开始"

    # waiting on the worker: suspend the local acceptance clock
    page.click("#clock-acceptance-suspend summary")
    page.fill("#clock-acceptance-suspend-reason", "等待职工补充工资条")
    page.click("#clock-acceptance-suspend button[type=submit]")
    page.wait_for_selector("#clock-acceptance .badge:has-text('已暂停')")
    shot(page, "clocks-paused")
    page.click("#clock-acceptance-resume summary")
    page.fill("#clock-acceptance-resume-reason", "材料已补齐")
    page.click("#clock-acceptance-resume button[type=submit]")
    page.wait_for_selector("#clock-acceptance .badge:has-text('运行中')")

    # the written application arrives: the 15 days start
    page.click("#record-application summary")
    page.fill(
        "#application-received_at", (utcnow() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    )
    page.click("#record-application button[type=submit]")
    page.wait_for_selector("#clock-mediation .badge:has-text('运行中')")
    services.fire_trigger(
        case.id, "accept", users["mediator"], {"mediator_id": users["mediator"].id}
    )
    page.reload()

    # an extension without the employer's consent is refused beside the field, input kept
    new_last_day = (local_date(utcnow()) + timedelta(days=25)).isoformat()
    page.click("#clock-mediation-extend summary")
    page.fill("#clock-mediation-extend-new_last_day", new_last_day)
    page.check("#clock-mediation-extend input[name=consent_worker]")
    page.fill("#clock-mediation-extend-reason", "双方同意延长调解期限")
    page.click("#clock-mediation-extend button[type=submit]")
    page.wait_for_selector("#clock-mediation-extend .field-error")
    assert page.input_value("#clock-mediation-extend-new_last_day") == new_last_day
    shot(page, "clocks-extension-refused")
    page.check("#clock-mediation-extend input[name=consent_employer]")
    page.click("#clock-mediation-extend button[type=submit]")
    shown = date.fromisoformat(new_last_day)  # the last day, as the panel writes it (by_day)
    page.wait_for_selector(f"#clock-mediation:has-text('{shown.month}月{shown.day}日')")
    shot(page, "clocks-extended")
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    db.session.expire_all()
    fresh = db.session.get(Case, case.id)
    clocks = clocks_of(fresh)
    mediation = clock_named(clocks, ClockName.mediation)
    assert mediation.state == ClockState.running
    assert mediation.extended_to is not None and mediation.last_day.isoformat() == new_last_day
    kinds = [(e.data or {}).get("kind") for e in fresh.events if e.kind == EventKind.clock]
    assert kinds == ["suspend", "resume", "extend"]
