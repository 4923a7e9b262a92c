"""Sign-in throttling: failed sign-ins counted per account and per address together, in storage
every worker and host shares, for the web form and the API's token endpoint alike
(docs/security.md "Sign-in throttling").

Three counts of failures, each over `LOGIN_THROTTLE_WINDOW_SECONDS`:

- the pair (account, address): `LOGIN_FAILURES_PER_PAIR` failures lock this account for this
  address;
- the address, across accounts: `LOGIN_FAILURES_PER_ADDRESS` failures lock the address for
  every account (a password sprayer);
- the account, across addresses: past `LOGIN_FAILURES_PER_ACCOUNT` failures, an address that
  has itself failed on the account is locked for it (a guesser spread over many addresses gets
  one guess per address). An address that has not failed on the account is not locked, so a
  flood from elsewhere never keeps the owner out.

A locked attempt is refused before the password is checked, whether it is right or not; a
correct password clears only its own pair.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from mediation.accounts.models import User
from mediation.accounts.services import authenticate
from mediation.core.errors import DomainError
from mediation.core.throttle import counter_store


class TooManyAttempts(DomainError):
    """Sign-in refused for a while; `retry_after` says how many seconds."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed sign-ins; try again later", retry_after=retry_after)
        self.retry_after = retry_after


def _keys(username: str, address: str) -> tuple[str, str, str]:
    account = (username or "").strip().lower()
    return f"login:pair:{account}|{address}", f"login:addr:{address}", f"login:acct:{account}"


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"])


def locked_for(username: str, address: str) -> int:
    """Seconds until this account may be tried from this address again; 0 if it may now."""
    config = current_app.config
    pair, addr, acct = _keys(username, address)
    counts = counter_store().read([pair, addr, acct], _window())
    waits = []
    if counts[pair].value >= config["LOGIN_FAILURES_PER_PAIR"]:
        waits.append(counts[pair].seconds_left)
    if counts[addr].value >= config["LOGIN_FAILURES_PER_ADDRESS"]:
        waits.append(counts[addr].seconds_left)
    if counts[acct].value >= config["LOGIN_FAILURES_PER_ACCOUNT"] and counts[pair].value > 0:
        waits.append(min(counts[acct].seconds_left, counts[pair].seconds_left))
    return max(waits, default=0)


def sign_in_attempt(username: str, password: str, address: str | None) -> User | None:
    """The user these credentials name, or None; `TooManyAttempts` when this address may not
    try this account now. Web sign-in and token issuance both come here, so they share counts."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return authenticate(username, password)
    address = address or "unknown"
    wait = locked_for(username, address)
    if wait:
        raise TooManyAttempts(wait)
    user = authenticate(username, password)
    pair, addr, acct = _keys(username, address)
    if user is None:
        counter_store().add([pair, addr, acct], _window())
    else:
        counter_store().clear([pair])
    return user
