"""A form refused for a stale security token or an ended session keeps what was typed: the
page offers it again with a fresh token, after signing in again when the session is gone,
and nothing is saved until it is sent again (issue 20, item 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from mediation.accounts.services import end_sessions
from mediation.cases.models import Case
from mediation.extensions import db
from tests.conftest import PASSWORD
from tests.html import dom

TITLE = "拖欠7名工人三个月工资（重新提交）"


@pytest.fixture
def typed(case_payload) -> dict[str, str]:
    """The new-case form as a browser posts it."""
    payload = case_payload(title=TITLE, description="第一行\n第二行：工资条在工人手里")
    return {k: str(v) for k, v in payload.items()}


def _token(response) -> str:
    return dom(response).find("input", name="csrf_token").attrs["value"]


def _signed_in(app, user):
    client = app.test_client()
    token = _token(client.get("/login"))
    answer = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302
    return client


def _form(response) -> tuple[str, list[tuple[str, str]]]:
    form = dom(response).find("form", id="resubmit-form")
    assert form is not None
    fields = [(i.attrs["name"], i.attrs.get("value", "")) for i in form.find_all("input")
              if i.attrs.get("type") == "hidden"]  # fmt: skip
    return form.attrs["action"], fields


def _cases_titled() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Case).where(Case.title == TITLE))


def test_a_stale_token_keeps_the_form_and_one_press_sends_it(csrf_app, users, typed):
    client = _signed_in(csrf_app, users["mediator"])
    refused = client.post("/cases/new", data=typed | {"csrf_token": "stale"})
    assert refused.status_code == 400
    assert _cases_titled() == 0  # nothing saved on the refused post
    action, fields = _form(refused)
    assert action == "/cases/new"
    assert ("title", TITLE) in fields and ("description", typed["description"]) in fields
    sent = client.post(action, data=MultiDict(fields))
    assert sent.status_code == 302 and _cases_titled() == 1


def test_an_ended_session_signs_in_on_the_same_page_and_sends_on(csrf_app, users, typed):
    client = _signed_in(csrf_app, users["mediator"])
    end_sessions(users["mediator"].id)  # signed out elsewhere, or the session ran out
    refused = client.post("/cases/new", data=typed | {"csrf_token": _token(client.get("/login"))})
    assert refused.status_code == 401
    action, fields = _form(refused)
    assert action == "/login"
    assert ("resubmit_to", "/cases/new") in fields and ("carry:title", TITLE) in fields

    wrong = client.post(
        action, data=MultiDict([*fields, ("username", "mediator"), ("password", "nope")])
    )
    assert wrong.status_code == 401  # a mistyped password keeps the form too
    action, fields = _form(wrong)
    again = client.post(
        action, data=MultiDict([*fields, ("username", "mediator"), ("password", PASSWORD)])
    )
    assert again.status_code == 200 and _cases_titled() == 0
    action, fields = _form(again)
    assert action == "/cases/new" and ("title", TITLE) in fields
    assert client.post(action, data=MultiDict(fields)).status_code == 302
    assert _cases_titled() == 1


def test_a_visitor_without_any_session_gets_the_sign_in_variant(csrf_app, users, typed):
    refused = csrf_app.test_client().post("/cases/new", data=typed)
    assert refused.status_code == 400
    action, fields = _form(refused)
    assert action == "/login" and ("carry:title", TITLE) in fields
    assert not any(name.endswith("password") for name, _ in fields)


def test_the_second_chance_never_posts_to_another_site(csrf_app, users):
    client = csrf_app.test_client()
    data = {"csrf_token": _token(client.get("/login")), "username": "mediator",
            "password": PASSWORD, "resubmit_to": "https://evil.example/steal", "carry:x": "1"}  # fmt: skip
    answer = client.post("/login", data=data)
    assert answer.status_code == 302 and "evil" not in answer.headers["Location"]


def test_a_plain_visit_still_goes_to_the_login_page(csrf_app):
    answer = csrf_app.test_client().get("/cases/new")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
