"""The case pages: list, new case, detail with its action forms, notes, assignment and edit."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from mediation.cases import services, workflow
from mediation.cases.enums import EventKind, State
from mediation.cases.models import Case, CaseEvent
from mediation.core.clock import utcnow
from mediation.core.identifiers import mask_id_number
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from tests.conftest import (
    PATH_TO,
    future_date,
    login,
    trigger_payload,
    valid_credit_code,
    valid_id_number,
)
from tests.helpers import count, reload
from tests.html import Node, dom

# --- reading the pages --------------------------------------------------------------------------


def form_values(form: Node) -> dict[str, str]:
    """What a browser would submit for this form untouched."""
    values: dict[str, str] = {}
    for node in form.iter():
        name = node.attrs.get("name")
        if not name or node.tag not in ("input", "select", "textarea"):
            continue
        if node.tag == "input":
            if node.attrs.get("type") in ("checkbox", "radio"):
                if "checked" in node.attrs:
                    values[name] = node.attrs.get("value") or "on"
            elif node.attrs.get("type") not in ("submit", "button", "file"):
                values[name] = node.attrs.get("value", "")
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            values[name] = chosen[0].attrs.get("value", "") if chosen else ""
        else:
            values[name] = "".join(c for c in node.children if isinstance(c, str))
    return values


def field_of(page: Node, name: str) -> Node:
    """The input/select/textarea named `name`."""
    for tag in ("input", "select", "textarea"):
        node = page.find(tag, name=name)
        if node is not None:
            return node
    raise AssertionError(f"no field {name!r} on the page")


def errors_next_to(page: Node, name: str) -> list[str]:
    """The error messages shown in the field block that holds the input `name`."""
    block = field_of(page, name).ancestor("field")
    assert block is not None, f"field {name!r} is not inside a .field block"
    return [p.text for p in block.find_all("p", class_="field-error")]


def main_form(page: Node) -> Node:
    """The page's own form (not the logout form in the header)."""
    form = page.find("main").find("form", method="post")
    assert form is not None
    return form


def case_links(page: Node) -> list[int]:
    ids = []
    table = page.find("table", class_="cases")
    if table is None:
        return ids
    for a in table.find_all("a"):
        match = re.fullmatch(r"/cases/(\d+)", a.attrs.get("href", ""))
        if match:
            ids.append(int(match.group(1)))
    return ids


def transition_actions(page: Node, case_id: int) -> list[str]:
    # the case page's forms post to the page (docs/security.md "Forms after a refusal")
    pattern = re.compile(rf"/cases/{case_id}\?do=transition&trigger=([a-z_]+)")
    result = []
    for form in page.find_all("form"):
        match = pattern.fullmatch(form.attrs.get("action", ""))
        if match:
            assert form.attrs.get("method", "").lower() == "post"
            result.append(match.group(1))
    return result


def transition_form(page: Node, case_id: int, trigger: str) -> Node:
    form = page.find("form", action=f"/cases/{case_id}?do=transition&trigger={trigger}")
    assert form is not None, f"no form for {trigger}"
    return form


def timeline_items(page: Node) -> list[str]:
    ol = page.find("ol", class_="timeline")
    assert ol is not None
    return [li.text for li in ol.find_all("li")]


def events_of(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def last_event(case: Case, kind: EventKind) -> CaseEvent:
    matching = [e for e in events_of(case) if e.kind == kind]
    assert matching, f"no {kind} event"
    return matching[-1]


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def t2_case(users, make_enterprise, make_case):
    """A case handled by grassroots union G2 under town T2."""
    return make_case(by=users["other_mediator"], org="G2", enterprise_id=make_enterprise("G2").id)


@pytest.fixture
def assigned_case(users, make_case):
    """A G1 case with the T1 advocate assigned."""
    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    return reload(case)


# --- the list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", {"g1", "t1", "g2"}),
        ("city_officer", {"g1", "t1", "g2"}),
        ("officer", {"g1", "t1"}),
        ("mediator", {"g1", "t1"}),
        ("g1_mediator", {"g1"}),
        ("other_mediator", {"g2"}),
        ("other_officer", {"g2"}),
        ("advocate", {"g1"}),  # assigned to the g1 case only
        ("other_advocate", set()),
    ],
)
def test_list_shows_only_cases_in_scope(client, users, make_case, t2_case, role, expected):
    cases = {"g1": make_case(), "t1": make_case(org="T1"), "g2": t2_case}
    services.assign_advocate(cases["g1"].id, users["mediator"], users["advocate"].id)
    login(client, users[role])
    response = client.get("/cases")
    assert response.status_code == 200
    shown = set(case_links(dom(response)))
    assert shown == {cases[k].id for k in expected}
    html = response.get_data(as_text=True)
    for key, case in cases.items():
        assert (case.number in html) is (key in expected)


def test_list_filters_by_state_kind_and_category(client, users, make_case, drive):
    reported = make_case()
    accepted = drive(make_case(), "accepted")
    dispute = make_case(kind="dispute", category="dismissal")
    login(client, users["mediator"])

    def shown(query: str) -> set[int]:
        response = client.get(f"/cases?{query}")
        assert response.status_code == 200
        return set(case_links(dom(response)))

    assert shown("") == {reported.id, accepted.id, dispute.id}
    assert shown("state=accepted") == {accepted.id}
    assert shown("state=reported") == {reported.id, dispute.id}
    assert shown("state=closed") == set()
    assert shown("kind=dispute") == {dispute.id}
    assert shown("kind=arrears") == {reported.id, accepted.id}
    assert shown("category=dismissal") == {dispute.id}
    assert shown("category=remuneration") == {reported.id, accepted.id}
    assert shown("state=reported&kind=arrears") == {reported.id}
    # the chosen filter stays selected
    page = dom(client.get("/cases?state=accepted"))
    selected = page.find("select", name="state").find("option", selected="")
    assert selected is not None and selected.attrs["value"] == "accepted"


@pytest.mark.parametrize(
    "query", ["state=bogus", "kind=strike", "category=REMUNERATION", "state=1"]
)
def test_list_rejects_invalid_filter_values(client, users, make_case, query):
    make_case()
    login(client, users["mediator"])
    assert client.get(f"/cases?{query}").status_code == 400


def test_list_paginates(app, client, users, make_case):
    now = utcnow()
    ids = [make_case(received_at=(now - timedelta(hours=h)).isoformat()).id for h in range(5)]
    app.config["CASES_PER_PAGE"] = 2
    login(client, users["mediator"])

    pages = []
    for number in (1, 2, 3):
        response = client.get(f"/cases?page={number}")
        assert response.status_code == 200
        pages.append(case_links(dom(response)))
    assert [len(p) for p in pages] == [2, 2, 1]
    # newest first, no case twice, none missing
    assert [i for p in pages for i in p] == ids
    first = dom(client.get("/cases"))
    next_link = next(a for a in first.find_all("a") if "page=2" in a.attrs.get("href", ""))
    assert case_links(dom(client.get("/cases" + next_link.attrs["href"]))) == pages[1]
    # beyond the last page: nothing, but no error
    assert case_links(dom(client.get("/cases?page=9"))) == []


def test_list_pagination_keeps_the_filters(app, client, users, make_case, drive):
    for _ in range(3):
        drive(make_case(), "accepted")
    make_case()
    app.config["CASES_PER_PAGE"] = 2
    login(client, users["mediator"])
    first = dom(client.get("/cases?state=accepted"))
    next_link = next(a for a in first.find_all("a") if "page=2" in a.attrs.get("href", ""))
    assert "state=accepted" in next_link.attrs["href"]
    second = case_links(dom(client.get("/cases" + next_link.attrs["href"])))
    assert len(case_links(first)) + len(second) == 3


# --- detail: scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_mediator", "other_officer", "g1_mediator", "advocate"])
def test_detail_out_of_scope_is_404(client, users, make_case, who):
    case = make_case(org="T1")  # handled by T1 itself: G1 staff are below it
    login(client, users[who])
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/edit").status_code == 404


def test_missing_case_is_404(client, users):
    login(client, users["admin"])
    assert client.get("/cases/987654").status_code == 404
    assert client.post("/cases/987654/transitions/accept", data={"version": "1"}).status_code == 404
    assert client.post("/cases/987654/notes", data={"body": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["other_mediator", "other_officer", "advocate"])
def test_posts_to_an_out_of_scope_case_are_404_and_change_nothing(client, users, make_case, who):
    case = make_case()
    case = reload(case)
    before = (case.state, case.version, case.event_seq, case.title)
    login(client, users[who])
    posts = [
        (f"/cases/{case.id}/transitions/accept", {"mediator_id": users["mediator"].id}),
        (f"/cases/{case.id}/transitions/reject", {"reason": "x", "version": case.version}),
        (f"/cases/{case.id}/transitions/no_such_trigger", {}),
        (f"/cases/{case.id}/notes", {"kind": "visit", "body": "probe"}),
        (f"/cases/{case.id}/notes", {"body": ""}),
        (f"/cases/{case.id}/advocates", {"user_id": users["advocate"].id}),
        (f"/cases/{case.id}/edit", {"title": "hijacked", "version": case.version}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    case = reload(case)
    assert (case.state, case.version, case.event_seq, case.title) == before
    assert case.advocates == []


# --- new case -----------------------------------------------------------------------------------


def _new_case_form(client) -> dict[str, str]:
    response = client.get("/cases/new")
    assert response.status_code == 200
    form = main_form(dom(response))
    return form_values(form)


def test_new_case_form_shows_the_fields(client, users, make_enterprise):
    enterprise = make_enterprise()
    login(client, users["mediator"])
    response = client.get("/cases/new")
    assert response.status_code == 200
    page = dom(response)
    for name in (
        "kind", "category", "channel", "handling_org_id", "title", "description", "enterprise_id",
        "enterprise.name", "enterprise.credit_code", "worker_name", "worker_id_number",
        "workers_involved", "claim_amount", "arrears_months", "reported_at",
        "application_received_at", "employment_status",
    ):  # fmt: skip
        field_of(page, name)
    options = {o.attrs.get("value") for o in field_of(page, "enterprise_id").find_all("option")}
    assert str(enterprise.id) in options
    # only organizations the mediator may act for (T1 and below)
    orgs = {o.text for o in field_of(page, "handling_org_id").find_all("option")}
    assert "一镇工会" in orgs and "一镇甲厂工会" in orgs
    assert "二镇工会" not in orgs and "二镇乙厂工会" not in orgs


def test_new_case_valid_post_creates_the_case_and_redirects(client, users, orgs, make_enterprise):
    enterprise = make_enterprise()
    login(client, users["mediator"])
    data = _new_case_form(client)
    data.update(
        kind="arrears",
        category="remuneration",
        channel="hotline",
        handling_org_id=str(orgs["G1"].id),
        enterprise_id=str(enterprise.id),
        title="拖欠8名工人三个月工资",
        workers_involved="8",
        claim_amount="72000.50",
        arrears_months="3",
        worker_name="李秀英",
        worker_id_number=valid_id_number(),
        is_migrant="y",
    )
    before = count(Case)
    response = client.post("/cases/new", data=data)
    assert response.status_code == 302
    assert count(Case) == before + 1
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert urlsplit(response.headers["Location"]).path == f"/cases/{case.id}"
    assert case.title == "拖欠8名工人三个月工资"
    assert case.state == State.reported
    assert case.handling_org_id == orgs["G1"].id
    assert case.enterprise_id == enterprise.id
    assert case.workers_involved == 8
    assert case.claim_amount_fen == 7_200_050
    assert case.is_migrant is True and case.is_construction is False
    assert case.created_by_id == users["mediator"].id
    assert events_of(case)[0].kind == EventKind.created
    assert events_of(case)[0].actor_id == users["mediator"].id

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert case.number in html and "拖欠8名工人三个月工资" in html


def test_new_case_with_a_new_enterprise(client, users, orgs):
    login(client, users["mediator"])
    code = valid_credit_code(4321)
    data = _new_case_form(client)
    data.update(
        kind="dispute",
        category="dismissal",
        handling_org_id=str(orgs["G1"].id),
        title="违法解除劳动合同",
        workers_involved="1",
        **{"enterprise.name": "新登记机械有限公司", "enterprise.credit_code": code},
    )
    response = client.post("/cases/new", data=data)
    assert response.status_code == 302
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    assert enterprise is not None and enterprise.name == "新登记机械有限公司"
    case = db.session.scalar(select(Case).where(Case.enterprise_id == enterprise.id))
    assert urlsplit(response.headers["Location"]).path == f"/cases/{case.id}"


def test_new_case_invalid_post_shows_field_errors_keeps_input_and_writes_nothing(
    client, users, orgs
):
    login(client, users["mediator"])
    data = _new_case_form(client)
    data.update(
        kind="arrears",
        category="remuneration",
        handling_org_id=str(orgs["G1"].id),
        title="我输入的案由不会丢",
        description="详细情况说明",
        workers_involved="0",
        claim_amount="-100",
        arrears_months="2",
        **{"enterprise.name": "不存在的公司", "enterprise.credit_code": "91440300MA5GT0000X"},
    )
    cases, enterprises = count(Case), count(Enterprise)
    response = client.post(
        "/cases/new", data=data, headers={"Accept-Language": "en"}
    )  # messages in English

    assert response.status_code == 422
    page = dom(response)
    assert any("negative" in m for m in errors_next_to(page, "claim_amount"))
    assert errors_next_to(page, "workers_involved")
    assert any("credit code" in m for m in errors_next_to(page, "enterprise.credit_code"))
    # fields that were fine carry no message
    assert errors_next_to(page, "title") == []
    assert errors_next_to(page, "kind") == []
    # what the user typed is still there
    assert field_of(page, "title").attrs["value"] == "我输入的案由不会丢"
    assert field_of(page, "claim_amount").attrs["value"] == "-100"
    assert field_of(page, "workers_involved").attrs["value"] == "0"
    assert field_of(page, "enterprise.name").attrs["value"] == "不存在的公司"
    assert field_of(page, "description").text == "详细情况说明"
    kept = form_values(main_form(page))
    assert kept["category"] == "remuneration" and kept["kind"] == "arrears"
    # nothing written
    db.session.expire_all()
    assert count(Case) == cases
    assert count(Enterprise) == enterprises


def test_new_case_missing_enterprise_is_422(client, users, orgs):
    login(client, users["mediator"])
    data = _new_case_form(client)
    data.update(kind="dispute", category="other", title="无单位", workers_involved="1")
    data.pop("enterprise_id", None)
    before = count(Case)
    response = client.post("/cases/new", data=data)
    assert response.status_code == 422
    assert errors_next_to(dom(response), "enterprise_id")
    assert count(Case) == before


def test_advocate_may_not_open_the_new_case_form(client, users, make_enterprise):
    enterprise = make_enterprise()
    login(client, users["advocate"])
    assert client.get("/cases/new").status_code == 403
    before = count(Case)
    response = client.post(
        "/cases/new",
        data={
            "kind": "dispute", "category": "other", "title": "x", "workers_involved": "1",
            "enterprise_id": str(enterprise.id),
        },
    )  # fmt: skip
    assert response.status_code == 403
    assert count(Case) == before
    # and the navigation does not offer it
    assert "/cases/new" not in client.get("/cases").get_data(as_text=True)


# --- detail: the action forms -------------------------------------------------------------------

# docs/domain.md "Case lifecycle", per state, for a mediator; officers may also reopen a closed case
EXPECTED_FOR_MEDIATOR = {
    "reported": {"accept", "reject", "withdraw"},
    "accepted": {"begin_mediation", "fail_mediation", "withdraw"},
    "mediating": {"record_agreement", "fail_mediation", "withdraw"},
    "agreement": {
        "confirm_performance",
        "record_payment",
        "close_partly_performed",
        "report_default",
        "withdraw",
    },
    "failed": {"refer", "withdraw"},
    "referred": {"record_ruling", "withdraw"},
    "closed": set(),
}


@pytest.mark.parametrize("role", ["mediator", "officer", "admin"])
@pytest.mark.parametrize("state", list(PATH_TO))
def test_detail_offers_exactly_one_form_per_allowed_trigger(
    client, users, make_case, drive, role, state
):
    case = drive(make_case(), state)
    user = users[role]
    login(client, user)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    actions = transition_actions(dom(response), case.id)
    assert len(actions) == len(set(actions)), "a trigger's form appears twice"
    allowed = {t.name for t in workflow.allowed_triggers(reload(case), user)}
    assert set(actions) == allowed
    expected = set(EXPECTED_FOR_MEDIATOR[state])
    if role != "mediator" and state == "closed":
        expected.add("reopen")
    assert set(actions) == expected


@pytest.mark.parametrize("state", ["reported", "mediating", "agreement", "closed"])
def test_advocate_sees_no_transition_forms(client, users, assigned_case, drive, state):
    case = drive(assigned_case, state)
    login(client, users["advocate"])
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    page = dom(response)
    assert transition_actions(page, case.id) == []
    # nor the assignment or edit controls
    html = response.get_data(as_text=True)
    assert f"/cases/{case.id}/advocates" not in html
    assert f"/cases/{case.id}/edit" not in html
    # but the note form
    assert page.find("form", action=f"/cases/{case.id}?do=note") is not None


def test_posting_a_transition_form_moves_the_state_and_shows_the_event(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    page = dom(client.get(f"/cases/{case.id}"))
    data = form_values(transition_form(page, case.id, "accept"))
    assert data["version"] == str(case.version)
    data["mediator_id"] = str(users["mediator"].id)
    data["note"] = "材料齐全，予以受理"

    response = client.post(f"/cases/{case.id}/transitions/accept", data=data)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/cases/{case.id}"
    case = reload(case)
    assert case.state == State.accepted
    assert case.mediator_id == users["mediator"].id
    last = last_event(case, EventKind.transition)
    assert (last.kind, last.trigger, last.from_state, last.to_state) == (
        EventKind.transition, "accept", "reported", "accepted",
    )  # fmt: skip

    detail = client.get(response.headers["Location"])
    items = timeline_items(dom(detail))
    assert any("已登记 → 已受理" in item and "材料齐全，予以受理" in item for item in items)
    # the page now offers the next steps
    assert set(transition_actions(dom(detail), case.id)) == EXPECTED_FOR_MEDIATOR["accepted"]


def test_transition_with_a_bad_payload_rerenders_with_422_and_the_field_error(
    client, users, make_case, drive
):
    case = drive(make_case(), "mediating")
    login(client, users["mediator"])
    data = form_values(
        transition_form(dom(client.get(f"/cases/{case.id}")), case.id, "record_agreement")
    )
    data.update(terms="单位分两期支付", agreement_amount="90000.00", agreement_due_on="2020-01-01")
    seq = reload(case).event_seq

    response = client.post(
        f"/cases/{case.id}/transitions/record_agreement",
        data=data,
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    page = dom(response)
    assert any("past" in m for m in errors_next_to(page, "agreement_due_on"))
    assert errors_next_to(page, "terms") == []
    form = transition_form(page, case.id, "record_agreement")
    assert "open" in form.ancestor("actions").find("details", id="action-record_agreement").attrs
    kept = form_values(form)
    assert kept["terms"] == "单位分两期支付"
    assert kept["agreement_due_on"] == "2020-01-01"
    case = reload(case)
    assert case.state == State.mediating
    assert case.agreement_terms is None
    assert case.event_seq == seq


def test_instalments_typed_as_lines_are_recorded(client, users, make_case, drive):
    case = drive(make_case(), "mediating")
    login(client, users["mediator"])
    page = dom(client.get(f"/cases/{case.id}"))
    data = form_values(transition_form(page, case.id, "record_agreement"))
    assert field_of(page, "instalments").tag == "textarea"
    first, last = future_date(10), future_date(40)
    data.update(terms="分两期支付", agreement_amount="90000.00",
                instalments=f"{first} 30000\r\n\r\n{last}, 60000.00\r\n")  # fmt: skip
    response = client.post(f"/cases/{case.id}/transitions/record_agreement", data=data)
    assert response.status_code == 302
    case = reload(case)
    assert case.state == State.agreement
    assert case.instalments == [
        {"due_on": first, "amount_fen": 3_000_000},
        {"due_on": last, "amount_fen": 6_000_000},
    ]
    assert case.agreement_due_on.isoformat() == last
    page = dom(client.get(f"/cases/{case.id}"))
    listed = page.find(id="instalments").find_all("li")
    assert [li.attrs["data-due-on"] for li in listed] == [first, last]
    paid = transition_form(page, case.id, "record_payment").find("p", cls="paid-so-far")
    assert paid.attrs["data-paid"] == "0" and "90,000.00" in paid.text


def test_instalment_lines_with_errors_come_back_as_typed(client, users, make_case, drive):
    case = drive(make_case(), "mediating")
    login(client, users["mediator"])
    data = form_values(
        transition_form(dom(client.get(f"/cases/{case.id}")), case.id, "record_agreement")
    )
    typed = f"{future_date(10)} 30000\n{future_date(40)}\n2026-02-30 10000"
    data.update(terms="分三期", agreement_amount="90000.00", instalments=typed)
    seq = reload(case).event_seq
    response = client.post(
        f"/cases/{case.id}/transitions/record_agreement", data=data,
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    page = dom(response)
    messages = errors_next_to(page, "instalments")
    assert any(m.startswith("Line 2, amount:") for m in messages), messages
    assert "Line 3, date: Not a valid date." in messages
    kept = form_values(transition_form(page, case.id, "record_agreement"))
    assert kept["instalments"] == typed and kept["agreement_amount"] == "90000.00"
    case = reload(case)
    assert case.state == State.mediating and case.event_seq == seq


def test_transition_missing_required_field_is_422(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    response = client.post(
        f"/cases/{case.id}/transitions/reject", data={"version": str(case.version)}
    )
    assert response.status_code == 422
    assert errors_next_to(dom(response).find("details", id="action-reject"), "reason")
    assert reload(case).state == State.reported


def test_transition_with_a_stale_version_is_409_and_changes_nothing(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    data = form_values(transition_form(dom(client.get(f"/cases/{case.id}")), case.id, "accept"))
    data["mediator_id"] = str(users["mediator"].id)
    # someone else edits the case meanwhile
    services.update_facts(
        case.id, users["officer"], {"title": "已更正的案由", "version": case.version}
    )
    seq = reload(case).event_seq

    response = client.post(
        f"/cases/{case.id}/transitions/accept", data=data, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 409
    page = dom(response)
    alerts = [d.text for d in page.find_all("div", role="alert")]
    assert any("changed by someone else" in a for a in alerts)
    case = reload(case)
    assert case.state == State.reported
    assert case.mediator_id is None
    assert case.event_seq == seq
    # the re-rendered forms carry the current version, so a retry can succeed
    retry = form_values(transition_form(page, case.id, "accept"))
    assert retry["version"] == str(case.version)


def test_transition_not_allowed_from_the_current_state_is_409(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    response = client.post(
        f"/cases/{case.id}/transitions/confirm_performance",
        data={"version": str(case.version), "paid_amount": "1.00"},
    )
    assert response.status_code == 409
    assert reload(case).state == State.reported


def test_advocate_posting_a_transition_is_403(client, users, assigned_case):
    case = assigned_case
    login(client, users["advocate"])
    data = {"version": str(case.version), **trigger_payload("accept", users)}
    response = client.post(f"/cases/{case.id}/transitions/accept", data=data)
    assert response.status_code == 403
    response = client.post(
        f"/cases/{case.id}/transitions/withdraw",
        data={"version": str(case.version), "reason": "x"},
    )
    assert response.status_code == 403
    case = reload(case)
    assert case.state == State.reported
    assert case.mediator_id is None


# --- notes --------------------------------------------------------------------------------------


def test_assigned_advocate_adds_a_visit_note(client, users, assigned_case):
    case = assigned_case
    login(client, users["advocate"])
    page = dom(client.get(f"/cases/{case.id}"))
    data = form_values(page.find("form", action=f"/cases/{case.id}?do=note"))
    data.update(kind="visit", body="走访工地，工人反映已两个月未发工资。")

    response = client.post(f"/cases/{case.id}/notes", data=data)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/cases/{case.id}"
    last = last_event(case, EventKind.visit)
    assert last.actor_id == users["advocate"].id
    assert last.body == "走访工地，工人反映已两个月未发工资。"
    items = timeline_items(dom(client.get(f"/cases/{case.id}")))
    assert any(
        "走访记录" in item and "走访工地" in item and users["advocate"].display_name in item
        for item in items
    )
    # a note is no edit of facts: the state and version stay
    assert reload(case).state == State.reported


def test_mediator_adds_a_progress_note(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    response = client.post(f"/cases/{case.id}/notes", data={"body": "电话联系了单位负责人"})
    assert response.status_code == 302
    assert last_event(case, EventKind.note).body == "电话联系了单位负责人"
    items = timeline_items(dom(client.get(f"/cases/{case.id}")))
    assert any("进展记录" in item and "电话联系了单位负责人" in item for item in items)


@pytest.mark.parametrize("body", ["", "   "])
def test_empty_note_is_422_and_writes_nothing(client, users, assigned_case, body):
    case = assigned_case
    seq = reload(case).event_seq
    login(client, users["advocate"])
    response = client.post(f"/cases/{case.id}/notes", data={"kind": "visit", "body": body})
    assert response.status_code == 422
    assert errors_next_to(dom(response), "body")
    assert reload(case).event_seq == seq


# --- masking ------------------------------------------------------------------------------------


def test_advocate_sees_the_worker_id_number_masked_and_the_mediator_in_full(
    client, users, assigned_case
):
    case = assigned_case
    full = case.worker_id_number
    assert full
    masked = mask_id_number(full)
    assert masked != full and full[6:14] not in masked

    login(client, users["advocate"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert full not in html
    assert full[6:14] not in html  # the birth date is hidden
    assert masked in html
    client.post("/logout")

    login(client, users["mediator"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert full in html


# --- assignment ---------------------------------------------------------------------------------


def test_assigning_an_advocate_from_the_detail_page(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    page = dom(client.get(f"/cases/{case.id}"))
    form = page.find("form", action=f"/cases/{case.id}?do=assign_advocate")
    assert form is not None
    offered = {o.attrs["value"] for o in form.find_all("option")}
    # advocates of the case's town area only
    assert str(users["advocate"].id) in offered
    assert str(users["other_advocate"].id) not in offered
    data = form_values(form)
    data["user_id"] = str(users["advocate"].id)

    response = client.post(f"/cases/{case.id}/advocates", data=data)

    assert response.status_code == 302
    case = reload(case)
    assert [a.id for a in case.advocates] == [users["advocate"].id]
    assert last_event(case, EventKind.assignment).data == {"advocate_added": users["advocate"].id}
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert users["advocate"].display_name in html
    client.post("/logout")

    # the advocate now sees the case
    login(client, users["advocate"])
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert case.id in case_links(dom(client.get("/cases")))


def test_assigning_an_advocate_of_another_area_is_refused(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    response = client.post(
        f"/cases/{case.id}/advocates", data={"user_id": str(users["other_advocate"].id)}
    )
    assert response.status_code == 422
    assert reload(case).advocates == []


# --- edit ---------------------------------------------------------------------------------------


def test_edit_page_saves_a_change(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    response = client.get(f"/cases/{case.id}/edit")
    assert response.status_code == 200
    form = main_form(dom(response))
    data = form_values(form)
    assert data["title"] == case.title
    assert data["version"] == str(case.version)
    data["title"] = "拖欠12名工人三个月工资（更正）"
    data["workers_involved"] = "15"
    version = case.version

    response = client.post(f"/cases/{case.id}/edit", data=data)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/cases/{case.id}"
    case = reload(case)
    assert case.title == "拖欠12名工人三个月工资（更正）"
    assert case.workers_involved == 15
    assert case.version > version
    last = last_event(case, EventKind.edit)
    assert last.actor_id == users["mediator"].id
    assert last.data["title"] == ["拖欠12名工人两个月工资", "拖欠12名工人三个月工资（更正）"]
    assert last.data["workers_involved"] == [12, 15]
    items = timeline_items(dom(client.get(f"/cases/{case.id}")))
    assert any("修改" in item and users["mediator"].display_name in item for item in items)


def test_edit_records_only_what_the_user_changed(client, users, make_case):
    """Submitting the edit form as rendered, with one field changed, must not alter (or log a
    change of) any other field, e.g. `received_at` must survive the round trip intact."""
    case = make_case()
    received_at = case.received_at
    login(client, users["mediator"])
    data = form_values(main_form(dom(client.get(f"/cases/{case.id}/edit"))))
    data["title"] = "拖欠12名工人三个月工资（更正）"

    assert client.post(f"/cases/{case.id}/edit", data=data).status_code == 302

    case = reload(case)
    assert last_event(case, EventKind.edit).data == {
        "title": ["拖欠12名工人两个月工资", "拖欠12名工人三个月工资（更正）"]
    }
    assert case.received_at == received_at


def test_edit_without_changes_records_nothing(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    data = form_values(main_form(dom(client.get(f"/cases/{case.id}/edit"))))
    version = reload(case).version
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 302
    case = reload(case)
    assert [e for e in events_of(case) if e.kind == EventKind.edit] == []
    assert case.version == version


def test_edit_with_a_stale_version_is_409(client, users, make_case, drive):
    case = make_case()
    login(client, users["mediator"])
    data = form_values(main_form(dom(client.get(f"/cases/{case.id}/edit"))))
    data["title"] = "我的修改"
    drive(case, "accepted")  # someone else moves the case on meanwhile
    seq = reload(case).event_seq

    response = client.post(f"/cases/{case.id}/edit", data=data, headers={"Accept-Language": "en"})

    assert response.status_code == 409
    alerts = [d.text for d in dom(response).find_all("div", role="alert")]
    assert any("changed by someone else" in a for a in alerts)
    case = reload(case)
    assert case.title == "拖欠12名工人两个月工资"
    assert case.event_seq == seq


def test_edit_invalid_input_is_422_and_keeps_input(client, users, make_case):
    case = make_case()
    login(client, users["mediator"])
    data = form_values(main_form(dom(client.get(f"/cases/{case.id}/edit"))))
    data.update(title="新的案由", claim_amount="abc")
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 422
    page = dom(response)
    assert errors_next_to(page, "claim_amount")
    assert field_of(page, "title").attrs["value"] == "新的案由"
    assert reload(case).title == "拖欠12名工人两个月工资"


def test_advocate_may_not_edit(client, users, assigned_case):
    case = assigned_case
    login(client, users["advocate"])
    assert client.get(f"/cases/{case.id}/edit").status_code == 403
    response = client.post(
        f"/cases/{case.id}/edit", data={"title": "x", "version": str(case.version)}
    )
    assert response.status_code == 403
    assert reload(case).title == "拖欠12名工人两个月工资"
