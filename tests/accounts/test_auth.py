"""Login, logout, redirects, password storage, CSRF, configuration and the `users create` CLI."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

import mediation
from mediation import create_app
from mediation.accounts.models import Role, User
from mediation.extensions import db
from tests.conftest import PASSWORD, login
from tests.html import dom

LOGIN_ERROR = "用户名或密码错误，或账号已停用。"


# --- small HTML helpers -------------------------------------------------------------------------


class _Page:
    """The page's <form>s (method, action and inputs) and the texts of its alerts."""

    def __init__(self, response) -> None:
        page = dom(response)
        self.forms: list[dict] = [
            {
                "method": (form.attrs.get("method") or "get").lower(),
                "action": form.attrs.get("action"),
                "inputs": [
                    {
                        "tag": node.tag,
                        "type": (node.attrs.get("type") or "").lower(),
                        "name": node.attrs.get("name"),
                        "value": node.attrs.get("value"),
                    }
                    for node in form.iter()
                    if node.tag in ("input", "select", "textarea")
                ],
            }
            for form in page.find_all("form")
        ]
        self.alerts: list[str] = [div.text for div in page.find_all("div", role="alert")]


def parse(response) -> _Page:
    return _Page(response)


def csrf_token_of(response) -> str:
    for form in parse(response).forms:
        for field in form["inputs"]:
            if field["name"] == "csrf_token" and field["value"]:
                return field["value"]
    raise AssertionError("no csrf_token on the page")


def session_user_id(client) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("_user_id")


def assert_redirects_to_login(response, next_path: str) -> None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [next_path]


# --- login and logout ---------------------------------------------------------------------------


def test_login_success_redirects_into_the_app_and_keeps_the_user_in_the_session(client, users):
    response = login(client, users["mediator"])
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path in ("/", "/cases")
    assert session_user_id(client) == str(users["mediator"].id)

    page = client.get("/cases")
    assert page.status_code == 200
    assert users["mediator"].display_name in page.get_data(as_text=True)


def test_login_page_renders(client):
    page = client.get("/login")
    assert page.status_code == 200
    names = {f["name"] for form in parse(page).forms for f in form["inputs"]}
    assert {"username", "password"} <= names


def test_username_is_not_case_sensitive(client, users):
    response = client.post("/login", data={"username": "MEDIATOR", "password": PASSWORD})
    assert response.status_code == 302
    assert session_user_id(client) == str(users["mediator"].id)


@pytest.mark.parametrize("failure", ["wrong_password", "unknown_user", "inactive_user"])
def test_failed_login_is_401_with_one_message_and_no_session(client, users, make_user, failure):
    if failure == "wrong_password":
        data = {"username": "mediator", "password": PASSWORD + "x"}
    elif failure == "unknown_user":
        data = {"username": "nobody-here", "password": PASSWORD}
    else:
        inactive = make_user("mediator", "T1", "sleeper", active=False)
        data = {"username": inactive.username, "password": PASSWORD}

    response = client.post("/login", data=data)

    assert response.status_code == 401
    # the same words whatever went wrong, so usernames cannot be probed
    assert [a.strip() for a in parse(response).alerts] == [LOGIN_ERROR]
    assert session_user_id(client) is None
    assert_redirects_to_login(client.get("/cases"), "/cases")


def test_failed_login_keeps_the_username_but_never_echoes_the_password(client, users):
    response = client.post("/login", data={"username": "mediator", "password": "s3cret-typo"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'value="mediator"' in html
    assert "s3cret-typo" not in html


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, users):
    login(client, users["mediator"])
    assert client.get("/cases").status_code == 200
    users["mediator"].active = False
    db.session.commit()
    assert_redirects_to_login(client.get("/cases"), "/cases")


def test_logout_only_by_post(client, users):
    login(client, users["mediator"])
    assert client.get("/logout").status_code == 405
    # a GET does not log out
    assert session_user_id(client) == str(users["mediator"].id)
    assert client.get("/cases").status_code == 200


def test_logout_by_post_logs_out(client, users):
    login(client, users["mediator"])
    response = client.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert session_user_id(client) is None
    assert_redirects_to_login(client.get("/cases"), "/cases")


def test_every_page_offers_the_logout_form_as_a_post(client, users):
    login(client, users["mediator"])
    forms = parse(client.get("/cases")).forms
    assert any(f["action"] == "/logout" and f["method"] == "post" for f in forms)


# --- redirects after login ----------------------------------------------------------------------


def test_safe_relative_next_is_followed(client, users):
    response = client.post(
        "/login",
        data={"username": "mediator", "password": PASSWORD, "next": "/cases?state=reported"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases?state=reported"


def test_next_in_the_query_string_is_followed(client, users):
    response = client.post(
        "/login?next=/cases/new", data={"username": "mediator", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases/new"


UNSAFE_NEXT = [
    "https://evil.example/",
    "http://evil.example/cases",
    "//evil.example",
    "//evil.example/cases",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "https:evil.example",
    " //evil.example",
]


def _assert_own_page(response) -> None:
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert "evil" not in location
    assert "javascript" not in location.lower()
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost")
    assert parts.path in ("/", "/cases")


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_next_is_not_followed_on_login(client, users, target):
    response = client.post(
        "/login", data={"username": "mediator", "password": PASSWORD, "next": target}
    )
    _assert_own_page(response)
    assert session_user_id(client) == str(users["mediator"].id)


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_next_is_not_followed_when_already_logged_in(client, users, target):
    login(client, users["mediator"])
    _assert_own_page(client.get("/login", query_string={"next": target}))


def test_already_logged_in_user_visiting_login_is_sent_on(client, users):
    login(client, users["mediator"])
    response = client.get("/login?next=/cases?kind=arrears")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases?kind=arrears"


# --- pages require login ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/cases", "/cases?state=reported", "/cases/new", "/cases/{id}", "/cases/{id}/edit"],
)
def test_pages_require_login(client, make_case, path):
    case = make_case()
    path = path.format(id=case.id)
    response = client.get(path)
    assert_redirects_to_login(response, path)


@pytest.mark.parametrize(
    "path", ["/cases/{id}/transitions/accept", "/cases/{id}/notes", "/cases/{id}/advocates"]
)
def test_posts_require_login_and_change_nothing(client, users, make_case, path):
    case = make_case()
    db.session.expire_all()
    before = (case.state, case.version, case.event_seq)
    response = client.post(
        path.format(id=case.id),
        data={"mediator_id": users["mediator"].id, "body": "x", "user_id": users["advocate"].id},
    )
    # the sign-in page keeps what was posted for a second try (tests/accounts/test_resubmit.py)
    assert response.status_code == 401
    form = dom(response).find("form", id="resubmit-form")
    assert form is not None and form.attrs["action"] == "/login"
    db.session.expire_all()
    assert (case.state, case.version, case.event_seq) == before
    assert case.advocates == []


def test_login_sends_the_user_back_to_the_page_that_asked(client, users, make_case):
    case = make_case()
    bounce = client.get(f"/cases/{case.id}")
    login_page = client.get(bounce.headers["Location"])
    assert login_page.status_code == 200
    # the login form carries `next` along
    form = next(f for f in parse(login_page).forms if f["action"] == "/login")
    hidden = {i["name"]: i["value"] for i in form["inputs"] if i["type"] == "hidden"}
    assert hidden["next"] == f"/cases/{case.id}"

    response = client.post(
        "/login", data={"username": "mediator", "password": PASSWORD, "next": hidden["next"]}
    )
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert client.get(response.headers["Location"]).status_code == 200


# --- passwords ----------------------------------------------------------------------------------


def test_passwords_are_stored_hashed_and_salted(users):
    mediator, advocate = users["mediator"], users["advocate"]
    for user in (mediator, advocate):
        stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
        assert stored != PASSWORD
        assert PASSWORD not in stored
        assert stored.split(":", 1)[0] in ("pbkdf2", "scrypt")
    # same password, different salt
    assert mediator.password_hash != advocate.password_hash
    assert mediator.check_password(PASSWORD)
    assert not mediator.check_password(PASSWORD + "!")
    assert not mediator.check_password("")


def test_set_password_replaces_the_hash(users):
    user = users["mediator"]
    old_hash = user.password_hash
    user.set_password("a-new-passphrase")
    db.session.commit()
    assert user.password_hash != old_hash
    assert user.check_password("a-new-passphrase")
    assert not user.check_password(PASSWORD)


# --- CSRF ---------------------------------------------------------------------------------------


def _csrf_login(client, username: str = "mediator"):
    token = csrf_token_of(client.get("/login"))
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return response


def test_login_post_without_csrf_token_is_refused(csrf_app, users):
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": "mediator", "password": PASSWORD})
    assert response.status_code == 400
    assert session_user_id(client) is None

    response = client.post(
        "/login", data={"username": "mediator", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert session_user_id(client) is None


def test_state_changing_posts_without_csrf_token_are_refused(csrf_app, users, make_case):
    case = make_case()
    db.session.expire_all()
    seq = case.event_seq
    client = csrf_app.test_client()
    _csrf_login(client)

    response = client.post(
        f"/cases/{case.id}/transitions/accept",
        data={"mediator_id": users["mediator"].id, "version": case.version},
    )
    assert response.status_code == 400
    assert client.post(f"/cases/{case.id}/notes", data={"body": "hello"}).status_code == 400
    assert client.post("/logout").status_code == 400
    assert session_user_id(client) == str(users["mediator"].id)  # still logged in
    db.session.expire_all()
    assert case.state == "reported"
    assert case.event_seq == seq

    # with the page's token the same transition goes through
    token = csrf_token_of(client.get(f"/cases/{case.id}"))
    response = client.post(
        f"/cases/{case.id}/transitions/accept",
        data={"mediator_id": users["mediator"].id, "version": case.version, "csrf_token": token},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert case.state == "accepted"


def _assert_post_forms_carry_token(response) -> int:
    assert response.status_code == 200
    forms = parse(response).forms
    posts = [f for f in forms if f["method"] == "post"]
    for form in posts:
        tokens = [
            i
            for i in form["inputs"]
            if i["name"] == "csrf_token" and i["tag"] == "input" and i["type"] == "hidden"
        ]
        assert len(tokens) == 1, f"form {form['action']} lacks a csrf_token"
        assert tokens[0]["value"], f"form {form['action']} has an empty csrf_token"
    return len(posts)


def test_every_form_carries_a_csrf_token(csrf_app, users, make_case):
    from mediation.cases import services

    case = make_case()
    services.assign_advocate(case.id, users["mediator"], users["advocate"].id)
    client = csrf_app.test_client()

    assert _assert_post_forms_carry_token(client.get("/login")) >= 1
    _csrf_login(client)
    assert _assert_post_forms_carry_token(client.get("/cases")) >= 1  # logout
    assert _assert_post_forms_carry_token(client.get("/cases/new")) >= 2
    # detail: logout, each trigger, unassign, assign (none left to assign), note
    detail = client.get(f"/cases/{case.id}")
    assert _assert_post_forms_carry_token(detail) >= 5
    assert _assert_post_forms_carry_token(client.get(f"/cases/{case.id}/edit")) >= 2


# --- configuration ------------------------------------------------------------------------------


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(mediation.ConfigurationError):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")
    with pytest.raises(mediation.ConfigurationError):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="")


def test_production_starts_with_a_real_secret_key_and_secure_cookies(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    for var in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY"):
        monkeypatch.delenv(var, raising=False)
    prod = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="k" * 48)
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["WTF_CSRF_ENABLED"] is True
    assert not prod.config.get("TESTING")


def test_production_takes_the_secret_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "an-environment-secret-of-some-length")
    prod = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert prod.config["SECRET_KEY"] == "an-environment-secret-of-some-length"


def test_environment_variables_override_settings(monkeypatch):
    monkeypatch.setenv("CASES_PER_PAGE", "7")
    monkeypatch.setenv("SCHEDULER_EMBEDDED", "true")
    configured = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert configured.config["CASES_PER_PAGE"] == 7
    assert configured.config["SCHEDULER_EMBEDDED"] is True


def test_database_url_is_normalised_to_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    dev = create_app("development")
    assert dev.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


# --- `flask users create` -----------------------------------------------------------------------


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _output(result) -> str:
    return result.output + (getattr(result, "stderr", "") or "")


def test_cli_creates_a_user_with_a_hashed_password(app, orgs):
    result = app.test_cli_runner().invoke(
        args=[
            "users", "create", "zhang.san", "--role", "mediator", "--org", "T1",
            "--password", "long-enough-1", "--email", "zs@example.org",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, _output(result)
    assert "zhang.san" in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "zhang.san"))
    assert user is not None
    assert user.role == Role.mediator
    assert user.organization_id == orgs["T1"].id
    assert user.email == "zs@example.org"
    assert user.active
    assert user.password_hash != "long-enough-1"
    assert "long-enough-1" not in user.password_hash
    assert user.check_password("long-enough-1")


def test_cli_prompts_for_the_password_when_not_given(app, orgs):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "li.si", "--role", "advocate", "--org", "G1"],
        input="prompted-pass-1\nprompted-pass-1\n",
    )
    assert result.exit_code == 0, _output(result)
    assert "prompted-pass-1" not in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "li.si"))
    assert user.check_password("prompted-pass-1")


def test_cli_created_user_can_log_in(app, client, orgs):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "wang",
            "--role",
            "officer",
            "--org",
            "C",
            "--password",
            "pw-12345678",
        ]
    )
    assert result.exit_code == 0, _output(result)
    response = client.post("/login", data={"username": "wang", "password": "pw-12345678"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["newbie", "--role", "boss", "--org", "T1", "--password", "long-enough-1"], "boss"),
        (["newbie", "--role", "mediator", "--org", "NOPE", "--password", "long-enough-1"], "NOPE"),
        (["mediator", "--role", "mediator", "--org", "T1", "--password", "long-enough-1"], "taken"),
        (["MEDIATOR", "--role", "mediator", "--org", "T1", "--password", "long-enough-1"], "taken"),
        (["newbie", "--role", "mediator", "--org", "T1", "--password", "short"], "At least 8"),
    ],
    ids=["unknown-role", "unknown-org", "taken-name", "taken-name-other-case", "short-password"],
)
def test_cli_refuses_bad_input_with_exit_code_2(app, users, args, expected):
    before = _user_count()
    result = app.test_cli_runner().invoke(args=["users", "create", *args])
    assert result.exit_code == 2
    text = _output(result)
    assert "Error" in text
    assert expected in text
    assert "Traceback" not in text
    db.session.expire_all()
    assert _user_count() == before
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None
