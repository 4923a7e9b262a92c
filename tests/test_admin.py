"""The admin pages: users and organizations (and the index linking the warning-rule and outbox
pages). Administrators only; the services behind them write nothing on bad input."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from mediation.accounts import services as accounts
from mediation.accounts.models import Role, User
from mediation.core.errors import Conflict, PermissionDenied, ValidationFailed
from mediation.extensions import db
from mediation.orgs import services as orgs
from mediation.orgs.models import Organization, Tier
from tests.conftest import PASSWORD, login
from tests.helpers import count
from tests.html import dom

GET_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users?role=mediator&org={org}&active=1",
    "/admin/users/new",
    "/admin/users/{user}/password",
    "/admin/organizations",
    "/admin/organizations/new",
    "/admin/organizations/{org}/rename",
    "/admin/calendar",
    "/admin/calendar?year=2027",
]
POSTS = [
    ("/admin/users/new", {"username": "newbie", "role": "mediator", "org": "{org}",
                          "password": "long-enough-1"}),
    ("/admin/users/{user}/deactivate", {"confirm": "yes"}),
    ("/admin/users/{user}/reactivate", {}),
    ("/admin/users/{user}/password", {"password": "another-pass-1"}),
    ("/admin/organizations/new", {"code": "T9", "name": "九镇工会", "tier": "town",
                                  "parent_id": "{city}"}),
    ("/admin/organizations/{org}/rename", {"name": "改名工会"}),
]  # fmt: skip


def fill(template: str, users, orgs_) -> str:
    return template.format(user=users["mediator"].id, org=orgs_["T1"].id, city=orgs_["C"].id)


def snapshot() -> tuple:
    db.session.expire_all()
    return (
        sorted((u.username, u.active, u.password_hash) for u in db.session.scalars(select(User))),
        sorted((o.code, o.name) for o in db.session.scalars(select(Organization))),
    )


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GET_PAGES)
@pytest.mark.parametrize("role", ["admin", "officer", "mediator", "advocate", "anonymous"])
def test_admin_pages_are_for_administrators_only(client, users, orgs, role, path):
    path = fill(path, users, orgs)
    if role != "anonymous":
        login(client, users[role])
    response = client.get(path)
    if role == "admin":
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path,data", POSTS)
@pytest.mark.parametrize("role", ["officer", "mediator", "advocate", "anonymous"])
def test_admin_actions_are_refused_to_others_and_change_nothing(
    client, users, orgs, role, path, data
):
    if role != "anonymous":
        login(client, users[role])
    before = snapshot()
    response = client.post(
        fill(path, users, orgs), data={k: fill(v, users, orgs) for k, v in data.items()}
    )
    # a visitor's posted form is kept on a sign-in page (tests/accounts/test_resubmit.py)
    anonymous = 401 if data else 302
    assert response.status_code == (anonymous if role == "anonymous" else 403)
    assert snapshot() == before


@pytest.mark.parametrize("path,data", POSTS)
def test_admin_actions_work_for_an_administrator(client, users, orgs, path, data):
    login(client, users["admin"])
    if "reactivate" in path:
        accounts.set_active(users["admin"], users["mediator"].id, False)
    before = snapshot()
    response = client.post(
        fill(path, users, orgs), data={k: fill(v, users, orgs) for k, v in data.items()}
    )
    assert response.status_code == 302
    assert snapshot() != before


def test_admin_index_links_every_admin_page(client, users):
    login(client, users["admin"])
    page = dom(client.get("/admin/"))
    links = {a.attrs["href"] for a in page.find_all("a", cls="admin-link")}
    assert links == {
        "/admin/users", "/admin/organizations", "/admin/rules", "/admin/outbox", "/admin/import",
        "/admin/calendar",
    }  # fmt: skip
    assert dom(client.get("/")).find("a", href="/admin/") is not None  # in the nav


def test_admin_pages_answer_404_for_unknown_ids(client, users):
    login(client, users["admin"])
    assert client.get("/admin/users/99999/password").status_code == 404
    assert client.post("/admin/users/99999/deactivate").status_code == 404
    assert client.get("/admin/organizations/99999/rename").status_code == 404
    assert client.get("/admin/users/99999999999/password").status_code == 404


# --- users ----------------------------------------------------------------------------------------


def listed_users(page) -> list[str]:
    return [r.attrs["data-user"] for r in dom(page).find_all("tr") if "data-user" in r.attrs]


def test_user_list_filters_by_role_org_and_active(client, users, orgs):
    accounts.set_active(users["admin"], users["other_mediator"].id, False)
    login(client, users["admin"])
    assert set(listed_users(client.get("/admin/users"))) == {u.username for u in users.values()}
    assert set(listed_users(client.get("/admin/users?role=mediator"))) == {
        "mediator", "g1_mediator", "other_mediator",
    }  # fmt: skip
    assert set(listed_users(client.get(f"/admin/users?org={orgs['T2'].id}"))) == {
        "other_mediator", "other_officer", "other_advocate",
    }  # fmt: skip
    assert listed_users(client.get("/admin/users?active=0")) == ["other_mediator"]
    active = listed_users(client.get("/admin/users?role=mediator&active=1"))
    assert set(active) == {"mediator", "g1_mediator"}
    # nonsense filters are ignored, not errors
    assert client.get("/admin/users?role=king&org=abc&active=maybe").status_code == 200


def test_the_user_list_pages_through_every_user_and_forgives_a_bad_page(client, users, monkeypatch):
    """The simple lists page with Flask-SQLAlchemy's `db.paginate`: every user once across the
    pages, a page number that is not one shows the first page, and past the end is empty."""
    from mediation.admin import views as admin_views

    monkeypatch.setattr(admin_views, "USERS_PER_PAGE", 4)
    login(client, users["admin"])
    seen: list[str] = []
    for number in range(1, 10):
        names = listed_users(client.get(f"/admin/users?page={number}"))
        if not names:
            break
        assert len(names) <= 4
        seen += names
    assert sorted(seen) == sorted(u.username for u in users.values())
    assert listed_users(client.get("/admin/users?page=abc")) == listed_users(
        client.get("/admin/users?page=1")
    )
    assert listed_users(client.get("/admin/users?page=999")) == []
    one_page = dom(client.get("/admin/users?role=mediator")).find("nav", cls="pager")
    assert re.findall(r"\d+", one_page.find("span").text) == ["1", "1"]  # page 1 of 1


def test_admin_creates_a_user_with_a_hashed_password_who_can_log_in(client, users, orgs):
    login(client, users["admin"])
    response = client.post(
        "/admin/users/new",
        data={"username": "wang.li", "display_name": "王丽", "role": "mediator",
              "org": orgs["G1"].id, "email": "wl@example.cn", "phone": "13800000000",
              "password": "secret-pass-9"},
    )  # fmt: skip
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "wang.li"))
    assert (user.display_name, user.role, user.organization_id) == ("王丽", Role.mediator,
                                                                    orgs["G1"].id)  # fmt: skip
    assert user.password_hash != "secret-pass-9" and user.check_password("secret-pass-9")
    client.post("/logout")
    assert login(client, user, "secret-pass-9").status_code == 302


@pytest.mark.parametrize(
    "change,field",
    [
        ({"username": "MEDIATOR"}, "username"),  # taken (names are not case sensitive)
        ({"username": "bad name!"}, "username"),
        ({"org": "99999"}, "org"),  # unknown organization
        ({"org": "not-a-number"}, "org"),
        ({"role": "king"}, "role"),
        ({"password": "short"}, "password"),
        ({"email": "not-an-address"}, "email"),
        ({"display_name": "x" * 101}, "display_name"),
    ],
)
def test_bad_user_input_is_422_beside_the_field_keeps_values_and_writes_nothing(
    client, users, orgs, change, field
):
    login(client, users["admin"])
    data = {"username": "newcomer", "display_name": "新同事", "role": "officer",
            "org": str(orgs["T2"].id), "email": "n@example.cn", "phone": "",
            "password": "long-enough-1", **change}  # fmt: skip
    before = snapshot()
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    assert snapshot() == before
    page = dom(response)
    form = page.find("form", id="user-form")
    messages = form.find_all(cls="field-error")
    assert messages and all(m.ancestor("has-error") is not None for m in messages)  # beside it
    marked = {
        (n.find("input") or n.find("select")).attrs["name"] for n in form.find_all(cls="has-error")
    }
    assert marked == {field}
    # the typed values come back (never the password)
    if field != "username":
        assert form.find("input", name="username").attrs["value"] == data["username"]
    if field != "org":
        chosen = form.find("select", name="org").find("option", selected="")
        assert chosen.attrs["value"] == data["org"]
    assert form.find("input", name="password").attrs.get("value") in (None, "")


def test_create_user_service_rejects_everything_at_once(users, orgs):
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_user("admin", role="mediator", org_id=99999, password="short")
    assert set(exc.value.fields) == {"username", "org", "password"}
    assert snapshot() == before


def test_deactivated_users_cannot_log_in_and_lose_their_session(client, users, make_user):
    victim = users["mediator"]
    other = client.application.test_client()
    assert login(other, victim).status_code == 302
    assert other.get("/cases").status_code == 200

    login(client, users["admin"])
    # without the confirmation nothing happens (docs/security.md "Confirmations")
    assert client.post(f"/admin/users/{victim.id}/deactivate").status_code == 303
    db.session.expire_all()
    assert db.session.get(User, victim.id).active is True
    deactivate = client.post(f"/admin/users/{victim.id}/deactivate", data={"confirm": "yes"})
    assert deactivate.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, victim.id).active is False

    # the open session ends at its next request, and a new login is refused
    assert other.get("/cases").status_code == 302
    assert login(other, victim).status_code == 401

    assert client.post(f"/admin/users/{victim.id}/reactivate").status_code == 302
    assert login(other, victim).status_code == 302


def test_an_admin_cannot_deactivate_themselves(client, users):
    login(client, users["admin"])
    row = next(r for r in dom(client.get("/admin/users")).find_all("tr")
               if r.attrs.get("data-user") == "admin")  # fmt: skip
    assert row.find("form") is None  # no button offered
    response = client.post(f"/admin/users/{users['admin'].id}/deactivate", data={"confirm": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, users["admin"].id).active is True
    with pytest.raises(Conflict):
        accounts.set_active(users["admin"], users["admin"].id, False)


def test_only_admins_may_use_the_user_services(users):
    for who in ("officer", "mediator", "advocate"):
        with pytest.raises(PermissionDenied):
            accounts.set_active(users[who], users["advocate"].id, False)
        with pytest.raises(PermissionDenied):
            accounts.reset_password(users[who], users["advocate"].id, "long-enough-1")


def test_reset_password(client, users):
    login(client, users["admin"])
    target = users["advocate"]
    response = client.post(f"/admin/users/{target.id}/password", data={"password": "short"})
    assert response.status_code == 422
    assert dom(response).find(cls="has-error").find("input").attrs["name"] == "password"
    db.session.expire_all()
    assert db.session.get(User, target.id).check_password(PASSWORD)

    response = client.post(f"/admin/users/{target.id}/password", data={"password": "brand-new-77"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).check_password("brand-new-77")
    assert not db.session.get(User, target.id).check_password(PASSWORD)


# --- organizations --------------------------------------------------------------------------------


def test_organization_tree_lists_children_under_their_parents(client, users):
    login(client, users["admin"])
    tree = dom(client.get("/admin/organizations")).find(id="org-tree")
    items = [(li.attrs["data-org"], li.attrs["class"]) for li in tree.find_all("li")]
    assert items == [("C", "depth-0"), ("T1", "depth-1"), ("G1", "depth-2"),
                     ("T2", "depth-1"), ("G2", "depth-2")]  # fmt: skip


@pytest.mark.parametrize(
    "tier,parent,ok",
    [
        ("town", "C", True),
        ("grassroots", "T1", True),
        ("town", "T1", False),  # a town's parent is the city
        ("grassroots", "C", False),  # a grassroots union's parent is a town
        ("grassroots", "G1", False),
        ("town", "G1", False),
        ("city", None, False),  # there is one city, the root
        ("city", "C", False),
    ],
)
def test_organization_tier_rules(users, orgs, tier, parent, ok):
    before = count(Organization)
    create = lambda: orgs_create(tier, orgs[parent].id if parent else None)  # noqa: E731
    if ok:
        org = create()
        assert org.tier == Tier(tier) and org.parent_id == orgs[parent].id
        assert count(Organization) == before + 1
    else:
        with pytest.raises(ValidationFailed) as exc:
            create()
        assert set(exc.value.fields) & {"tier", "parent_id"}
        assert count(Organization) == before


def orgs_create(tier, parent_id, code="NEW1", name="新工会"):
    return orgs.create_organization(code=code, name=name, tier=tier, parent_id=parent_id)


def test_organization_codes_are_unique_and_well_formed(users, orgs):
    with pytest.raises(ValidationFailed) as exc:
        orgs_create("town", orgs["C"].id, code="t1")  # T1 exists; codes are upper-cased
    assert set(exc.value.fields) == {"code"}
    for bad in ("", "-X", "含中文", "A" * 33, "A B"):
        with pytest.raises(ValidationFailed):
            orgs_create("town", orgs["C"].id, code=bad)
    assert orgs_create("town", orgs["C"].id, code="jc-new").code == "JC-NEW"


def test_bad_organization_form_is_422_with_values_kept(client, users, orgs):
    login(client, users["admin"])
    before = snapshot()
    response = client.post(
        "/admin/organizations/new",
        data={"code": "T1", "name": "重复编号工会", "tier": "grassroots",
              "parent_id": str(orgs["C"].id)},
    )  # fmt: skip
    assert response.status_code == 422
    assert snapshot() == before
    form = dom(response).find("form", id="organization-form")
    marked = {
        (n.find("input") or n.find("select")).attrs["name"] for n in form.find_all(cls="has-error")
    }
    assert marked == {"code", "parent_id"}
    assert form.find("input", name="name").attrs["value"] == "重复编号工会"
    assert form.find("select", name="tier").find("option", selected="").attrs["value"] == (
        "grassroots"
    )


def test_rename_organization(client, users, orgs):
    login(client, users["admin"])
    path = f"/admin/organizations/{orgs['T1'].id}/rename"
    response = client.post(path, data={"name": "   "})
    assert response.status_code == 422
    assert snapshot()[1] == sorted((o.code, o.name) for o in orgs.values())
    assert client.post(path, data={"name": "一镇总工会"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, orgs["T1"].id).name == "一镇总工会"


def test_admin_forms_carry_csrf_tokens(csrf_app, users, orgs):
    client = csrf_app.test_client()
    page = client.get("/login")
    token = dom(page).find("input", name="csrf_token").attrs["value"]
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{users['mediator'].id}/password",
                 "/admin/organizations/new", f"/admin/organizations/{orgs['T1'].id}/rename"):  # fmt: skip
        forms = [
            f for f in dom(client.get(path)).find_all("form") if f.attrs.get("method") == "post"
        ]
        assert forms
        for form in forms:
            assert form.find("input", name="csrf_token") is not None
    # without the token nothing happens
    before = snapshot()
    assert client.post(f"/admin/users/{users['mediator'].id}/deactivate").status_code == 400
    assert snapshot() == before
