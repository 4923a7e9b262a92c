"""Fixtures and factories.

Tests run on SQLite (a fresh file per test) by default and on PostgreSQL when TEST_DATABASE_URL
is set: the schema is created once per session and every table is truncated after each test.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask, g
from sqlalchemy import create_engine, text

from config.default import normalize_database_url
from mediation import create_app
from mediation.accounts.models import Role, User
from mediation.cases import services
from mediation.cases.models import Case
from mediation.core.clock import local_date, utcnow
from mediation.core.db import engines
from mediation.core.identifiers import id_check_digit, make_credit_code
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from tests.pg_schema import ensure_pg_trgm, schema_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres"))

requires_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql://…"
)

PASSWORD = "correct-horse-1"
_counter = itertools.count(1)


def valid_credit_code(n: int | None = None) -> str:
    """A credit code passing GB 32100 and, in characters 9-17, GB 11714."""
    body = f"MA5G{(n if n is not None else next(_counter)) % 10000:04d}"
    return make_credit_code("91", "440300", body)


def valid_id_number(birth: str = "19900307", serial: int = 123) -> str:
    first17 = f"440305{birth}{serial:03d}"
    return first17 + id_check_digit(first17)


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str | None]:
    """On PostgreSQL: a schema of this run's own (so parallel runs cannot collide), built once."""
    if not ON_POSTGRES:
        yield None
        return
    base = normalize_database_url(TEST_DATABASE_URL)
    schema = f"test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        extensions = ensure_pg_trgm(conn)  # not in this run's schema (see tests.pg_schema)
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = schema_url(base, schema, extensions)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        for engine in engines():
            engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def app(tmp_path, _postgres_url) -> Iterator[Flask]:
    url = _postgres_url or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=url, ATTACHMENT_FOLDER=str(tmp_path / "attachments")
    )
    app.config["MEDIATION_TMP"] = str(tmp_path)

    def _like_a_new_request() -> None:
        """Tests hold one app context across requests, so what a request leaves in it would
        reach the next: Flask-Login's cached user (each request must authenticate from its own
        cookie), and the session's transaction (a read-only request would run inside it,
        not as in production, where every request starts with a new session)."""
        g.pop("_login_user", None)
        if db.session().in_transaction():
            db.session.commit()

    # first: before `core.db`'s hook decides whether the request runs read-only
    app.before_request_funcs.setdefault(None, []).insert(0, _like_a_new_request)

    with app.app_context():
        if not ON_POSTGRES:
            db.create_all()
        yield app
        db.session.remove()
        if ON_POSTGRES:
            names = ", ".join(t.name for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for engine in engines():
            engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(app) -> Iterator[Flask]:
    """A second app on the same database with CSRF protection on (the testing config has it
    off)."""
    protected = create_app(
        "testing",
        WTF_CSRF_ENABLED=True,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    yield protected
    with protected.app_context():
        db.session.remove()
        for engine in engines():
            engine.dispose()


@pytest.fixture
def orgs(app) -> dict[str, Organization]:
    """city C ─┬─ town T1 ─── grassroots G1
    └─ town T2 ─── grassroots G2"""
    city = Organization(code="C", name="市总工会", tier=Tier.city)
    t1 = Organization(code="T1", name="一镇工会", tier=Tier.town, parent=city)
    t2 = Organization(code="T2", name="二镇工会", tier=Tier.town, parent=city)
    g1 = Organization(code="G1", name="一镇甲厂工会", tier=Tier.grassroots, parent=t1)
    g2 = Organization(code="G2", name="二镇乙厂工会", tier=Tier.grassroots, parent=t2)
    db.session.add_all([city, t1, t2, g1, g2])
    db.session.commit()
    return {"C": city, "T1": t1, "T2": t2, "G1": g1, "G2": g2}


@pytest.fixture
def make_user(orgs) -> Callable[..., User]:
    def factory(role: str | Role, org: str = "T1", username: str | None = None, **kw) -> User:
        role = Role(role)
        user = User(
            username=username or f"{role.value}{next(_counter)}",
            display_name=kw.pop("display_name", f"{role.value} at {org}"),
            role=role,
            organization_id=orgs[org].id,
            **kw,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def users(make_user) -> dict[str, User]:
    """One of each role at town T1, plus out-of-scope staff at T2 and the city."""
    return {
        "admin": make_user("admin", "C", "admin"),
        "city_officer": make_user("officer", "C", "city_officer"),
        "officer": make_user("officer", "T1", "officer"),
        "mediator": make_user("mediator", "T1", "mediator"),
        "g1_mediator": make_user("mediator", "G1", "g1_mediator"),
        "advocate": make_user("advocate", "T1", "advocate"),
        "other_mediator": make_user("mediator", "T2", "other_mediator"),
        "other_officer": make_user("officer", "T2", "other_officer"),
        "other_advocate": make_user("advocate", "T2", "other_advocate"),
    }


@pytest.fixture
def make_enterprise(orgs) -> Callable[..., Enterprise]:
    def factory(org: str = "G1", **kw) -> Enterprise:
        enterprise = Enterprise(
            name=kw.pop("name", f"测试企业{next(_counter)}有限公司"),
            credit_code=kw.pop("credit_code", valid_credit_code()),
            organization_id=orgs[org].id,
            **kw,
        )
        db.session.add(enterprise)
        db.session.commit()
        return enterprise

    return factory


@pytest.fixture
def case_payload(make_enterprise, orgs) -> Callable[..., dict]:
    def factory(**overrides) -> dict:
        payload = {
            "kind": "arrears",
            "category": "remuneration",
            "enterprise_id": overrides.pop("enterprise_id", None) or make_enterprise().id,
            "handling_org_id": orgs[overrides.pop("org", "G1")].id,
            "title": "拖欠12名工人两个月工资",
            "workers_involved": 12,
            "claim_amount": "48000.00",  # below the criminal group threshold (60,000)
            "arrears_months": 2,
            "worker_name": "王建国",
            "worker_id_number": valid_id_number(),
            "channel": "walk_in",
        }
        payload.update(overrides)
        return payload

    return factory


@pytest.fixture
def make_case(users, case_payload) -> Callable[..., Case]:
    def factory(by: User | None = None, now: datetime | None = None, **overrides) -> Case:
        return services.create_case(by or users["mediator"], case_payload(**overrides), now=now)

    return factory


def future_date(days: int = 20) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


def today() -> str:
    """Today in China, as the services count days."""
    return local_date(utcnow()).isoformat()


# The payload that satisfies each trigger (for a remuneration/arrears case).
def trigger_payload(trigger: str, users: dict[str, User]) -> dict:
    return {
        "accept": {"mediator_id": users["mediator"].id},
        "reject": {"reason": "不属于受案范围"},
        "begin_mediation": {},
        "record_agreement": {
            "terms": "单位于期限内一次性支付",
            "agreement_amount": "90000.00",
            "agreement_due_on": future_date(),
        },
        "confirm_performance": {"paid_amount": "90000.00"},
        "record_payment": {"paid_amount": "30000.00"},
        "close_partly_performed": {"reason": "单位停产，余款无力支付", "paid_amount": "1000.00"},
        # before the due date a default needs the employer's refusal (docs/domain.md)
        "report_default": {"reason": "单位明确表示拒绝支付", "refused_on": today()},
        "fail_mediation": {"reason": "双方分歧过大"},
        "refer": {"referral_target": "arbitration", "referral_reference": "江劳人仲〔2026〕1号"},
        "record_ruling": {"result": "worker_won", "amount": "90000.00"},
        "withdraw": {"reason": "申请人撤回"},
        "reopen": {
            "reopen_reason": "new_application",
            "reason": "发现新证据",
            "mediator_id": users["mediator"].id,
        },
    }[trigger]


# A path of triggers from `reported` to each state.
PATH_TO = {
    "reported": [],
    "accepted": ["accept"],
    "mediating": ["accept", "begin_mediation"],
    "agreement": ["accept", "begin_mediation", "record_agreement"],
    "failed": ["accept", "fail_mediation"],
    "referred": ["accept", "fail_mediation", "refer"],
    "closed": ["reject"],
}


@pytest.fixture
def drive(users) -> Callable[[Case, str], Case]:
    """Move a case to a state through the real service, as the T1 officer."""

    def factory(case: Case, state: str) -> Case:
        for trigger in PATH_TO[state]:
            case = services.fire_trigger(
                case.id, trigger, users["officer"], trigger_payload(trigger, users)
            )
        return case

    return factory


def login(client, user: User, password: str = PASSWORD):
    return client.post("/login", data={"username": user.username, "password": password})


# --- where attachments are stored -----------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[str]:
    """moto's standalone S3-compatible server (`moto_server`, from `moto[server]` in the test
    extra) on a free port of 127.0.0.1, for the whole run; its endpoint URL."""
    import shutil
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests

    from tests.helpers import free_port

    executable = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    if not Path(executable).is_file():
        pytest.skip("needs moto's S3 server: pip install 'moto[server]' (the test extra)")
    pytest.importorskip("boto3", reason="the S3 store needs boto3")
    port = free_port()
    server = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # it imports a lot on its first request
        while time.monotonic() < deadline:
            try:
                requests.get(url, timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("moto_server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


class StoredObjects:
    """What the attachment store under test holds, whichever its backend."""

    def __init__(self, app: Flask) -> None:
        from mediation.core.storage import storage

        with app.app_context():
            self.store = storage()
        self.kind = app.config["ATTACHMENT_STORAGE"]

    def names(self) -> list[str]:
        """The hashes of the stored objects, and any left-over upload (a temporary file)."""
        from pathlib import Path

        if self.kind == "folder":
            root = Path(self.store.root)  # type: ignore[attr-defined]
            return sorted(p.name for p in root.rglob("*") if p.is_file())
        client, bucket = self.store.client, self.store.bucket  # type: ignore[attr-defined]
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(item["Key"].rsplit("/", 1)[-1] for item in listed)

    def overwrite(self, sha256: str, content: bytes) -> None:
        """Change a stored object behind the app's back (as a broken disk or an intruder)."""
        if self.kind == "folder":
            self.store.path(sha256).write_bytes(content)  # type: ignore[attr-defined]
        else:
            self.store.client.put_object(  # type: ignore[attr-defined]
                Bucket=self.store.bucket,  # type: ignore[attr-defined]
                Key=self.store.key(sha256),  # type: ignore[attr-defined]
                Body=content,
            )


@pytest.fixture(params=["folder", "s3"])
def attachment_store(request, app) -> StoredObjects:
    """Run an attachment test once per backend: the local folder (the default) and an
    S3-compatible bucket (a fresh one on moto's server). The same tests must pass on both."""
    from mediation.core.storage import init_storage

    if request.param == "s3":
        endpoint = request.getfixturevalue("moto_s3")
        bucket = f"evidence-{uuid.uuid4().hex[:12]}"
        app.config.update(
            ATTACHMENT_STORAGE="s3",
            S3_BUCKET=bucket,
            S3_ENDPOINT_URL=endpoint,
            S3_REGION="us-east-1",
            S3_ACCESS_KEY_ID="testing",
            S3_SECRET_ACCESS_KEY="testing",
        )
        init_storage(app)
        StoredObjects(app).store.client.create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    return StoredObjects(app)
