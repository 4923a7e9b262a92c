"""Database leases and once-markers (core.leases): what lets any number of schedulers run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mediation.core.clock import utcnow
from mediation.core.leases import JobLease, mark_once, release_lease, take_lease
from mediation.extensions import db

TTL = timedelta(minutes=10)


def test_a_free_lease_is_taken_and_a_live_holder_blocks_another(app):
    now = utcnow()
    assert take_lease("job", "a", TTL, now)
    assert not take_lease("job", "b", TTL, now + timedelta(minutes=9))
    assert take_lease("job", "a", TTL, now + timedelta(minutes=9))  # renewed by its holder
    lease = db.session.get(JobLease, "job")
    assert lease is not None and lease.holder == "a"
    assert lease.expires_at == now + timedelta(minutes=19)


def test_an_expired_lease_is_taken_over(app):
    now = utcnow()
    assert take_lease("job", "a", TTL, now)
    assert take_lease("job", "b", TTL, now + TTL + timedelta(seconds=1))  # a died
    assert not take_lease("job", "a", TTL, now + TTL + timedelta(seconds=2))
    assert db.session.scalar(select(JobLease.holder).where(JobLease.name == "job")) == "b"


def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(app):
    assert take_lease("job", "a", TTL)
    release_lease("job", "b")
    assert not take_lease("job", "b", TTL)
    release_lease("job", "a")
    assert take_lease("job", "b", TTL)


def test_leases_of_different_jobs_are_independent(app):
    assert take_lease("one", "a", TTL)
    assert take_lease("two", "b", TTL)


def test_a_mark_is_new_once_and_only_when_committed(app):
    assert mark_once("digest:2026-12-05")
    db.session.rollback()  # the work failed: the mark goes with it
    assert mark_once("digest:2026-12-05")
    db.session.commit()
    assert not mark_once("digest:2026-12-05")
    assert mark_once("digest:2026-12-06")
    db.session.commit()
