"""In-app notices: each event tells exactly the right users, once (docs/notifications.md)."""

from __future__ import annotations

from sqlalchemy import select

from mediation.cases import services
from mediation.extensions import db
from mediation.inbox import models as kinds
from mediation.inbox.models import InAppNotice
from mediation.warnings import services as warning_services
from mediation.warnings.models import Alert, Notification
from tests.conftest import login
from tests.helpers import reload


def notices(kind: str | None = None) -> list[tuple[int, str]]:
    stmt = select(InAppNotice.user_id, InAppNotice.kind).order_by(InAppNotice.id)
    if kind:
        stmt = stmt.where(InAppNotice.kind == kind)
    return [tuple(r) for r in db.session.execute(stmt)]


def test_an_alert_to_my_union_tells_its_officers_only(users, orgs, make_case, make_user):
    second_city = make_user("officer", "C")
    make_user("officer", "C", active=False)
    case = make_case(workers_involved=1)
    alert = warning_services.escalate(
        case.id, users["officer"], {"level": "orange", "reason": "企业主失联风险"}
    )
    got = db.session.scalars(select(InAppNotice).where(InAppNotice.alert_id == alert.id)).all()
    assert sorted(n.user_id for n in got) == sorted([users["city_officer"].id, second_city.id])
    assert {(n.kind, n.case_id) for n in got} == {(kinds.ALERT, case.id)}
    assert got[0].params["number"] == case.number


def test_assigning_a_mediator_tells_that_mediator(users, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")
    before = len(notices())
    services.assign_mediator(
        case.id, users["officer"],
        {"mediator_id": users["g1_mediator"].id, "version": reload(case).version},
    )  # fmt: skip
    assert notices()[before:] == [(users["g1_mediator"].id, kinds.MEDIATOR_ASSIGNED)]


def test_assigning_an_advocate_tells_that_advocate(users, make_case):
    case = make_case(workers_involved=1)
    before = len(notices())
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    assert notices()[before:] == [(users["advocate"].id, kinds.ADVOCATE_ASSIGNED)]


def test_a_takeover_tells_the_previous_mediator_and_the_unions_officers(
    users, orgs, make_case, drive, make_user
):
    second_town = make_user("officer", "T1", email="t1b@example.org")
    case = drive(make_case(workers_involved=1, org="T1"), "accepted")  # mediator at T1
    services.take_over(
        case.id, users["city_officer"], {"version": reload(case).version, "reason": "市总督办"}
    )
    got = notices(kinds.TAKEN_OVER)
    assert sorted(got) == sorted(
        [(users["mediator"].id, kinds.TAKEN_OVER), (users["officer"].id, kinds.TAKEN_OVER),
         (second_town.id, kinds.TAKEN_OVER)]
    )  # fmt: skip
    # and in the outbox for e-mail, for those with an address
    mails = db.session.scalars(
        select(Notification).where(
            Notification.alert_id.is_(None), Notification.user_id == second_town.id
        )
    ).all()
    assert [m.recipient for m in mails] == ["t1b@example.org"]
    assert case.number in mails[0].subject


def test_a_visit_tells_the_cases_mediator_but_not_its_author(users, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")
    before = len(notices())
    services.add_note(case.id, users["officer"], {"kind": "visit", "body": "走访"})
    services.add_note(case.id, users["officer"], {"kind": "note", "body": "备注"})
    services.add_note(case.id, users["mediator"], {"kind": "visit", "body": "自己走访"})
    assert notices()[before:] == [(users["mediator"].id, kinds.VISIT)]


def test_acknowledging_tells_the_mediator_and_the_unions_below(users, make_case, drive):
    case = drive(make_case(workers_involved=1, org="T1"), "accepted")
    alert = warning_services.escalate(
        case.id, users["officer"], {"level": "orange", "reason": "企业主失联风险"}
    )
    before = len(notices())
    warning_services.acknowledge(alert.id, users["city_officer"], {"note": "已督办"})
    assert sorted(notices()[before:]) == sorted(
        [(users["mediator"].id, kinds.ACKNOWLEDGED), (users["officer"].id, kinds.ACKNOWLEDGED)]
    )
    assert db.session.get(Alert, alert.id).acknowledged_by_id == users["city_officer"].id


def test_the_page_shows_my_notices_in_my_language_and_marks_them_read(
    client, users, make_case, drive
):
    case = drive(make_case(workers_involved=1), "accepted")
    services.add_note(case.id, users["officer"], {"kind": "visit", "body": "走访"})
    login(client, users["mediator"])
    page = client.get("/cases", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="bell-count">1<' in page
    page = client.get("/notices", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"recorded a visit on case {case.number}" in page
    assert "notice-new" in page
    assert 'id="bell-count"' not in page  # read now: the bell is down on this very page
    db.session.expire_all()
    assert (
        db.session.scalar(select(InAppNotice.read_at).where(InAppNotice.kind == kinds.VISIT))
        is not None
    )
    page = client.get("/notices?lang=zh").get_data(as_text=True)
    assert "notice-new" not in page


def test_opening_a_notice_leads_to_its_case_and_others_are_404(client, users, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")
    services.add_note(case.id, users["officer"], {"kind": "visit", "body": "走访"})
    notice_id = db.session.scalar(select(InAppNotice.id).where(InAppNotice.kind == kinds.VISIT))
    login(client, users["other_mediator"])
    assert client.get(f"/notices/{notice_id}").status_code == 404
    assert "走访" not in client.get("/notices").get_data(as_text=True)
    client.post("/logout")
    login(client, users["mediator"])
    resp = client.get(f"/notices/{notice_id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cases/{case.id}")
    db.session.expire_all()
    assert db.session.get(InAppNotice, notice_id).read_at is not None


def test_mark_all_read(client, users, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")
    for _ in range(3):
        services.add_note(case.id, users["officer"], {"kind": "visit", "body": "走访"})
    login(client, users["mediator"])
    assert client.post("/notices/read").status_code == 302
    mine = select(InAppNotice.id).where(InAppNotice.user_id == users["mediator"].id)
    assert db.session.scalar(mine) is not None
    assert db.session.scalar(mine.where(InAppNotice.read_at.is_(None))) is None


def test_api_lists_mine_and_marks_read(client, users, make_case, drive):
    case = drive(make_case(workers_involved=1), "accepted")
    services.add_note(case.id, users["officer"], {"kind": "visit", "body": "走访"})
    services.add_note(case.id, users["officer"], {"kind": "visit", "body": "再访"})
    login(client, users["mediator"])
    body = client.get("/api/v1/notices").get_json()
    assert body["total"] == 2 and body["items"][0]["kind"] == "visit"
    assert body["items"][0]["url"] == f"/cases/{case.id}"
    first = body["items"][0]["id"]
    assert client.post("/api/v1/notices/read", json={"ids": [first]}).get_json() == {"marked": 1}
    assert client.post("/api/v1/notices/read", json={}).get_json() == {"marked": 1}
    bad = client.post("/api/v1/notices/read", json={"ids": ["x"], "other": 1})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"ids.0", "other"}
    client.post("/logout")
    login(client, users["other_mediator"])
    assert client.get("/api/v1/notices").get_json()["total"] == 0
    # another's ids are ignored
    assert client.post("/api/v1/notices/read", json={"ids": [first]}).get_json() == {"marked": 0}


def test_the_bell_costs_no_query_of_its_own(client, users, app):
    from sqlalchemy import event

    login(client, users["mediator"])
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get("/workflow")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert sum("in_app_notices" in s for s in statements) == 1  # inside the user's lookup
    assert any("in_app_notices" in s and "FROM users" in s for s in statements)


def _statements_of(client, path: str) -> list[str]:
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_the_list_page_reads_the_same_whatever_the_number_of_notices(client, users, orgs):
    from mediation.core.clock import utcnow
    from mediation.inbox.services import notify

    def add(n: int) -> None:
        for i in range(n):
            kind = kinds.KINDS[i % len(kinds.KINDS)]
            notify([users["officer"].id], kind, utcnow(),
                   params={"number": f"T1-2026-{i:05}", "by": "某人", "level": "red",
                           "rule": "collective", "org": "市总工会"})  # fmt: skip
        db.session.commit()

    login(client, users["officer"])
    add(2)
    few = len(_statements_of(client, "/notices"))
    add(23)
    many = _statements_of(client, "/notices")
    assert len(many) == few  # no statement per notice
