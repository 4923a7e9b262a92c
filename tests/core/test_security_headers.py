"""The headers every answer carries (docs/security.md "Headers"): a Content-Security-Policy
that allows this site's own files only, no caching of anything but the static files, HSTS in
production only; and templates that need no inline script, style or handler under that
policy."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from mediation import PROJECT_ROOT, create_app
from mediation.cases.models import Attachment
from mediation.core.db import engines
from mediation.core.web import CONTENT_SECURITY_POLICY
from mediation.extensions import db
from tests.api.conftest import Api
from tests.conftest import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def assert_protected(response) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"


def test_pages_api_answers_and_errors_carry_the_headers_and_are_not_cached(client, users):
    answers = [client.get("/login"), client.get("/nowhere"), client.get("/api/v1/cases")]
    login(client, users["mediator"])
    answers += [client.get("/cases"), client.get("/cases/export?format=csv")]
    answers.append(Api(client).get("/cases", as_=users["mediator"]))
    for response in answers:
        assert_protected(response)
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        assert "Strict-Transport-Security" not in response.headers  # not in development


def test_attachments_are_not_cached(client, users, make_case, attachment_store):
    case = make_case(workers_involved=1)
    login(client, users["mediator"])
    upload = client.post(
        f"/cases/{case.id}/attachments",
        data={"file": (io.BytesIO(PNG), "工资条.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    download = client.get(f"/cases/{case.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert_protected(download)


def test_static_files_stay_cacheable(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_production_sends_hsts(app, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    prod = create_app(
        "production",
        SECRET_KEY="k" * 48,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    try:
        response = prod.test_client().get("/login", base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        with prod.app_context():
            db.session.remove()
            for engine in engines():
                engine.dispose()


INLINE = [
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (
        re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", re.I),
        "inline script",
    ),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize(
    "template",
    sorted(
        p.relative_to(PROJECT_ROOT / "templates")
        for p in (PROJECT_ROOT / "templates").rglob("*.html")
    ),
    ids=str,
)
def test_templates_need_nothing_inline_the_policy_refuses(template: Path):
    text = (PROJECT_ROOT / "templates" / template).read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template}: {', '.join(found)}"
