"""API tokens die with a password reset or deactivation, an unknown username costs a
password check like a known one, and officers sit at a town or the city."""

from __future__ import annotations

import pytest

from mediation.accounts import services as accounts
from mediation.accounts.tokens import issue_token, user_for_token
from mediation.core.errors import ValidationFailed
from mediation.extensions import db
from tests.conftest import PASSWORD


def test_a_password_reset_or_deactivation_revokes_api_tokens(users):
    admin, mediator = users["admin"], users["mediator"]
    token = issue_token(mediator.username, PASSWORD)[0]
    accounts.reset_password(admin, mediator.id, "a-new-password-1")
    assert user_for_token(token) is None

    token = issue_token(mediator.username, "a-new-password-1")[0]
    accounts.set_active(admin, mediator.id, False)
    accounts.set_active(admin, mediator.id, True)
    assert user_for_token(token) is None  # reactivation does not bring it back


def test_unknown_usernames_cost_a_password_check(app, users, monkeypatch):
    calls = []
    import mediation.accounts.services as module

    real = module.check_password_hash
    monkeypatch.setattr(module, "check_password_hash", lambda *a: calls.append(1) or real(*a))
    assert accounts.authenticate("nobody-at-all", "guess") is None
    users["advocate"].active = False
    db.session.commit()
    assert accounts.authenticate("advocate", PASSWORD) is None
    assert len(calls) == 2


def test_officers_sit_at_a_town_or_the_city(users, orgs):
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user("g1_officer", role="officer", org_code="G1", password="long-enough-1")
    assert "role" in refused.value.fields
    assert (
        accounts.create_user(
            "t1_officer2", role="officer", org_code="T1", password="long-enough-1"
        ).role.value
        == "officer"
    )
