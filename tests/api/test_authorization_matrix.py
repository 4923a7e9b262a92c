"""The authorization matrix: every endpoint × every role × an object in and out of the role's
scope, against a table of the expected answers. Any cell that differs (above all, an unexpected
success) fails the test, and the failure lists every differing cell."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from mediation.cases import services
from mediation.core.clock import local_date, utcnow
from mediation.extensions import db
from mediation.incidents.services import create_incident
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
    incident_in: object = None
    incident_out: object = None
    incident_alert_in: Alert | None = None
    incident_alert_out: Alert | None = None
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
        world = World(
            case_in, case_out, ent_in, ent_out, alert(case_in), alert(case_out), orgs,
            sibling_in=sibling_in, sibling_out=sibling_out,
        )  # fmt: skip
        for which, who, org in (("in", "mediator", "G1"), ("out", "other_mediator", "G2")):
            incident = create_incident(users[who], _incident_body(organization_id=orgs[org].id))
            setattr(world, f"incident_{which}", incident)
            setattr(world, f"incident_alert_{which}", db.session.scalar(
                select(Alert).where(Alert.incident_id == incident.id)
            ))  # fmt: skip
        return world

    return build


def _case_body(world: World, which: str) -> dict:
    org = world.orgs["G1" if which == "in" else "G2"]
    enterprise = world.enterprise_in if which == "in" else world.enterprise_out
    return {
        "kind": "dispute", "category": "dismissal", "title": "违法解除劳动合同",
        "workers_involved": 1, "enterprise_id": enterprise.id, "handling_org_id": org.id,
    }  # fmt: skip


def _incident_body(**extra) -> dict:
    return {
        "employer_name": "某建筑劳务公司", "place": "项目部门口", "started_at": _now_iso(),
        "participants": 20, "behaviours": ["gathering"], "cause": "wage_arrears", **extra,
    }  # fmt: skip


def _now_iso() -> str:
    return utcnow().isoformat()


def _today_iso() -> str:
    return local_date(utcnow()).isoformat()


def _in_days(days: int) -> str:
    return (local_date(utcnow()) + timedelta(days=days)).isoformat()


def _pick(world: World, which: str, name: str):
    return getattr(world, f"{name}_{which}")


# --- the circuit court and joint meetings (docs/circuit-court-and-meetings.md) ---------------------


def _admin():
    from mediation.accounts.models import User

    return db.session.scalar(select(User).where(User.username == "admin"))


def _town(w: World, x: str):
    return w.orgs["T1" if x == "in" else "T2"]


def _saved_filter(w: World, x: str):
    """A saved filter of the T1 mediator ("in") or of the T2 mediator ("out")."""
    from mediation.accounts.models import User
    from mediation.cases.saved_filters import save_filter

    owner = db.session.scalar(
        select(User).where(User.username == ("mediator" if x == "in" else "other_mediator"))
    )
    return _made(w, ("saved_filter", x), lambda: save_filter(owner, {"name": x, "query": ""}))


def _made(w: World, key, make):
    """An object of the world made on first use (kept on the world)."""
    cache = w.__dict__.setdefault("_made", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _point(w: World, x: str):
    from mediation.hearings import services as hearings

    return _made(w, ("point", x), lambda: hearings.create_point(_admin(), {
        "name": f"{_town(w, x).name}流动法庭", "organization_id": _town(w, x).id,
        "partner_kind": "court", "partner_name": "人民法院派出法庭", "address": "工会服务中心"}))  # fmt: skip


def _hearing(w: World, x: str, *, started: bool = False):
    from mediation.hearings import services as hearings

    def make():
        start = utcnow() + (timedelta(hours=-1) if started else timedelta(days=1))
        return hearings.schedule_hearing(_admin(), _pick(w, x, "case").id, {
            "point_id": _point(w, x).id, "kind": "mediation", "starts_at": start.isoformat(),
            "duration_minutes": 60}, now=start - timedelta(days=2))  # fmt: skip

    return _made(w, ("hearing", x, started), make)


def _meeting(w: World, x: str):
    from mediation.meetings import services as meetings

    def make():
        meeting = meetings.create_meeting(_admin(), {
            "organization_id": _town(w, x).id, "kind": "joint", "title": "联席会议",
            "held_on": _today_iso(), "bodies": ["hrss"], "agenda": "欠薪处置"})  # fmt: skip
        meetings.add_action_item(_admin(), meeting.id, {
            "title": "督促企业支付", "owner_body": "hrss", "due_on": _today_iso()})  # fmt: skip
        return meeting

    return _made(w, ("meeting", x), make)


def _meeting_file(w: World, x: str):
    """A file of the meeting, uploaded by the administrator."""
    from mediation.meetings import attachments

    return _made(w, ("meeting_file", x), lambda: attachments.add_attachment(
        _admin(), _meeting(w, x).id, io.BytesIO(PNG), "签到表.png"))  # fmt: skip


STAFF_ONLY = {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
              "advocate": (403, 403), "anonymous": (401, 401)}  # fmt: skip
SERVICE_READ = {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
                "advocate": (403, 403), "anonymous": (401, 401)}  # fmt: skip
HEARING_WRITE = {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
                 "advocate": (403, 404), "anonymous": (401, 401)}  # fmt: skip
OFFICER_WRITE = lambda code: {"admin": (code, code), "officer": (code, 404),  # noqa: E731
                              "mediator": (403, 404), "advocate": (403, 403),
                              "anonymous": (401, 401)}  # fmt: skip
OFFICER_CREATE = {"admin": (201, 201), "officer": (201, 422), "mediator": (403, 403),
                  "advocate": (403, 403), "anonymous": (401, 401)}  # fmt: skip


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
    # one note for several alerts (docs/alert-inbox.md): any id out of scope is 404
    ("POST", lambda w, x: "/alerts/acknowledge",
     lambda w, x: {"ids": [_pick(w, x, "alert").id], "note": "已统一签收"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (404, 404),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    # mass incidents: everyone records them (an advocate for their own union) and reports on
    # them; the staff complete them
    ("GET", lambda w, x: "/incidents", None, ALL(200)),
    ("POST", lambda w, x: "/incidents",
     lambda w, x: _incident_body() if x == "in" else _incident_body(organization_id=w.orgs["G2"].id),
     {"admin": (201, 201), "officer": (201, 422), "mediator": (201, 422),
      "advocate": (201, 422), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/incidents/{_pick(w, x, 'incident').id}", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("PATCH", lambda w, x: f"/incidents/{_pick(w, x, 'incident').id}",
     lambda w, x: {"measures": "劝导返岗，协调垫付", "version": _pick(w, x, "incident").version},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/incidents/{_pick(w, x, 'incident').id}/reports", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/incidents/{_pick(w, x, 'incident').id}/reports",
     lambda w, x: {"kind": "verbal", "at": _now_iso(), "channel": "phone", "content": "口头报告"},
     {"admin": (201, 201), "officer": (201, 404), "mediator": (201, 404),
      "advocate": (201, 404), "anonymous": (401, 401)}),
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
    ("PATCH", lambda w, x: f"/enterprises/{_pick(w, x, 'enterprise').id}",
     lambda w, x: {"contact_person": "王经理", "contact_phone": "138 0000 0009"},
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
    # --- the circuit court
    ("GET", lambda w, x: "/hearing-points", None, STAFF_ONLY),
    ("POST", lambda w, x: "/hearing-points",
     lambda w, x: {"name": "新设流动法庭", "organization_id": _town(w, x).id,
                   "partner_kind": "arbitration", "partner_name": "仲裁院", "address": "镇政府"},
     OFFICER_CREATE),
    ("GET", lambda w, x: f"/hearing-points/{_point(w, x).id}", None, SERVICE_READ),
    ("GET", lambda w, x: "/hearings", None, ALL(200)),
    ("POST", lambda w, x: "/hearings",
     lambda w, x: {"case_id": _pick(w, x, "case").id, "point_id": _point(w, x).id,
                   "kind": "trial", "starts_at": (utcnow() + timedelta(days=3)).isoformat()},
     {"admin": (201, 201), "officer": (201, 404), "mediator": (201, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/hearings/{_hearing(w, x).id}", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (200, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/hearings/{_hearing(w, x, started=True).id}/outcome",
     lambda w, x: {"outcome": "none", "workers_attending": 4}, HEARING_WRITE),
    ("POST", lambda w, x: f"/hearings/{_hearing(w, x).id}/cancel", None, HEARING_WRITE),
    # --- joint meetings
    ("GET", lambda w, x: "/meetings", None, STAFF_ONLY),
    ("POST", lambda w, x: "/meetings",
     lambda w, x: {"organization_id": _town(w, x).id, "kind": "tripartite", "title": "三方协商",
                   "held_on": _today_iso(), "bodies": ["hrss", "employers"], "agenda": "协商"},
     OFFICER_CREATE),
    ("GET", lambda w, x: f"/meetings/{_meeting(w, x).id}", None, SERVICE_READ),
    ("GET", lambda w, x: f"/meetings/{_meeting(w, x).id}/action-items", None, SERVICE_READ),
    ("POST", lambda w, x: f"/meetings/{_meeting(w, x).id}/action-items",
     lambda w, x: {"title": "联合约谈", "owner_body": "justice", "due_on": _in_days(5)},
     OFFICER_WRITE(201)),
    ("PATCH", lambda w, x: f"/meetings/{_meeting(w, x).id}/action-items/{_meeting(w, x).items[0].id}",
     lambda w, x: {"status": "done"}, OFFICER_WRITE(200)),
    # a meeting's files: officers who may change it upload; whoever sees it downloads; the
    # uploader or an officer of the convening union (T1 for "in") removes
    ("GET", lambda w, x: f"/meetings/{_meeting(w, x).id}/attachments", None, SERVICE_READ),
    ("POST", lambda w, x: f"/meetings/{_meeting(w, x).id}/attachments", "multipart",
     OFFICER_WRITE(201)),
    ("GET", lambda w, x: f"/meetings/{_meeting(w, x).id}/attachments/{_meeting_file(w, x).id}",
     None, SERVICE_READ),
    ("DELETE", lambda w, x: f"/meetings/{_meeting(w, x).id}/attachments/{_meeting_file(w, x).id}",
     None, OFFICER_WRITE(204)),
    # the case list's tools (docs/case-list.md): a bulk assignment answers like one case's
    # assignment; a saved filter is its owner's alone ("in": the T1 mediator's)
    ("POST", lambda w, x: "/cases/assign-mediator",
     lambda w, x: {"case_ids": [_pick(w, x, "case").id],
                   "mediator_id": _pick(w, x, "case").created_by_id},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/saved-filters", None, ALL(200)),
    ("POST", lambda w, x: "/saved-filters", lambda w, x: {"name": "逾期", "query": "overdue=true"},
     ALL(201)),
    ("DELETE", lambda w, x: f"/saved-filters/{_saved_filter(w, x).id}", None,
     {"admin": (404, 404), "officer": (404, 404), "mediator": (204, 404),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    # the second call carries the token the first one revoked
    ("DELETE", lambda w, x: "/auth/tokens/current", None,
     {r: (204, 401) for r in ROLES[:-1]} | {"anonymous": (401, 401)}),
]  # fmt: skip


# --- the worker services' objects (docs/worker-services.md), made on first use per world ---------


def _admin():
    from mediation.accounts.models import User

    return db.session.scalar(select(User).where(User.username == "admin"))


def _advocate_of(x: str):
    from mediation.accounts.models import User

    name = "advocate" if x == "in" else "other_advocate"
    return db.session.scalar(select(User).where(User.username == name))


_ids = iter(range(100, 999))


def _hardship_body(w: World, x: str) -> dict:
    from tests.conftest import valid_id_number

    return {
        "name": "李秀英", "id_number": valid_id_number("19780512", next(_ids)),
        "hardship_type": "illness", "level": "extreme", "income_per_head": "620.00",
        "organization_id": w.orgs["G1" if x == "in" else "G2"].id,
    }  # fmt: skip


def _hardship_file(w: World, x: str):
    from mediation.hardship.services import open_file

    key = f"_hardship_{x}"
    if not hasattr(w, key):
        setattr(w, key, open_file(_admin(), _hardship_body(w, x)))
    return getattr(w, key)


AID = {"given_on": "2026-01-20", "kind": "festival", "amount": "800.00",
       "source": "市总送温暖专项", "approved_by": "周主席"}  # fmt: skip
REFERRAL = {"referred_on": "2026-11-02", "provider": "union_centre", "stage": "arbitration"}


def _referral(w: World, x: str):
    """A legal-aid referral of the world's case, its mediation failed first."""
    from mediation.legalaid.services import refer

    key = f"_referral_{x}"
    if not hasattr(w, key):
        case = _pick(w, x, "case")
        admin = _admin()
        services.fire_trigger(case.id, "accept", admin, {"mediator_id": case.created_by_id})
        services.fire_trigger(case.id, "fail_mediation", admin, {"reason": "双方分歧过大"})
        setattr(w, key, refer(admin, case.id, REFERRAL))
    return getattr(w, key)


def _training(w: World, x: str):
    """A training held by the town of the in/out objects, attended by that town's advocate."""
    from mediation.advocates.services import create_training

    key = f"_training_{x}"
    if not hasattr(w, key):
        body = {"topic": "入门培训", "kind": "introductory", "held_on": "2026-10-10",
                "hours": "2", "trainer": "陈老师",
                "organization_id": w.orgs["T1" if x == "in" else "T2"].id,
                "attendee_ids": [_advocate_of(x).id]}  # fmt: skip
        setattr(w, key, create_training(_admin(), body))
    return getattr(w, key)


def _training_body(w: World, x: str) -> dict:
    return {"topic": "劳动合同法专题", "kind": "specialised", "held_on": "2026-10-12",
            "hours": "1.5", "trainer": "陈老师",
            "organization_id": w.orgs["G1" if x == "in" else "G2"].id}  # fmt: skip


IN_SCOPE_READ = {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
                 "advocate": (200, 404), "anonymous": (401, 401)}  # fmt: skip
HARDSHIP_READ = {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
                 "advocate": (404, 404), "anonymous": (401, 401)}  # fmt: skip
WORKER_SERVICES = [
    ("GET", lambda w, x: "/hardship-files", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: "/hardship-files", _hardship_body,
     {"admin": (201, 201), "officer": (201, 422), "mediator": (201, 422),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/hardship-files/{_hardship_file(w, x).id}", None, HARDSHIP_READ),
    ("GET", lambda w, x: f"/hardship-files/{_hardship_file(w, x).id}/aid", None, HARDSHIP_READ),
    ("POST", lambda w, x: f"/hardship-files/{_hardship_file(w, x).id}/aid", lambda w, x: AID,
     {"admin": (201, 201), "officer": (201, 404), "mediator": (201, 404),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/legal-aid", None, ALL(200)),
    ("GET", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/legal-aid", None, IN_SCOPE_READ),
    # the world's cases are only reported: legal aid follows failed mediation
    ("POST", lambda w, x: f"/cases/{_pick(w, x, 'case').id}/legal-aid", lambda w, x: REFERRAL,
     {"admin": (409, 409), "officer": (409, 404), "mediator": (409, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("PATCH", lambda w, x: f"/legal-aid/{_referral(w, x).id}",
     lambda w, x: {"accepted": True, "lawyer": "陈律师"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/advocates", None, ALL(200)),
    ("GET", lambda w, x: f"/advocates/{_advocate_of(x).id}", None, IN_SCOPE_READ),
    ("PATCH", lambda w, x: f"/advocates/{_advocate_of(x).id}",
     lambda w, x: {"specialties": "欠薪"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (403, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/trainings", None, ALL(200)),
    ("POST", lambda w, x: "/trainings", _training_body,
     {"admin": (201, 201), "officer": (201, 422), "mediator": (403, 403),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/trainings/{_training(w, x).id}/attendance",
     lambda w, x: {"user_ids": [_advocate_of(x).id]},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (403, 404),
      "advocate": (403, 404), "anonymous": (401, 401)}),
]  # fmt: skip
ENDPOINTS[-1:-1] = WORKER_SERVICES  # before the token's revocation, which stays last


# --- construction projects (docs/enterprise-file.md): the register of the union's staff --------


def _project_body(w: World, x: str) -> dict:
    return {
        "name": f"滨江花园{x}", "location": "滨江路88号",
        "organization_id": w.orgs["G1" if x == "in" else "G2"].id,
        "general_contractor_id": _pick(w, x, "enterprise").id, "started_on": "2026-03-01",
        "planned_completion_on": "2027-01-20",
    }  # fmt: skip


def _project(w: World, x: str):
    from mediation.projects.services import create_project

    return _made(w, ("project", x), lambda: create_project(_admin(), _project_body(w, x)))


PROJECT_READ = {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
                "advocate": (404, 404), "anonymous": (401, 401)}  # fmt: skip
ENDPOINTS[-1:-1] = [
    ("GET", lambda w, x: "/projects", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: "/projects", _project_body,
     {"admin": (201, 201), "officer": (201, 422), "mediator": (201, 422),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/projects/{_project(w, x).id}", None, PROJECT_READ),
    ("PATCH", lambda w, x: f"/projects/{_project(w, x).id}",
     lambda w, x: {"wage_account_bank": "工商银行", "version": _project(w, x).version},
     PROJECT_READ),
]  # fmt: skip


def _union_referral(w: World, x: str):
    """A pending referral of the T2 case: to town T1 ("in") or to the city ("out", out of the
    T1 staff's scope) (docs/referrals.md)."""
    from mediation.cases.models import CaseReferral
    from mediation.core.clock import utcnow

    def make():
        referral = CaseReferral(
            case_id=w.case_out.id, from_org_id=w.case_out.handling_org_id, note="请接办",
            to_org_id=w.orgs["T1" if x == "in" else "C"].id, created_at=utcnow(),
        )  # fmt: skip
        db.session.add(referral)
        db.session.commit()
        return referral

    return _made(w, ("union_referral", x), make)


# referrals between unions (docs/referrals.md): the unions of the caller's scope see theirs;
# the receiving union answers
ENDPOINTS[-1:-1] = [
    ("GET", lambda w, x: "/referrals", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (403, 403), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/referrals/{_union_referral(w, x).id}/decision",
     lambda w, x: {"decision": "accept", "note": "接收"},
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (404, 404), "anonymous": (401, 401)}),
]  # fmt: skip
# the in-app notices (docs/notifications.md): every role has its own, and marking another's is
# a no-op (the answer counts only the caller's)
ENDPOINTS[-1:-1] = [
    ("GET", lambda w, x: "/notices", None, ALL(200)),
    ("POST", lambda w, x: "/notices/read", lambda w, x: {"ids": [1, 2]}, ALL(200)),
]  # fmt: skip

_RETURN_MONTHS = itertools.count(1)
# the returns on rights work (docs/returns.md): "in" is T1's, "out" T2's; a draft of this month
# and, for the versions and decisions, last month's submitted by the administrator


def _return_period() -> dict:
    """A past month no return of the database has yet (one union writes one per period)."""
    back = next(_RETURN_MONTHS)
    today = local_date(utcnow())
    index = today.year * 12 + today.month - 1 - back
    return {"kind": "month", "year": index // 12, "number": index % 12 + 1}


def _return(w: World, x: str, submitted: bool = False):
    from mediation.returns.services import create_draft, fire

    key = f"_return_{x}_{submitted}"
    if not hasattr(w, key):
        body = {**_return_period(), "organization_id": _town(w, x).id}
        ret = create_draft(_admin(), body)
        if submitted:
            fire(_admin(), ret.id, "submit")
        setattr(w, key, ret)
    return getattr(w, key)


RETURN_READ = {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
               "advocate": (404, 404), "anonymous": (401, 401)}  # fmt: skip
RETURN_WRITE = {"admin": (200, 200), "officer": (200, 404), "mediator": (403, 404),
                "advocate": (404, 404), "anonymous": (401, 401)}  # fmt: skip
RETURN_DECIDE = {"admin": (200, 200), "officer": (403, 404), "mediator": (403, 404),
                 "advocate": (404, 404), "anonymous": (401, 401)}  # fmt: skip
ENDPOINTS[-1:-1] = [
    ("GET", lambda w, x: "/returns", None, ALL(200)),
    ("POST", lambda w, x: "/returns",
     lambda w, x: {**_return_period(), "organization_id": _town(w, x).id},
     {"admin": (201, 201), "officer": (201, 422), "mediator": (403, 403),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/returns/{_return(w, x).id}", None, RETURN_READ),
    ("PATCH", lambda w, x: f"/returns/{_return(w, x).id}",
     lambda w, x: {"main_problems": "欠薪集中在建筑领域"}, RETURN_WRITE),
    ("GET", lambda w, x: f"/returns/{_return(w, x, True).id}/versions/1", None, RETURN_READ),
    ("POST", lambda w, x: f"/returns/{_return(w, x).id}/submit", lambda w, x: {}, RETURN_WRITE),
    ("POST", lambda w, x: f"/returns/{_return(w, x, True).id}/approve", lambda w, x: {},
     RETURN_DECIDE),
    ("POST", lambda w, x: f"/returns/{_return(w, x, True).id}/send-back",
     lambda w, x: {"note": "请补充典型案例"}, RETURN_DECIDE),
]  # fmt: skip
# the labour-relations survey (docs/enterprise-file.md): as the registry, advocates see nothing
SURVEY_BODY = {"as_of": "2026-01-01", "employees": 10, "contracts_signed": 9}
ENDPOINTS[-1:-1] = [
    ("GET", lambda w, x: f"/enterprises/{_pick(w, x, 'enterprise').id}/surveys", None,
     {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: f"/enterprises/{_pick(w, x, 'enterprise').id}/surveys",
     lambda w, x: SURVEY_BODY,
     {"admin": (201, 201), "officer": (201, 404), "mediator": (201, 404),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: "/reports/labour-contracts", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (404, 404), "anonymous": (401, 401)}),
]  # fmt: skip


# labour-law supervision notices (docs/enterprise-file.md): as for cases, the staff of the
# issuing union's subtree; advocates are told nothing exists (404)
def _notice_body(w: World, x: str) -> dict:
    return {"kind": "opinion", "enterprise_id": _pick(w, x, "enterprise").id,
            "issued_on": _today_iso(), "findings": "拖欠工资", "rectification": "补发工资",
            "deadline": _in_days(7)}  # fmt: skip


def _supervision_notice(w: World, x: str):
    from mediation.accounts.models import User
    from mediation.labour_supervision.services import create_notice

    issuer = db.session.scalar(
        select(User).where(User.username == ("mediator" if x == "in" else "other_mediator"))
    )
    return _made(w, ("supervision_notice", x), lambda: create_notice(issuer, {
        **_notice_body(w, x), "organization_id": w.orgs["G1" if x == "in" else "G2"].id}))  # fmt: skip


NOTICE_READ = {"admin": (200, 200), "officer": (200, 404), "mediator": (200, 404),
               "advocate": (404, 404), "anonymous": (401, 401)}  # fmt: skip
ENDPOINTS[-1:-1] = [
    ("GET", lambda w, x: "/supervision-notices", None,
     {"admin": (200, 200), "officer": (200, 200), "mediator": (200, 200),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("POST", lambda w, x: "/supervision-notices", _notice_body,
     {"admin": (201, 201), "officer": (201, 422), "mediator": (201, 422),
      "advocate": (404, 404), "anonymous": (401, 401)}),
    ("GET", lambda w, x: f"/supervision-notices/{_supervision_notice(w, x).id}", None,
     NOTICE_READ),
    ("POST", lambda w, x: f"/supervision-notices/{_supervision_notice(w, x).id}/reply",
     lambda w, x: {"reply_on": _today_iso(), "reply_text": "已整改"}, NOTICE_READ),
    ("POST", lambda w, x: f"/supervision-notices/{_supervision_notice(w, x).id}/verify",
     lambda w, x: {"rectified": True}, NOTICE_READ),
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
