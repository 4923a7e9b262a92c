"""Months of wages owed, counted from the first unpaid pay day (docs/domain.md "Wage arrears"):
pay days recur on the corresponding day of each month, clamped to the month's end (Civil Code
art. 202), each counted from its own first moment."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.cases.arrears import day_owing, months_owed, next_pay_day
from mediation.cases.enums import EventKind
from mediation.cases.models import Case, CaseEvent
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from tests.conftest import login
from tests.helpers import T0, count, reload
from tests.html import dom


@pytest.mark.parametrize(
    ("since", "today", "months"),
    [
        # the worked example: 31 Jan, 28 Feb, 31 Mar, 30 Apr, 31 May; 30 June not yet
        (date(2026, 1, 31), date(2026, 1, 31), 1),
        (date(2026, 1, 31), date(2026, 6, 29), 5),
        (date(2026, 1, 31), date(2026, 6, 30), 6),
        # February has no 31st: its pay day is the 28th (the 29th in a leap year)
        (date(2026, 1, 31), date(2026, 2, 27), 1),
        (date(2026, 1, 31), date(2026, 2, 28), 2),
        (date(2028, 1, 31), date(2028, 2, 28), 1),
        (date(2028, 1, 31), date(2028, 2, 29), 2),
        # a clamped month does not move the next one: March's pay day is the 31st again
        (date(2026, 1, 31), date(2026, 3, 30), 2),
        (date(2026, 1, 31), date(2026, 3, 31), 3),
        # an ordinary pay day, across a year
        (date(2025, 11, 15), date(2025, 11, 14), 0),
        (date(2025, 11, 15), date(2025, 11, 15), 1),
        (date(2025, 11, 15), date(2026, 1, 14), 2),
        (date(2025, 11, 15), date(2026, 1, 15), 3),
        (date(2025, 11, 15), date(2026, 11, 15), 13),
    ],
)
def test_months_owed(since, today, months):
    assert months_owed(since, today) == months


def test_nothing_is_owed_before_the_first_unpaid_pay_day():
    assert months_owed(date(2026, 5, 10), date(2026, 5, 9)) == 0
    assert next_pay_day(date(2026, 5, 10), date(2026, 5, 9)) == date(2026, 5, 10)


def test_the_next_pay_day_is_the_day_the_months_grow():
    since = date(2026, 1, 31)
    assert next_pay_day(since, date(2026, 1, 31)) == date(2026, 2, 28)
    assert next_pay_day(since, date(2026, 2, 28)) == date(2026, 3, 31)
    assert next_pay_day(since, date(2026, 6, 29)) == date(2026, 6, 30)
    for today in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 4, 1), date(2026, 12, 30)):
        day = next_pay_day(since, today)
        assert months_owed(since, day) == months_owed(since, today) + 1
        assert months_owed(since, date.fromordinal(day.toordinal() - 1)) == months_owed(
            since, today
        )


def test_the_day_a_number_of_months_is_owed():
    since = date(2026, 1, 31)
    assert day_owing(since, 1) == since
    assert day_owing(since, 3) == date(2026, 3, 31)
    assert months_owed(since, day_owing(since, 3)) == 3


# --- the first unpaid pay day as a fact of the case -----------------------------------------------


def _today() -> date:
    return local_date(utcnow())


def test_an_arrears_case_may_give_the_first_unpaid_pay_day_instead_of_the_months(
    users, case_payload
):
    payload = case_payload(wages_unpaid_since="2026-01-31")
    del payload["arrears_months"]
    case = services.create_case(users["mediator"], payload, now=T0)
    stored = reload(case.id)
    assert (stored.wages_unpaid_since, stored.arrears_months) == (date(2026, 1, 31), None)


def test_an_older_client_sending_only_the_months_still_works(users, case_payload):
    case = services.create_case(users["mediator"], case_payload(arrears_months=3), now=T0)
    assert (reload(case.id).arrears_months, reload(case.id).wages_unpaid_since) == (3, None)


def test_an_arrears_case_needs_the_months_or_the_first_unpaid_pay_day(users, case_payload):
    payload = case_payload()
    del payload["arrears_months"]
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], payload)
    assert list(info.value.fields) == ["arrears_months"]
    assert "first unpaid pay day" in str(info.value.fields["arrears_months"][0])
    assert count(Case) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [("tomorrow", "Must not be in the future."), ("1989-12-31", "Must be between 1990 and 2100."),
     ("31/01/2026", "Not a valid date.")],
)  # fmt: skip
def test_the_first_unpaid_pay_day_is_checked(users, case_payload, value, message):
    if value == "tomorrow":
        value = (_today() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as info:
        services.create_case(users["mediator"], case_payload(wages_unpaid_since=value))
    assert [str(m) for m in info.value.fields["wages_unpaid_since"]] == [message]
    assert count(Case) == 0


def test_editing_the_first_unpaid_pay_day_is_recorded_old_to_new(users, make_case):
    case = make_case(now=T0)
    services.update_facts(
        case.id, users["mediator"],
        {"version": case.version, "wages_unpaid_since": "2026-01-15", "arrears_months": None},
        now=T0,
    )  # fmt: skip
    stored = reload(case.id)
    assert (stored.wages_unpaid_since, stored.arrears_months) == (date(2026, 1, 15), None)
    edit = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.edit)
    ).one()
    assert edit.data["wages_unpaid_since"] == [None, "2026-01-15"]
    assert edit.data["arrears_months"] == [2, None]


def test_an_edit_may_not_leave_an_arrears_case_without_either(users, make_case):
    case = make_case(now=T0, arrears_months=None, wages_unpaid_since="2026-01-15")
    with pytest.raises(ValidationFailed) as info:
        services.update_facts(
            case.id, users["mediator"], {"version": case.version, "wages_unpaid_since": None}
        )
    assert list(info.value.fields) == ["wages_unpaid_since"]
    assert reload(case.id).wages_unpaid_since == date(2026, 1, 15)


def test_the_forms_have_the_field_and_the_case_page_counts_the_months_today(
    client, users, make_case
):
    since = _today() - timedelta(days=1)
    case = make_case(now=T0, arrears_months=None, wages_unpaid_since=since.isoformat())
    login(client, users["mediator"])
    client.post("/language", data={"lang": "en"})
    assert dom(client.get("/cases/new")).find("input", name="wages_unpaid_since") is not None
    edit = dom(client.get(f"/cases/{case.id}/edit"))
    assert edit.find("input", name="wages_unpaid_since").attrs["value"] == since.isoformat()
    page = dom(client.get(f"/cases/{case.id}"))
    owed = page.find("dd", id="months-owed").text
    assert owed == f"{months_owed(since, _today())} (unpaid since {since.isoformat()})"
    assert "Months owed" in page.find("dl", cls="facts").text


def test_clearing_the_months_on_the_edit_form_once_the_pay_day_is_given(client, users, make_case):
    case = make_case(now=T0)
    login(client, users["mediator"])
    data = {
        "version": str(case.version), "category": "remuneration", "title": case.title,
        "workers_involved": "12", "arrears_months": "", "wages_unpaid_since": "2026-01-15",
        "enterprise_id": str(case.enterprise_id),
    }  # fmt: skip
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    stored = reload(case.id)
    assert (stored.wages_unpaid_since, stored.arrears_months) == (date(2026, 1, 15), None)
    # both cleared: the form again, the message beside the months
    data |= {"version": str(stored.version), "wages_unpaid_since": ""}
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 422
    assert reload(case.id).wages_unpaid_since == date(2026, 1, 15)
