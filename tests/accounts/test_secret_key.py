"""The secret key: generated per installation in development, refused in production when
missing, short or the once-published default; a fixed one in tests."""

from __future__ import annotations

import logging
import stat

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

import mediation
from mediation import create_app
from mediation.core.secret_key import KNOWN_KEYS, MIN_BYTES

PUBLISHED = next(iter(KNOWN_KEYS))


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MEDIATION_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def dev_app(**settings):
    return create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://", **settings)


def test_development_generates_a_private_random_key_once(instance):
    first = dev_app()
    path = instance / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"].encode()) >= MIN_BYTES
    assert first.config["SECRET_KEY"] not in KNOWN_KEYS
    assert dev_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]  # read back


def signer(app: Flask) -> URLSafeTimedSerializer:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer


def test_a_session_forged_with_the_published_key_signs_no_one_in(instance):
    forger = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY=PUBLISHED)
    forged = signer(forger).dumps({"_user_id": "1", "_fresh": True})
    with pytest.raises(BadSignature):
        signer(dev_app()).loads(forged)


@pytest.mark.parametrize("key", [PUBLISHED, "short-key", "k" * (MIN_BYTES - 1)])
def test_production_refuses_a_weak_or_published_key(instance, key):
    with pytest.raises(mediation.ConfigurationError):
        create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY=key)
    assert not (instance / "secret_key").exists()


def test_development_warns_loudly_about_a_weak_configured_key(instance, caplog):
    caplog.set_level(logging.WARNING)
    app = dev_app(SECRET_KEY=PUBLISHED)
    assert app.config["SECRET_KEY"] == PUBLISHED
    assert any("published default" in r.getMessage() for r in caplog.records)
    assert not (instance / "secret_key").exists()


def test_testing_keeps_its_fixed_key(instance):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SECRET_KEY"] == "testing-secret-key"
    assert not (instance / "secret_key").exists()
