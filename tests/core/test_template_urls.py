"""Templates' links are remembered per application and script root (core.web.template_url_for):
the same page mounted elsewhere links to its own mount, and arguments still count."""

from __future__ import annotations

from tests.conftest import login
from tests.html import dom


def nav_links(response) -> list[str]:
    assert response.status_code == 200
    return [a.attrs["href"] for a in dom(response).find_all("a") if a.attrs.get("href")]


def test_links_follow_where_the_application_is_mounted(client, users):
    login(client, users["officer"])
    plain = nav_links(client.get("/cases"))
    mounted = nav_links(client.get("/cases", environ_overrides={"SCRIPT_NAME": "/union"}))
    again = nav_links(client.get("/cases"))
    assert "/cases" in plain and "/alerts" in plain
    assert "/union/cases" in mounted and "/cases" not in mounted
    assert again == plain


def test_arguments_make_their_own_links(client, users):
    login(client, users["officer"])
    links = nav_links(client.get("/cases?state=reported"))
    assert "/cases/export?format=xlsx&state=reported" in links
    assert "/cases/export?format=csv&state=reported" in links


def test_equal_arguments_of_other_types_are_other_links(app):
    from mediation.core.web import template_url_for

    with app.test_request_context("/cases"):
        assert template_url_for("cases.case_list", page=1) == "/cases?page=1"
        assert template_url_for("cases.case_list", page=True) == "/cases?page=True"
        assert template_url_for("cases.case_list", page=1) == "/cases?page=1"
