"""Deadlines are shown as their last day, that day included (issue 20): "12月20日（含）前" /
"by 20 Dec", never the next day's 00:00."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask_babel import refresh

from mediation.core.clock import local_date, local_zone, utcnow
from mediation.core.periods import ends_at
from mediation.core.web import by_day, last_day_of
from mediation.extensions import db
from tests.conftest import login

EN = {"Accept-Language": "en"}
TODAY = date(2026, 12, 3)


def test_a_last_day_in_each_language(app):
    with app.test_request_context():
        assert by_day(date(2026, 12, 20), TODAY) == "12月20日（含）前"
        assert by_day(date(2027, 1, 5), TODAY) == "2027年1月5日（含）前"
        assert by_day(None) == "—"
    with app.test_request_context(headers=EN):
        refresh()
        assert by_day(date(2026, 12, 20), TODAY) == "by 20 Dec"
        assert by_day(date(2027, 1, 5), TODAY) == "by 5 Jan 2027"


def test_the_first_moment_after_a_period_is_shown_as_its_last_day(app):
    """`ends_at(day)` is 24:00 of the day (the next day's 00:00 in China): shown as the day."""
    moment = ends_at(date(2026, 12, 20))
    assert moment.astimezone(local_zone()).day == 21
    assert last_day_of(moment) == date(2026, 12, 20)
    later = datetime(2026, 12, 20, 15, 30, tzinfo=local_zone())
    assert last_day_of(later) == date(2026, 12, 20)
    with app.test_request_context():
        assert by_day(moment, TODAY) == "12月20日（含）前"


def _running_case(make_case, drive):
    case = make_case(workers_involved=3)
    return drive(case, "mediating")


def test_the_case_pages_show_deadlines_by_their_last_day(app, users, make_case, drive):
    case = _running_case(make_case, drive)
    client = app.test_client()
    login(client, users["mediator"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    panel = re.search(r'<section id="clocks".*?</section>', page, re.S).group(0)
    days = re.findall(r'data-last-day="([\d-]+)">法定期限：(\d+)月(\d+)日（含）前', panel)
    assert days, panel[:500]
    for iso, month, day in days:
        last = date.fromisoformat(iso)
        assert (last.month, last.day) == (int(month), int(day))
    assert "24:00" not in panel and "00:00" not in panel

    listing = client.get("/cases").get_data(as_text=True)
    cell = re.search(r'<span class="deadline[^"]*">(.*?)</span>', listing).group(1)
    assert re.search(r"\d+月\d+日（含）前", cell), cell
    dashboard = client.get("/").get_data(as_text=True)
    assert re.search(r'data-last-day="[\d-]+">\d+月\d+日（含）前', dashboard)

    english = client.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert re.search(r"Legal deadline: by \d+ [A-Z][a-z]{2}\b", english)


def test_an_agreement_due_date_reads_by_its_last_day(app, users, make_case, drive):
    case = _running_case(make_case, drive)
    due = local_date(utcnow()) + timedelta(days=10)
    case.agreement_terms, case.agreement_amount_fen, case.agreement_due_on = "一次付清", 100, due
    db.session.commit()
    client = app.test_client()
    login(client, users["mediator"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    year = f"{due.year}年" if due.year != local_date(utcnow()).year else ""
    assert f"<dd>{year}{due.month}月{due.day}日（含）前</dd>" in page
