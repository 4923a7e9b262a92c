"""The authorization matrix: every endpoint × every role × an object in and out of the role's
scope, against a table of the expected answers. Any cell that differs (above all, an unexpected
success) fails the test, and the failure lists every differing cell."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from mediation.warnings.models import Alert
from tests.conftest import valid_credit_code

ROLES = ("admin", "officer", "mediator", "advocate", "anonymous")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class World:
    """One object in scope of the T1 staff (and assigned to the T1 advocate), one out (T2)."""

    case_in: object
    case_out: object
    enterprise_in: object
    enterprise_out: object
    alert_in: Alert
    alert_out: Alert
    orgs: dict
    # a report against the same employer, to merge (docs/collective.md)
    sibling_in: object = None
    sibling_out: object = None


@pytest.fixture
def build_world(users, make_case, make_enterprise, orgs) -> Callable[[], World]:
    def build() -> World:
        ent_in, ent_out = make_enterprise("G1"), make_enterprise("G2")
        case_in = make_case(enterprise_id=ent_in.id, workers_involved=12)
        case_out = make_case(
            by=users["other_mediator"], org="G2", enterprise_id=ent_out.id, workers_involved=12
        )
        services.assign_advocate(case_in.id, users["mediator"], users["advocate"].id)
        alert = lambda case: db.session.scalar(  # noqa: E731
            select(Alert).where(Alert.case_id == case.id, Alert.rule == "collective")
        )
        sibling_in = make_case(enterprise_id=ent_in.id, workers_involved=1)
        sibling_out = make_case(
            by=users["other_mediator"], org="G2", enterprise_id=ent_out.id, workers_involved=1
        )
        return World(
            case_in, case_out, ent_in, ent_out, alert(case_in), alert(case_out), orgs,
            sibling_in, sibling_out,
        )  # fmt: skip

    return build


def _case_body(world: World, which: str) -> dict:
    org = world.orgs["G1" if which == "in" else "G2"]
    enterprise = world.enterprise_in if which == "in" else world.enterprise_out
    return {
        "kind": "dispute", "category": "dismissal", "title": "违法解除劳动合同",
        "workers_involved": 1, "enterprise_id": enterprise.id, "handling_org_id": org.id,
    }  # fmt: skip


def _now_iso() -> str:
    return utcnow().isoformat()


def _today_iso() -> str:
    return local_date(utcnow()).isoformat()


def _in_days(days: int) -> str:
    return (local_date(utcnow()) + timedelta(days=days)).isoformat()


def _pick(world: World, which: str, name: str):
    return getattr(world, f"{name}_{which}")


# Each row: method, path (from the world and in/out), body (JSON or a multipart marker), and the
# expected status per role for the object in scope and out of scope: {role: (in, out)}.
ALL = lambda code: {r: (code, code) for r in ROLES[:-1]} | {"anonymous": (401, 401)}  # noqa: E731
ENDPOINTS = [
    ("GET", lambda w, x: "/cases", None, ALL(200)),
    ("POST", lambda w, x: "/cases", _case_body,
     {"admin": (201, 201), "officer": (201, 422), "mediator": (201, 422),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/cases/{_pick(w, x, 'case').id}", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("PATCH", lambda w, x: f"/cases/{_pick(w, x, 'case').id}",
     lambda w, x: {"version": _pick(w, x, "case").version, "title": "更正后的标题"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/transitions",
     lambda w, x: {"trigger": "withdraw", "version": _pick(w, x, "case").version, "reason": "撤回"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/events", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/notes",
     lambda w, x: {"kind": "visit", "body": "走访记录"},
     {"admin": (201, 201), "officer": (201, 404), "mediator": (201, 404),
      "advocate": (201, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/attachments", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/attachments", "multipart",
     {"admin": (201, 201), "officer": (201, 404), "mediator": (201, 404),
      "advocate": (201, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/mediator",
     lambda w, x: {"mediator_id": _pick(w, x, "case").created_by_id,
                   "version": _pick(w, x, "case").version},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/takeover",
     lambda w, x: {"version": _pick(w, x, "case").version, "reason": "督办"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (403, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    # the admin sits at the city: no tier above it to escalate to
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/escalations",
     lambda w, x: {"level": "orange", "reason": "请市总督办"},
     {"admin": (403, 403), "officer": (201, 404), "mediator": (403, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/clocks", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    # the world's cases came in through a walk-in application: it is recorded already
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/application",
     lambda w, x: {"received_at": _now_iso(), "version": _pick(w, x, "case").version},
     {"admin": (409, 409), "officer": (409, 404), "mediator": (409, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/clocks/supervision/events",
     lambda w, x: {"kind": "suspend", "at": _today_iso(), "reason": "等待单位提交材料",
                   "version": _pick(w, x, "case").version},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    # the arbitration stage follows failed mediation: the world's cases are only reported
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/arbitration",
     lambda w, x: {"applied_on": _today_iso(), "version": _pick(w, x, "case").version},
     {"admin": (409, 409), "officer": (409, 404), "mediator": (409, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    # a delay of wages agreed with the union: the case writers, in scope
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/wage-delay",
     lambda w, x: {"until": _in_days(5), "reason": "工会同意延期支付",
                   "version": _pick(w, x, "case").version},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    # the roster, duplicates, merge and split (docs/collective.md)
    ("GET", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/workers", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("PUT", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/workers",
     lambda w, x: {"workers": [{"name": "张三", "amount_owed": "3000"}],
                   "version": _pick(w, x, "case").version},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/duplicates", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/merge",
     lambda w, x: {"case_ids": [_pick(w, x, "sibling").id],
                   "version": _pick(w, x, "case").version},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    # the sibling was never merged into the case: the writers in scope are told so
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/split",
     lambda w, x: {"case_id": _pick(w, x, "sibling").id, "version": _pick(w, x, "case").version},
     {"admin": (422, 422), "officer": (422, 404), "mediator": (422, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/alerts", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (403, 403),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/alerts/{_pick(w, x, 'alert').id}/acknowledge",
     lambda w, x: {"note": "已签收"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (404, 404),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/enterprises", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("POST", lambda w, x: "/enterprises",
     lambda w, x: {"name": "新登记企业", "credit_code": valid_credit_code(),
                   "organization_id": w.orgs["G1" if x == "in" else "G2"].id},
     {"admin": (201, 201), "officer": (201, 422), "mediator": (201, 422),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/enterprises/{_pick(w, x, 'enterprise').id}", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/me", None, ALL(200)),
    ("GET", lambda w, x: "/organizations", None, ALL(200)),
    ("GET", lambda w, x: "/workflow", None, ALL(200)),
    ("GET", lambda w, x: f"/stats/summary?org={w.orgs['G1' if x == 'in' else 'G2'].id}", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/cases/export?format=csv&org={w.orgs['G1' if x == 'in' else 'G2'].id}",
     None, {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
            "advocate": (403, 403), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/stats/export?format=xlsx&org={w.orgs['G1' if x == 'in' else 'G2'].id}",
     None, {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
            "advocate": (403, 403), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/enterprises/watch-list/export?format=csv", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    # the second call carries the token the first one revoked
    ("DELETE", lambda w, x: "/auth/tokens/current", None,
     {r: (204, 401) for r in ROLES[:-1]} | {"anonymous": (401, 401)}),
]  # fmt: skip


def test_every_endpoint_role_and_scope_answers_as_the_table_says(api, users, build_world):
    spec = api.get("/openapi.json").get_json()
    operations = [m for path in spec["paths"].values() for m in path if m != "parameters"]
    # every operation but the token issuance (public) and the file download (its own test)
    assert len(ENDPOINTS) == len(operations) - 2

    differences = []
    unexpected_successes = []
    for method, path_of, body_of, expected in ENDPOINTS:
        for role in ROLES:
            for index, which in enumerate(("in", "out")):
                world = build_world()
                user = None if role == "anonymous" else users[role]
                path = path_of(world, which)
                kwargs = {}
                if body_of == "multipart":
                    kwargs = {
                        "data": {"file": (io.BytesIO(PNG), "evidence.png")},
                        "content_type": "multipart/form-data",
                    }
                elif body_of is not None:
                    kwargs = {"json": body_of(world, which)}
                response = api.request(method, path, as_=user, **kwargs)
                want = expected[role][index]
                if response.status_code != want:
                    cell = (
                        f"{method} {path} as {role} ({which}): {response.status_code}, want {want}"
                    )
                    differences.append(f"{cell} {response.get_data(as_text=True)[:160]}")
                    if response.status_code < 300 <= want:
                        unexpected_successes.append(cell)
    assert not unexpected_successes, "\n".join(unexpected_successes)
    assert not differences, "\n".join(differences)
