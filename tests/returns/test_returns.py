"""Returns on rights work (docs/returns.md): periods, the generic tables, the workflow, the
frozen snapshot and its versions, the workbook, the bad input."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from mediation.cases import services as case_services
from mediation.cases.scope import get_visible_case
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import Conflict, PermissionDenied, ValidationFailed
from mediation.returns import services, tables
from mediation.returns.models import ReturnEvent
from mediation.returns.periods import PeriodKind, ReturnPeriod, last_month
from mediation.returns.workflow import ReturnState
from tests.api.conftest import error_of
from tests.conftest import login

# --- periods ---------------------------------------------------------------------------------------


def test_a_period_its_year_to_date_and_the_same_period_last_year():
    february = ReturnPeriod(PeriodKind.month, 2028, 2)  # a leap year
    assert (february.start, february.end) == (date(2028, 2, 1), date(2028, 2, 29))
    assert february.last_year == type(february.last_year)(date(2027, 2, 1), date(2027, 2, 28))
    assert february.year_to_date.start == date(2028, 1, 1)
    q3 = ReturnPeriod(PeriodKind.quarter, 2026, 3)
    assert (q3.start, q3.end) == (date(2026, 7, 1), date(2026, 9, 30))
    year = ReturnPeriod(PeriodKind.year, 2026, 1)
    assert (year.start, year.end, year.following_month()) == (
        date(2026, 1, 1), date(2026, 12, 31), (2027, 1))  # fmt: skip
    assert last_month(date(2027, 1, 5)) == ReturnPeriod(PeriodKind.month, 2026, 12)
    # due on the 31st of a month of 30 days: its last day
    assert services.due_on(ReturnPeriod(PeriodKind.month, 2026, 10), 31) == date(2026, 11, 30)


# --- the tables, generically ---------------------------------------------------------------------


def _report(received: int, **extra) -> dict:
    return {
        "period": {}, "organization_id": None, "received": received, "closed": 5,
        "mediation_success_rate": 0.52, "median_days_to_closure": 12.5,
        "amounts": {"claimed": "1000.00", "recovered": "250.50"},
        "by_bucket": {"remuneration": received}, "by_state": {"reported": 1},
        **extra,
    }  # fmt: skip


def test_the_tables_iterate_the_labels_and_take_new_figures(app):
    this, ytd, last = _report(6, new_figure=3, by_channel={"hotline": 2, "walk_in": 1}), \
        _report(20), _report(4)  # fmt: skip
    overview = tables.overview([this, ytd, last])
    rows = {r["label"]["en"]: r for r in overview["rows"]}
    # worked example: 6 this month against 4 a year before is +50%
    assert rows["Cases received"]["values"] == [6, 20, 4, 50.0]
    # a rate changes by percentage points: 52% against 52% is 0 points
    assert rows["Mediation success rate"]["values"][3] == 0.0
    assert rows["Mediation success rate"]["kinds"][3] == tables.POINTS
    assert rows["Amount recovered (yuan)"]["values"][:3] == ["250.50", "250.50", "250.50"]
    # a figure report() gained slots in under its key; the cases' state today stays out
    assert rows["New figure"]["values"][0] == 3
    assert not any("state" in label.lower() for label in rows)

    # an amount in fen only is shown in yuan
    assert tables.scalars({"owed_fen": 123456}) == {"owed": "1234.56"}
    towns = tables.town_table([{"organization_id": 1, "name": "一镇工会", "tier": "town",
                                "received": 2, "claimed_fen": 100, "claimed": "1.00"}])  # fmt: skip
    assert towns["rows"][0]["values"] == [2, "1.00"]

    found = {t["key"]: t for t in tables.breakdowns([this, ytd, last])}
    # every statistics bucket in the order of its labels, with zeros, then the new breakdown
    bucket_rows = [r["label"]["en"] for r in found["by_bucket"]["rows"]]
    from mediation.reports import stats

    assert len(bucket_rows) == len(stats.BUCKET_LABELS)
    assert found["by_bucket"]["rows"][0]["values"][:3] == [6, 20, 4]
    assert [r["values"][0] for r in found["by_channel"]["rows"]] == [2, 1]


# --- the workflow, the snapshot and the versions -------------------------------------------------


def _this_month() -> dict:
    today = local_date(utcnow())
    return {"kind": "month", "year": today.year, "number": today.month}


def _received(document: dict) -> int:
    overview = next(t for t in document["tables"] if t["key"] == "overview")
    return next(r["values"][0] for r in overview["rows"] if r["label"]["en"] == "Cases received")


def test_a_submitted_return_does_not_change_when_cases_do(app, users, make_case, drive):
    first = make_case()
    make_case()
    ret = services.create_draft(users["officer"], _this_month())
    services.update_sections(users["officer"], ret.id, {
        "typical_case_ids": [first.id], "typical_cases": "某厂拖欠工资案", "main_problems": "欠薪集中",
        "next_steps": "加强排查",
    })  # fmt: skip
    ret = services.fire(users["officer"], ret.id, "submit")
    assert ret.state == ReturnState.submitted
    frozen = ret.versions[0].snapshot
    assert _received(frozen) == 2
    assert frozen["typical_cases"][0]["number"] == first.number

    # later: a new case, the cited one moves on, its title is corrected
    make_case()
    drive(first, "accepted")
    case = get_visible_case(users["officer"], first.id)
    case_services.update_facts(
        first.id, users["officer"], {"title": "改正后的标题", "version": case.version}
    )

    version = services.get_version(users["officer"], ret.id, 1)
    assert version.snapshot == frozen
    assert _received(version.snapshot) == 2
    assert version.snapshot["typical_cases"][0]["title"] == "拖欠12名工人两个月工资"
    assert _received(services.live_document(users["officer"], ret)) == 3
    # and the sections cannot be written any more
    with pytest.raises(Conflict):
        services.update_sections(users["officer"], ret.id, {"next_steps": "改"})


def test_a_send_back_and_a_resubmission_keep_both_versions(app, users, make_case, api):
    make_case()
    ret = services.create_draft(users["officer"], _this_month())
    services.update_sections(users["officer"], ret.id, {"main_problems": "第一稿"})
    services.fire(users["officer"], ret.id, "submit")

    # the city must say what to change
    answer = api.post(f"/returns/{ret.id}/send-back", as_=users["city_officer"], json={})
    assert answer.status_code == 422, answer.json
    assert "note" in error_of(answer)["fields"]
    # a town officer does not decide on their own return; another town's does not see it
    assert api.post(f"/returns/{ret.id}/approve", as_=users["officer"],
                    json={}).status_code == 403  # fmt: skip
    assert api.post(f"/returns/{ret.id}/approve", as_=users["other_officer"],
                    json={}).status_code == 404  # fmt: skip
    answer = api.post(f"/returns/{ret.id}/send-back", as_=users["city_officer"],
                      json={"note": "请补充典型案例"})  # fmt: skip
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "sent_back"

    answer = api.patch(f"/returns/{ret.id}", as_=users["officer"],
                       json={"main_problems": "第二稿", "version": answer.json["version"]})  # fmt: skip
    assert answer.status_code == 200, answer.json
    answer = api.post(f"/returns/{ret.id}/submit", as_=users["officer"], json={})
    assert answer.status_code == 200, answer.json
    answer = api.post(f"/returns/{ret.id}/approve", as_=users["city_officer"], json={})
    assert answer.json["state"] == "approved"

    versions = answer.json["versions"]
    assert [(v["number"], v["decision"], v["note"]) for v in versions] == [
        (1, "sent_back", "请补充典型案例"), (2, "approved", None)]  # fmt: skip
    first = api.get(f"/returns/{ret.id}/versions/1", as_=users["officer"]).json
    second = api.get(f"/returns/{ret.id}/versions/2", as_=users["mediator"]).json
    assert first["snapshot"]["sections"]["main_problems"] == "第一稿"
    assert second["snapshot"]["sections"]["main_problems"] == "第二稿"
    # who did what
    kinds = [e.kind for e in app.extensions["sqlalchemy"].session.query(ReturnEvent)
             .filter_by(return_id=ret.id).order_by(ReturnEvent.id)]  # fmt: skip
    assert kinds == ["created", "saved", "submit", "send_back", "saved", "submit", "approve"]


def test_the_city_return_aggregates_its_towns_and_is_filed(app, users, make_case, api):
    make_case()
    make_case(org="G2", by=users["admin"])
    answer = api.post("/returns", as_=users["city_officer"], json=_this_month())
    assert answer.status_code == 201, answer.json
    assert _received(answer.json["document"]) == 2
    towns = next(t for t in answer.json["document"]["tables"] if t["key"] == "by_town")
    assert sorted(r["label"]["zh"] for r in towns["rows"]) == ["一镇工会", "二镇工会"]
    answer = api.post(f"/returns/{answer.json['id']}/submit", as_=users["city_officer"],
                      json={})  # fmt: skip
    assert answer.json["state"] == "filed"
    assert answer.json["versions"][0]["decision"] == "filed"
    # filed is final
    assert api.post(f"/returns/{answer.json['id']}/submit", as_=users["city_officer"],
                    json={}).status_code == 409  # fmt: skip


def test_bad_input_gets_field_messages(app, users, api):
    today = local_date(utcnow())
    nxt = {"kind": "month", "year": today.year + 1, "number": today.month}
    answer = api.post("/returns", as_=users["officer"], json=nxt)
    assert answer.status_code == 422 and "year" in error_of(answer)["fields"]
    answer = api.post("/returns", as_=users["officer"], json={**_this_month(), "number": 13})
    assert answer.status_code == 422 and "number" in error_of(answer)["fields"]
    answer = api.post("/returns", as_=users["officer"],
                      json={"kind": "quarter", "year": 2025, "number": 5})  # fmt: skip
    assert answer.status_code == 422 and "number" in error_of(answer)["fields"]
    assert api.post("/returns", as_=users["officer"], json=_this_month()).status_code == 201
    answer = api.post("/returns", as_=users["officer"], json=_this_month())
    assert answer.status_code == 422 and "number" in error_of(answer)["fields"]
    # a grassroots union writes no return; a mediator drafts none
    answer = api.post("/returns", as_=users["admin"],
                      json={**_this_month(), "organization_id": users["g1_mediator"].organization_id})  # fmt: skip
    assert answer.status_code == 422 and "organization_id" in error_of(answer)["fields"]
    assert api.post("/returns", as_=users["mediator"], json=_this_month()).status_code == 403


def test_who_reads_a_return(app, users, api):
    ret = services.create_draft(users["officer"], _this_month())
    for who, status in [("officer", 200), ("mediator", 200), ("city_officer", 200), ("admin", 200),
                        ("advocate", 404), ("other_officer", 404), ("other_mediator", 404),
                        ("g1_mediator", 404)]:  # fmt: skip
        assert api.get(f"/returns/{ret.id}", as_=users[who]).status_code == status, who
    assert [r["id"] for r in api.get("/returns", as_=users["advocate"]).json["items"]] == []
    # a mediator reads but does not write; the city does not write a town's sections
    with pytest.raises(PermissionDenied):
        services.update_sections(users["mediator"], ret.id, {"next_steps": "x"})
    with pytest.raises(PermissionDenied):
        services.update_sections(users["city_officer"], ret.id, {"next_steps": "x"})
    with pytest.raises(ValidationFailed):
        services.update_sections(users["officer"], ret.id, {"typical_case_ids": [10**6]})


# --- the workbook and the printed page -----------------------------------------------------------


def test_the_workbook_opens_with_chinese_sheets_and_columns(app, users, make_case, client):
    make_case()
    ret = services.create_draft(users["officer"], _this_month())
    services.fire(users["officer"], ret.id, "submit")
    login(client, users["mediator"])
    answer = client.get(f"/returns/{ret.id}/workbook?version=1")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    snapshot = ret.versions[0].snapshot
    titles = [t["title"]["zh"] for t in snapshot["tables"]]
    assert book.sheetnames[: len(titles)] == [t[:31] for t in titles]
    first = book[book.sheetnames[0]]
    headers = [c.value for c in next(first.iter_rows(max_row=1))]
    assert headers == [h["zh"] for h in snapshot["tables"][0]["headers"]]
    assert headers[0] == "指标"
    cjk = [any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in book.sheetnames]
    assert all(cjk), [n for n, c in zip(book.sheetnames, cjk, strict=True) if not c]
    # numbers stay numbers
    assert first.cell(row=2, column=2).value == 1


def test_the_pages_of_a_return(app, users, make_case, client):
    make_case()
    ret = services.create_draft(users["officer"], _this_month())
    login(client, users["officer"])
    assert client.get("/returns").status_code == 200
    page = client.get(f"/returns/{ret.id}/edit")
    assert page.status_code == 200
    answer = client.post(f"/returns/{ret.id}/edit", data={"main_problems": "问题", "version": "1"})
    assert answer.status_code == 302, answer.text[:2000]
    answer = client.post(f"/returns/{ret.id}/steps/submit", data={"version": "2"})
    assert answer.status_code == 302, answer.text[:2000]
    assert client.get(f"/returns/{ret.id}").status_code == 200
    assert client.get(f"/returns/{ret.id}/versions").status_code == 200
    assert client.get(f"/returns/{ret.id}/versions/1").status_code == 200
    printed = client.get(f"/returns/{ret.id}/print")
    assert printed.status_code == 200 and "问题" in printed.text
    client.post("/logout")
    login(client, users["city_officer"])
    answer = client.post(f"/returns/{ret.id}/steps/send_back", data={"version": "3"})
    assert answer.status_code == 422
    assert "send_back" in answer.text
    answer = client.post(f"/returns/{ret.id}/steps/send_back",
                         data={"version": "3", "note": "请补充典型案例"})  # fmt: skip
    assert answer.status_code == 302
    # the town sees why, on the return it writes again
    client.post("/logout")
    login(client, users["officer"])
    assert "请补充典型案例" in client.get(f"/returns/{ret.id}").text
