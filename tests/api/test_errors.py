"""Under /api/ every error has the one JSON shape, whatever raised it: routing, methods, the body
size limit, authentication, CSRF, the services, or an unexpected exception."""

from __future__ import annotations

from tests.api.conftest import error_of
from tests.conftest import login


def test_unknown_urls_and_methods(api, users):
    response = api.get("/nothing-here", as_=users["mediator"])
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = api.request("PUT", "/cases", as_=users["mediator"], json={})
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]
    response = api.delete("/cases/1", as_=users["mediator"])
    assert response.status_code == 405
    assert api.get("/cases/not-a-number", as_=users["mediator"]).status_code == 404


def test_revoking_needs_a_bearer_token(client, api, users):
    login(client, users["mediator"])
    response = api.delete("/auth/tokens/current")
    assert response.status_code == 400
    assert "bearer" in error_of(response)["message"]


def test_a_crashing_endpoint_answers_json_500(app, api, users, make_case, monkeypatch):
    from mediation.cases import services

    case = make_case()

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "timeline", broken)
    response = api.get(f"/cases/{case.id}/events", as_=users["mediator"])
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    assert "secret" not in response.get_data(as_text=True)


def test_html_error_pages_stay_outside_the_api(client, users):
    login(client, users["mediator"])
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
