"""After a take-over the unions of the case's path keep reading it, read-only (docs/security.md
"Read-only access after a take-over"), their lists mark it, and they are told."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from mediation.cases import queries, services
from mediation.cases.models import Case
from mediation.cases.scope import get_readable_case, read_scope_shape, taken_over_ids
from mediation.core.errors import NotFound, PermissionDenied
from mediation.extensions import db
from mediation.inbox import models as kinds
from mediation.inbox.models import InAppNotice
from mediation.warnings.models import Notification
from tests.cases.test_list_plans import copies_of
from tests.conftest import login, requires_postgres
from tests.helpers import reload


@pytest.fixture
def taken(users, make_case, drive):
    """A case registered at grassroots G1 (under town T1), worked by T1's mediator, taken
    over first by town T1's officer, then by the city."""
    case = drive(make_case(workers_involved=1, org="G1"), "accepted")
    services.take_over(
        case.id, users["officer"], {"version": reload(case).version, "reason": "镇督办"}
    )
    services.take_over(
        case.id, users["city_officer"], {"version": reload(case).version, "reason": "市督办"}
    )
    return reload(case)


def test_the_origin_is_the_first_union_and_stays(taken, orgs):
    assert taken.origin_org_id == orgs["G1"].id
    assert taken.handling_org_id == orgs["C"].id


def test_the_path_reads_the_case_others_do_not(taken, users, make_user):
    g1_officer = make_user("officer", "G1")
    for reader in ("officer", "mediator", "g1_mediator"):
        case, read_only = get_readable_case(users[reader], taken.id)
        assert (case.id, read_only) == (taken.id, True)
    assert get_readable_case(g1_officer, taken.id)[1] is True
    assert get_readable_case(users["city_officer"], taken.id)[1] is False
    for outsider in ("other_officer", "other_mediator", "advocate"):
        with pytest.raises(NotFound):
            get_readable_case(users[outsider], taken.id)


def test_changes_by_the_path_are_refused_with_403_and_write_nothing(taken, users):
    version, seq = taken.version, taken.event_seq
    with pytest.raises(PermissionDenied):
        services.add_note(taken.id, users["officer"], {"kind": "note", "body": "仍在跟进"})
    with pytest.raises(PermissionDenied):
        services.assign_mediator(
            taken.id, users["officer"], {"mediator_id": users["mediator"].id, "version": version}
        )
    with pytest.raises(PermissionDenied):
        services.fire_trigger(taken.id, "start_mediation", users["mediator"], {"version": version})
    after = reload(taken)
    assert (after.version, after.event_seq) == (version, seq)


def test_the_path_and_the_mediator_are_told_in_app_and_by_mail(users, make_case, drive, make_user):
    g1_officer = make_user("officer", "G1", email="g1@example.org")
    case = drive(make_case(workers_involved=1, org="G1"), "accepted")
    services.take_over(
        case.id, users["officer"], {"version": reload(case).version, "reason": "镇督办"}
    )
    db.session.execute(InAppNotice.__table__.delete())
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    services.take_over(
        case.id, users["city_officer"], {"version": reload(case).version, "reason": "市督办"}
    )
    told = set(
        db.session.scalars(select(InAppNotice.user_id).where(InAppNotice.kind == kinds.TAKEN_OVER))
    )
    # the union that handled it (T1), the one where it originated (G1), the previous mediator
    assert told == {users["officer"].id, g1_officer.id, users["mediator"].id}
    mails = db.session.scalars(select(Notification.recipient)).all()
    assert "g1@example.org" in mails


def test_the_list_shows_the_case_marked_and_the_page_is_read_only(client, taken, users, orgs):
    login(client, users["officer"])
    page = client.get("/cases").get_data(as_text=True)
    assert taken.number in page
    assert "taken-over" in page
    detail = client.get(f"/cases/{taken.id}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert 'id="read-only"' in html
    assert "note-form" not in html and "action-takeover" not in html
    answer = client.post(
        f"/cases/{taken.id}/notes", data={"kind": "note", "body": "x"}, follow_redirects=False
    )
    assert answer.status_code in (403, 404)
    api = client.get(f"/api/v1/cases/{taken.id}")
    assert api.status_code == 200
    assert api.json["read_only"] is True and api.json["allowed_triggers"] == []
    patch = client.patch(
        f"/api/v1/cases/{taken.id}", json={"version": api.json["version"], "title": "改"}
    )
    assert patch.status_code == 403


def test_the_list_of_an_outsider_and_of_the_new_union(client, taken, users):
    login(client, users["other_officer"])
    assert taken.number not in client.get("/cases").get_data(as_text=True)
    assert client.get(f"/cases/{taken.id}").status_code == 404
    client.post("/logout")
    login(client, users["city_officer"])
    page = client.get("/cases").get_data(as_text=True)
    assert taken.number in page and "taken-over" not in page


def test_the_list_query_counts_the_taken_over_cases_with_the_scope(taken, users, make_case):
    make_case(workers_involved=1, org="G1")
    result = queries.paginate_case_list(users["officer"], {}, 1, 50, None)
    ids = [row.id for row in result.items]
    assert taken.id in ids and result.total == 2
    assert taken_over_ids(users["officer"]) == [taken.id]
    assert taken_over_ids(users["city_officer"]) == []
    # filtered by state (the other shape of the list), still with the taken-over case
    result = queries.paginate_case_list(users["officer"], {"state": "accepted"}, 1, 50, None)
    assert [row.id for row in result.items] == [taken.id]


@requires_postgres
def test_the_read_only_arm_keeps_the_lists_index_plan(
    taken, users, make_case, make_enterprise, capsys
):
    """With the taken-over arm (`id IN (...)`) the officer's first page still walks
    `ix_cases_received_id` and stops after its rows, and a page filtered by state still reads
    the scope from `ix_cases_handling_org_state_level` (a BitmapOr with the primary key):
    no sequential scan of the cases, no sort of the whole scope (docs/case-list.md
    "Taken-over cases")."""
    copies_of(make_case(workers_involved=1, org="G1"), 20_000)
    other = make_enterprise("G2").id
    copies_of(
        make_case(workers_involved=1, org="G2", by=users["other_mediator"], enterprise_id=other),
        20_000,
    )
    officer = users["officer"]
    assert read_scope_shape(officer) == "subtree_read"
    for filters in ({}, {"state": "accepted"}):
        keys = (
            queries.filtered_cases(officer, filters, load_advocates=False)
            .with_only_columns(Case.id)
            .limit(50)
        )
        sql = keys.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(db.session.execute(text(f"EXPLAIN {sql}")).scalars())
        with capsys.disabled():
            print(f"\n{filters}:\n{plan}")
        assert "Seq Scan on cases" not in plan
        assert "ix_cases_" in plan
        if not filters:
            assert "Sort" not in plan.split("Limit", 1)[1].split("->", 2)[1]
