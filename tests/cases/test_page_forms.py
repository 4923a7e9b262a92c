"""The case page's forms post to the page's own address, and removing an advocate asks for a
confirmation that needs no script (docs/security.md "Forms after a refusal", "Confirmations")."""

from __future__ import annotations

from mediation.cases import services
from tests.conftest import login
from tests.helpers import reload
from tests.html import dom


def test_every_form_of_the_case_page_posts_to_the_page(client, users, make_case):
    case = make_case(workers_involved=1)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    login(client, users["mediator"])
    forms = dom(client.get(f"/cases/{case.id}")).find_all("form")
    posted = [f.attrs["action"] for f in forms if f.attrs.get("method") == "post"]
    # the case's own forms (the other domains' panels, the navigation's post elsewhere)
    own = [a for a in posted if a.startswith(f"/cases/{case.id}")]
    assert len(own) >= 8
    assert all(a.startswith(f"/cases/{case.id}?do=") for a in own), own


def test_a_refused_form_is_shown_at_the_pages_address(client, users, make_case):
    case = make_case(workers_involved=1)
    login(client, users["mediator"])
    refused = client.post(f"/cases/{case.id}?do=note", data={"kind": "note", "body": ""})
    assert refused.status_code == 422
    assert 'id="note-form"' in refused.get_data(as_text=True)
    # the address the browser then shows is the case page: a reload by GET opens it
    assert client.get(f"/cases/{case.id}?do=note").status_code == 200
    done = client.post(f"/cases/{case.id}?do=note", data={"kind": "note", "body": "记录"})
    assert done.status_code == 302
    assert client.post(f"/cases/{case.id}?do=nothing", data={}).status_code == 404


def test_removing_an_advocate_needs_the_confirmation(client, users, make_case):
    case = make_case(workers_involved=1)
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    login(client, users["mediator"])
    page = dom(client.get(f"/cases/{case.id}"))
    box = page.find("details", id=f"remove-advocate-{users['advocate'].id}")
    assert box.find("input", name="confirm", type="checkbox") is not None
    url = f"/cases/{case.id}?do=remove_advocate&user_id={users['advocate'].id}"
    assert client.post(url, data={}).status_code == 303
    assert [a.id for a in reload(case).advocates] == [users["advocate"].id]
    assert client.post(url, data={"confirm": "yes"}).status_code == 302
    assert reload(case).advocates == []


def test_deactivating_a_user_offers_the_confirmation(client, users):
    login(client, users["admin"])
    row = next(r for r in dom(client.get("/admin/users")).find_all("tr")
               if r.attrs.get("data-user") == "mediator")  # fmt: skip
    box = row.find("details", id=f"deactivate-{users['mediator'].id}")
    assert box.find("input", name="confirm", type="checkbox") is not None
