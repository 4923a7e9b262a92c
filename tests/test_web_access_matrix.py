"""The access matrix of the HTML pages and form actions: every rule of the URL map outside /api/
and /static/ × every role × an object in and out of the role's scope, against a table of the
expected answers (docs/architecture.md "Scope"). Any cell that differs fails the test, and the failure lists
every differing cell, unexpected successes first.

The expected answers: out of scope → 404 (the case number cannot be probed), wrong role → 403,
anonymous → the login page (302 to `/login?next=…`), success → 200 for a page and 302 for an
action that redirects. Each POST carries a valid body, so a success is a real success.

Two more tests: every POST refuses a missing CSRF token, and no page the T1 staff may open (nor
a list or search filtered on the out-of-scope objects) names the out-of-scope case or employer.

Rows that change state get a world of fresh objects per role; read-only rows share one world.
The in-scope objects are at T1/G1 (and the in-scope case is assigned to the T1 advocate), the
out-of-scope ones at T2/G2."""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from mediation.accounts.models import User
from mediation.cases import attachments, imports, merging, roster, services
from mediation.cases.imports import ImportJob
from mediation.cases.models import Attachment, Case, CaseEvent
from mediation.cases.saved_filters import SavedFilter
from mediation.core.calendar_models import CalendarYear
from mediation.core.calendar_schedules import save_schedule
from mediation.core.clock import local_date, utcnow
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.hearings.models import Hearing, HearingPoint
from mediation.incidents import services as incident_services
from mediation.incidents.models import Incident, IncidentReport
from mediation.labour_supervision.models import SupervisionNotice
from mediation.meetings.models import ActionItem, Meeting
from mediation.orgs.models import Organization
from mediation.warnings.models import Alert, AlertStatus
from mediation.warnings.settings import current_settings
from tests.conftest import PASSWORD, future_date, login, trigger_payload, valid_id_number

# the T1 staff (and the T1 advocate) see the "in" objects and not the "out" ones; the city staff
# see both
ROLES = ("admin", "city_officer", "officer", "mediator", "advocate", "anonymous")
LOGIN = "login"  # an anonymous request's answer: 302 to /login?next=…, or a form kept to sign in
# a real (1×1) picture: the thumbnail rows decode it
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)
IMPORT_HEADER = "类型,案由,统一社会信用代码,诉求,涉及人数,请求金额,欠薪月数,收到申请时间\n"
_serial = itertools.count(1)


@dataclass
class World:
    """Cases, employers and alerts in scope of the T1 staff ("in": G1) and out of it ("out":
    G2), plus whatever a row asks for, made on first use."""

    users: dict[str, User]
    orgs: dict
    make_user: Callable
    make_case: Callable
    make_enterprise: Callable
    cases: dict[str, Case] = field(default_factory=dict)
    enterprises: dict = field(default_factory=dict)
    _made: dict = field(default_factory=dict)

    def org(self, x: str):
        return self.orgs["G1" if x == "in" else "G2"]

    def mediator(self, x: str) -> User:
        return self.users["mediator" if x == "in" else "other_mediator"]

    def case(self, x: str) -> Case:
        return self.cases[x]

    def alert(self, x: str) -> Alert:
        """The collective alert of the case (12 workers), addressed to the case's town."""
        return db.session.scalar(
            select(Alert).where(Alert.case_id == self.cases[x].id, Alert.rule == "collective")
        )

    def _once(self, key, make):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def new_case(self, x: str, state: str = "reported") -> Case:
        """Another case (assigned to the T1 advocate when in scope), driven by the
        administrator to `state` through the real services."""
        case = self.make_case(
            by=self.mediator(x), org=self.org(x).code, enterprise_id=self.enterprises[x].id,
            workers_involved=12,
        )  # fmt: skip
        advocate = self.users["advocate" if x == "in" else "other_advocate"]
        services.assign_advocate(case.id, self.users["admin"], advocate.id)
        path = {
            "reported": [],
            "closed": ["reject"],
            "agreement": ["accept", "begin_mediation", "record_agreement"],
            "referred": ["accept", "fail_mediation", "refer"],
            "failed": ["accept", "fail_mediation"],
        }[state]
        for trigger in path:
            payload = trigger_payload(trigger, self.users)
            if "mediator_id" in payload:
                payload["mediator_id"] = self.mediator(x).id
            if trigger == "record_agreement":
                payload["agreement_due_on"] = future_date()
            if trigger == "refer":  # (an arbitration referral has no letter: the party applies)
                payload["referral_target"] = "labor_inspection"
            case = services.fire_trigger(case.id, trigger, self.users["admin"], payload)
        return case

    def report_case(self, x: str) -> Case:
        """A hotline report (no application yet), assigned to the T1 advocate when in scope."""

        def make() -> Case:
            case = self.make_case(
                by=self.mediator(x), org=self.org(x).code, enterprise_id=self.enterprises[x].id,
                channel="hotline", reported_at=(utcnow() - timedelta(hours=1)).isoformat(),
            )  # fmt: skip
            advocate = self.users["advocate" if x == "in" else "other_advocate"]
            services.assign_advocate(case.id, self.users["admin"], advocate.id)
            return case

        return self._once(("report", x), make)

    def unassigned_case(self) -> Case:
        """A case at G1 that no advocate is assigned to: the T1 staff see it, the T1
        advocate does not."""
        return self._once(
            "unassigned",
            lambda: self.make_case(
                by=self.users["mediator"], enterprise_id=self.enterprises["in"].id
            ),
        )

    def case_in_state(self, x: str, state: str) -> Case:
        return self._once(("case", x, state), lambda: self.new_case(x, state))

    def attachment(self, x: str):
        def make():
            return attachments.add_attachment(
                self.cases[x].id, self.users["admin"], io.BytesIO(PNG), "evidence.png"
            )

        return self._once(("attachment", x), make)

    def rostered_case(self, x: str) -> Case:
        """The case with a roster of one worker (docs/collective.md)."""

        def make() -> Case:
            case = self.cases[x]
            body = {"workers": [{"name": "张三"}], "version": case.version}
            return roster.replace_roster(case.id, self.users["admin"], body)

        return self._once(("roster", x), make)

    def sibling(self, x: str) -> Case:
        """Another report against the case's employer, to merge into it."""
        return self._once(
            ("sibling", x),
            lambda: self.make_case(
                by=self.mediator(x), org=self.org(x).code, enterprise_id=self.enterprises[x].id,
                workers_involved=1, worker_name="李四",
            ),
        )  # fmt: skip

    def merged(self, x: str) -> Case:
        """The sibling, merged into the case by the administrator."""

        def make() -> Case:
            sibling = self.sibling(x)
            body = {"case_ids": [sibling.id], "version": self.cases[x].version}
            merging.merge_cases(self.cases[x].id, self.users["admin"], body)
            return sibling

        return self._once(("merged", x), make)

    def advocate_to_assign(self, x: str) -> User:
        """An advocate of the case's town, not yet assigned to it."""
        town = "T1" if x == "in" else "T2"
        return self._once(("advocate", x), lambda: self.make_user("advocate", town))

    def incident(self, x: str):
        """A mass incident reported by the T1 ("in": at G1) or T2 ("out": at G2) mediator."""

        def make():
            return incident_services.create_incident(
                self.mediator(x),
                {
                    "organization_id": self.org(x).id, "enterprise_id": self.enterprises[x].id,
                    "place": "厂门口", "started_at": utcnow().isoformat(), "participants": 20,
                    "behaviours": ["gathering"], "cause": "wage_arrears",
                },
            )  # fmt: skip

        return self._once(("incident", x), make)

    def staff(self, x: str, active: bool = True) -> User:
        """A user to administer: a mediator at G1 ("in") or G2 ("out")."""
        org = self.org(x).code
        return self._once(
            ("staff", x, active), lambda: self.make_user("mediator", org, active=active)
        )


@pytest.fixture
def build_world(users, orgs, make_user, make_case, make_enterprise) -> Callable[[], World]:
    def build() -> World:
        world = World(users, orgs, make_user, make_case, make_enterprise)
        world.enterprises = {"in": make_enterprise("G1"), "out": make_enterprise("G2")}
        for x, advocate in (("in", users["advocate"]), ("out", users["other_advocate"])):
            case = make_case(
                by=world.mediator(x), org=world.org(x).code,
                enterprise_id=world.enterprises[x].id, workers_involved=12,
            )  # fmt: skip
            services.assign_advocate(case.id, users["admin"], advocate.id)
            world.cases[x] = case
        return world

    return build


# --- the bodies of the form actions ---------------------------------------------------------------


def _new_case(w: World, x: str) -> dict:
    return {
        "kind": "dispute", "category": "dismissal", "channel": "walk_in",
        "handling_org_id": str(w.org(x).id), "enterprise_id": str(w.enterprises[x].id),
        "title": "违法解除劳动合同", "workers_involved": "1",
    }  # fmt: skip


def _exists(stmt) -> bool:
    return db.session.scalar(stmt.limit(1)) is not None


def _import_job(w: World) -> int:
    """An import job sent by the T1 mediator (administrators see every job)."""
    data = _import_csv(w, "in")["file"][0].getvalue()
    return imports.submit(w.users["mediator"], data, "logs.csv", skip_invalid=False).id


def _entered_year(year: int) -> int:
    """A year whose schedule an administrator entered (again, for each role's request)."""
    save_schedule(str(year), f"{year}-01-01 元旦", "", entered_by="admin")
    return year


def _version(case: Case) -> str:
    return str(case.version)


def _import_csv(w: World, x: str) -> dict:
    row = f"dispute,dismissal,{w.enterprises['in'].credit_code},违法解除,1,,,2026-03-02\n"
    return {"file": (io.BytesIO((IMPORT_HEADER + row).encode("utf-8")), "logs.csv")}


# --- the circuit court and joint meetings (docs/circuit-court-and-meetings.md) ---------------------


def _point(w: World, x: str):
    """A hearing point of the case's town (T1 "in", T2 "out")."""
    from mediation.hearings import services as hearings

    town = w.orgs["T1" if x == "in" else "T2"]
    return w._once(("point", x), lambda: hearings.create_point(w.users["admin"], {
        "name": f"{town.name}流动法庭", "organization_id": town.id, "partner_kind": "court",
        "partner_name": "人民法院派出法庭", "address": "工会服务中心"}))  # fmt: skip


def _hearing(w: World, x: str, *, started: bool = False):
    """A hearing of the world's case at its town's point: tomorrow, or begun an hour ago (so
    that its outcome can be recorded)."""
    from mediation.hearings import services as hearings

    def make():
        start = utcnow() + (timedelta(hours=-1) if started else timedelta(days=1))
        return hearings.schedule_hearing(w.users["admin"], w.case(x).id, {
            "point_id": _point(w, x).id, "kind": "mediation", "starts_at": start.isoformat(),
            "duration_minutes": 60}, now=start - timedelta(days=2))  # fmt: skip

    return w._once(("hearing", x, started), make)


def _hearing_body(w: World, x: str) -> dict:
    start = (utcnow() + timedelta(days=2, hours=8)).strftime("%Y-%m-%dT%H:%M")
    return {"point_id": str(_point(w, x).id), "kind": "trial", "starts_at": start,
            "duration_minutes": "60"}  # fmt: skip


def _supervision_notice(w: World, x: str):
    """A supervision notice of the case's grassroots union (G1 "in", G2 "out") to its employer
    (docs/enterprise-file.md)."""
    from mediation.labour_supervision import services as supervision

    return w._once(("supervision_notice", x), lambda: supervision.create_notice(w.mediator(x), {
        "kind": "opinion", "organization_id": w.org(x).id, "enterprise_id": w.enterprises[x].id,
        "issued_on": _today(), "findings": "拖欠工资", "rectification": "补发工资",
        "deadline": _today()}))  # fmt: skip


def _notice_status(w: World, x: str) -> str:
    from mediation.labour_supervision.models import SupervisionNotice

    return db.session.get(SupervisionNotice, _supervision_notice(w, x).id).status.value


def _meeting(w: World, x: str):
    """A joint meeting convened by the town (T1 "in", T2 "out"), with one action item."""
    from mediation.meetings import services as meetings

    town = w.orgs["T1" if x == "in" else "T2"]

    def make():
        meeting = meetings.create_meeting(w.users["admin"], {
            "organization_id": town.id, "kind": "joint", "title": f"{town.name}联席会议",
            "held_on": _today(), "bodies": ["hrss", "court"], "agenda": "欠薪处置"})  # fmt: skip
        meetings.add_action_item(w.users["admin"], meeting.id, {
            "title": "督促企业支付", "owner_body": "hrss", "due_on": _today()})  # fmt: skip
        return meeting

    return w._once(("meeting", x), make)


def _meeting_file(w: World, x: str):
    """A file of the meeting, uploaded by the administrator."""
    from mediation.meetings import attachments as meeting_files

    return w._once(("meeting_file", x), lambda: meeting_files.add_attachment(
        w.users["admin"], _meeting(w, x).id, io.BytesIO(PNG), "签到表.png"))  # fmt: skip


def _meeting_file_gone(w: World, x: str) -> bool:
    from mediation.meetings.models import MeetingAttachment

    return db.session.get(MeetingAttachment, _meeting_file(w, x).id) is None


def _meeting_body(w: World, x: str) -> dict:
    return {"organization_id": str(w.orgs["T1" if x == "in" else "T2"].id), "kind": "tripartite",
            "title": "三方协商会议", "held_on": _today(), "bodies": ["hrss", "employers"],
            "agenda": "工资集体协商"}  # fmt: skip


# --- the table ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One (rule, method) of the URL map: how to build the request from the world and whether
    the object is in or out of scope, and the expected answer per role: one status for a URL
    that takes no object, (in, out) for one that does."""

    method: str
    rule: str
    path: Callable[[World, str], str]
    expected: dict[str, int | str | tuple]
    body: Callable[[World, str], dict] | None = None
    # for an action: what its success leaves in the database (checked after each success)
    done: Callable[[World, str], bool] | None = None
    fresh_world: bool = False  # the request changes state: a world per role
    fresh_client: bool = False  # the request changes the session (sign in or out)


def roles(admin, city_officer, officer, mediator, advocate, anonymous=LOGIN) -> dict:
    """The expected answers; a visitor is sent to the login page, in scope or out."""
    if isinstance(admin, tuple) and not isinstance(anonymous, tuple):
        anonymous = (anonymous, anonymous)
    return dict(
        zip(ROLES, (admin, city_officer, officer, mediator, advocate, anonymous), strict=True)
    )


def _local_now() -> str:
    return (utcnow() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")


def _today() -> str:
    return local_date(utcnow()).isoformat()


def case_id(w: World, x: str) -> int:
    return w.case(x).id


# the answer of a case action: the city staff act on both cases, the T1 staff on theirs only
CASE_WRITE = roles((302, 302), (302, 302), (302, 404), (302, 404), (403, 404))
CASE_READ = roles((200, 200), (200, 200), (200, 404), (200, 404), (200, 404))
STAFF_PAGE = roles(200, 200, 200, 200, 403)
ADMIN_PAGE = roles(200, 403, 403, 403, 403)
ADMIN_ACTION = roles(302, 403, 403, 403, 403)
ADMIN_ON_OBJECT = lambda code: roles(  # noqa: E731
    (code, code), (403, 403), (403, 403), (403, 403), (403, 403)
)
EVERYONE = roles(200, 200, 200, 200, 200)
DOCUMENT = roles((200, 200), (200, 200), (200, 404), (200, 404), (403, 403))
# the circuit court's points and the joint meetings (docs/circuit-court-and-meetings.md)
SERVICE_PAGE = roles((200, 200), (200, 200), (200, 404), (200, 404), (403, 403))
OFFICER_WRITE = roles((302, 302), (302, 302), (302, 404), (403, 404), (403, 403))
OFFICER_CREATE = roles((302, 302), (302, 302), (302, 422), (403, 403), (403, 403))
# supervision notices: the cases' scope, and no advocate (404: the register is not theirs)
NOTICE_READ = roles((200, 200), (200, 200), (200, 404), (200, 404), (404, 404))
NOTICE_WRITE = roles((302, 302), (302, 302), (302, 404), (302, 404), (404, 404))

OWNER_ONLY_READ = roles((404, 404), (404, 404), (404, 404), (302, 404), (404, 404))
OWNER_ONLY_ACTION = OWNER_ONLY_READ


def _saved_filter(w: World, x: str):
    """A saved filter of the T1 mediator ("in") or of the T2 mediator ("out")."""
    from mediation.cases.saved_filters import save_filter

    owner = w.users["mediator" if x == "in" else "other_mediator"]
    return w._once(
        ("saved_filter", x), lambda: save_filter(owner, {"name": f"f-{x}", "query": "mine=true"})
    )


ROWS = [
    # --- the dashboards, the case list, a new case
    Row("GET", "/", lambda w, x: "/", EVERYONE),
    Row("GET", "/cases", lambda w, x: "/cases", EVERYONE),
    Row("GET", "/cases/new", lambda w, x: "/cases/new", STAFF_PAGE),
    # the handling organization is the object: the T1 staff may not register a case at G2
    Row("POST", "/cases/new", lambda w, x: "/cases/new",
        roles((302, 302), (302, 302), (302, 422), (302, 422), (403, 403)),
        body=_new_case, fresh_world=True,
        done=lambda w, x: _exists(select(Case).where(
            Case.enterprise_id == w.enterprises[x].id, Case.title == "违法解除劳动合同"))),
    # nor register one against an employer of another area (the form only offers their own)
    Row("POST", "/cases/new", lambda w, x: "/cases/new",
        roles(302, 302, 422, 422, 403),
        body=lambda w, x: _new_case(w, "in") | {"enterprise_id": str(w.enterprises["out"].id)},
        done=lambda w, x: _exists(select(Case).where(Case.enterprise_id == w.enterprises["out"].id,
                                                     Case.title == "违法解除劳动合同")),
        fresh_world=True),
    # --- one case
    Row("GET", "/cases/<id:case_id>", lambda w, x: f"/cases/{case_id(w, x)}", CASE_READ),
    # the advocate sees only the cases assigned to them, even in their own town
    Row("GET", "/cases/<id:case_id>", lambda w, x: f"/cases/{w.unassigned_case().id}",
        roles(200, 200, 200, 200, 404)),
    Row("GET", "/cases/<id:case_id>/edit", lambda w, x: f"/cases/{case_id(w, x)}/edit",
        roles((200, 200), (200, 200), (200, 404), (200, 404), (403, 404))),
    Row("POST", "/cases/<id:case_id>/edit", lambda w, x: f"/cases/{case_id(w, x)}/edit",
        CASE_WRITE, body=lambda w, x: {"title": "更正后的标题", "version": _version(w.case(x))},
        fresh_world=True,
        done=lambda w, x: w.case(x).title == "更正后的标题"),
    Row("POST", "/cases/<id:case_id>/transitions/<trigger>",
        lambda w, x: f"/cases/{case_id(w, x)}/transitions/withdraw", CASE_WRITE,
        body=lambda w, x: {"reason": "申请人撤回", "version": _version(w.case(x))},
        fresh_world=True,
        done=lambda w, x: w.case(x).state == "closed"),
    # reopening is for the supervisors (officers and administrators) only
    Row("POST", "/cases/<id:case_id>/transitions/<trigger>",
        lambda w, x: f"/cases/{w.case_in_state(x, 'closed').id}/transitions/reopen",
        roles((302, 302), (302, 302), (302, 404), (403, 404), (403, 404)),
        body=lambda w, x: {"reopen_reason": "new_application", "reason": "发现新证据",
                           "mediator_id": str(w.mediator(x).id),
                           "version": _version(w.case_in_state(x, "closed"))},
        fresh_world=True,
        done=lambda w, x: w.case_in_state(x, "closed").state == "accepted"),
    Row("POST", "/cases/<id:case_id>/notes", lambda w, x: f"/cases/{case_id(w, x)}/notes",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (302, 404)),
        body=lambda w, x: {"kind": "visit", "body": "走访记录"}, fresh_world=True,
        done=lambda w, x: _exists(select(CaseEvent).where(
            CaseEvent.case_id == w.case(x).id, CaseEvent.body == "走访记录"))),
    Row("POST", "/cases/<id:case_id>/notes", lambda w, x: f"/cases/{w.unassigned_case().id}/notes",
        roles(302, 302, 302, 302, 404), body=lambda w, x: {"body": "进度记录"},
        done=lambda w, x: _exists(select(CaseEvent).where(
            CaseEvent.case_id == w.unassigned_case().id, CaseEvent.body == "进度记录")),
        fresh_world=True),
    # the case page's forms post to the page's address, the action in `?do=` (docs/security.md
    # "Forms after a refusal"): the same answers as the action's own address
    Row("POST", "/cases/<id:case_id>", lambda w, x: f"/cases/{case_id(w, x)}?do=note",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (302, 404)),
        body=lambda w, x: {"kind": "visit", "body": "页面走访记录"}, fresh_world=True,
        done=lambda w, x: _exists(select(CaseEvent).where(
            CaseEvent.case_id == w.case(x).id, CaseEvent.body == "页面走访记录"))),
    Row("POST", "/cases/<id:case_id>/advocates",
        lambda w, x: f"/cases/{case_id(w, x)}/advocates", CASE_WRITE,
        body=lambda w, x: {"user_id": str(w.advocate_to_assign(x).id)}, fresh_world=True,
        done=lambda w, x: w.advocate_to_assign(x) in w.case(x).advocates),
    Row("POST", "/cases/<id:case_id>/advocates/<id:user_id>/remove",
        lambda w, x: f"/cases/{case_id(w, x)}/advocates/{w.case(x).advocates[0].id}/remove",
        CASE_WRITE, body=lambda w, x: {"confirm": "yes"}, fresh_world=True,
        done=lambda w, x: w.case(x).advocates == []),
    Row("POST", "/cases/<id:case_id>/mediator", lambda w, x: f"/cases/{case_id(w, x)}/mediator",
        CASE_WRITE,
        body=lambda w, x: {"mediator_id": str(w.mediator(x).id), "version": _version(w.case(x))},
        fresh_world=True,
        done=lambda w, x: w.case(x).mediator_id == w.mediator(x).id),
    # the clocks: the application, a clock event, the arbitration stage
    Row("POST", "/cases/<id:case_id>/application",
        lambda w, x: f"/cases/{w.report_case(x).id}/application", CASE_WRITE,
        body=lambda w, x: {"received_at": _local_now(), "version": _version(w.report_case(x))},
        fresh_world=True,
        done=lambda w, x: w.report_case(x).application_received_at is not None),
    Row("POST", "/cases/<id:case_id>/clocks/<clock>/events",
        lambda w, x: f"/cases/{case_id(w, x)}/clocks/supervision/events", CASE_WRITE,
        body=lambda w, x: {"kind": "suspend", "at": _today(), "reason": "等待单位提交材料",
                           "version": _version(w.case(x))},
        fresh_world=True,
        done=lambda w, x: "supervision" in (w.case(x).clock_adjustments or {})),
    Row("POST", "/cases/<id:case_id>/arbitration",
        lambda w, x: f"/cases/{w.case_in_state(x, 'failed').id}/arbitration", CASE_WRITE,
        body=lambda w, x: {"applied_on": _today(),
                           "version": _version(w.case_in_state(x, "failed"))},
        fresh_world=True,
        done=lambda w, x: w.case_in_state(x, "failed").arbitration_applied_on is not None),
    # a take-over moves the case to the officer's own organization, above the case's
    Row("POST", "/cases/<id:case_id>/takeover", lambda w, x: f"/cases/{case_id(w, x)}/takeover",
        roles((302, 302), (302, 302), (302, 404), (403, 404), (403, 404)),
        body=lambda w, x: {"reason": "督办", "version": _version(w.case(x))}, fresh_world=True,
        done=lambda w, x: w.case(x).handling_org_id != w.org(x).id),
    # an escalation goes to the tier above the officer's: none above the city
    Row("POST", "/cases/<id:case_id>/escalations",
        lambda w, x: f"/cases/{case_id(w, x)}/escalations",
        roles((403, 403), (403, 403), (302, 404), (403, 404), (403, 404)),
        body=lambda w, x: {"level": "orange", "reason": "请市总督办"}, fresh_world=True,
        done=lambda w, x: _exists(select(Alert).where(
            Alert.case_id == w.case(x).id, Alert.rule == "manual_escalation"))),
    # a delay of wages agreed with the union: the case writers
    Row("POST", "/cases/<id:case_id>/wage-delay",
        lambda w, x: f"/cases/{case_id(w, x)}/wage-delay", CASE_WRITE,
        body=lambda w, x: {"until": future_date(5), "reason": "工会同意延期支付",
                           "version": _version(w.case(x))},
        fresh_world=True,
        done=lambda w, x: w.case(x).wage_delay_until is not None),
    # the roster, merge and split (docs/collective.md): the case writers
    Row("POST", "/cases/<id:case_id>/workers", lambda w, x: f"/cases/{case_id(w, x)}/workers",
        CASE_WRITE, body=lambda w, x: {"name": "王五", "version": _version(w.case(x))},
        fresh_world=True, done=lambda w, x: [v.name for v in w.case(x).workers] == ["王五"]),
    Row("POST", "/cases/<id:case_id>/workers/<int:index>",
        lambda w, x: f"/cases/{w.rostered_case(x).id}/workers/0", CASE_WRITE,
        body=lambda w, x: {"name": "赵六", "version": _version(w.rostered_case(x))},
        fresh_world=True, done=lambda w, x: w.rostered_case(x).workers[0].name == "赵六"),
    Row("POST", "/cases/<id:case_id>/workers/<int:index>/remove",
        lambda w, x: f"/cases/{w.rostered_case(x).id}/workers/0/remove", CASE_WRITE,
        body=lambda w, x: {"version": _version(w.rostered_case(x))},
        fresh_world=True, done=lambda w, x: w.rostered_case(x).workers == []),
    Row("POST", "/cases/<id:case_id>/workers/upload",
        lambda w, x: f"/cases/{case_id(w, x)}/workers/upload", CASE_WRITE,
        body=lambda w, x: {"text": "姓名\n孙七\n", "version": _version(w.case(x))},
        fresh_world=True, done=lambda w, x: [v.name for v in w.case(x).workers] == ["孙七"]),
    Row("POST", "/cases/<id:case_id>/merge", lambda w, x: f"/cases/{case_id(w, x)}/merge",
        CASE_WRITE,
        body=lambda w, x: {"case_ids": str(w.sibling(x).id), "version": _version(w.case(x))},
        fresh_world=True, done=lambda w, x: w.sibling(x).outcome == "merged"),
    Row("POST", "/cases/<id:case_id>/split", lambda w, x: f"/cases/{case_id(w, x)}/split",
        CASE_WRITE,
        body=lambda w, x: {"case_id": str(w.merged(x).id), "version": _version(w.case(x))},
        fresh_world=True, done=lambda w, x: w.merged(x).is_open),
    Row("POST", "/cases/<id:case_id>/attachments",
        lambda w, x: f"/cases/{case_id(w, x)}/attachments",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (302, 404)),
        body=lambda w, x: {"file": (io.BytesIO(PNG), "evidence.png")}, fresh_world=True,
        done=lambda w, x: _exists(select(Attachment).where(Attachment.case_id == w.case(x).id))),
    Row("GET", "/cases/<id:case_id>/attachments/<id:attachment_id>",
        lambda w, x: f"/cases/{case_id(w, x)}/attachments/{w.attachment(x).id}", CASE_READ),
    # an attachment of another case is not found through this one, whoever asks
    Row("GET", "/cases/<id:case_id>/attachments/<id:attachment_id>",
        lambda w, x: f"/cases/{case_id(w, 'in')}/attachments/{w.attachment('out').id}",
        roles(404, 404, 404, 404, 404)),
    Row("GET", "/cases/<id:case_id>/attachments/<id:attachment_id>/thumbnail",
        lambda w, x: f"/cases/{case_id(w, x)}/attachments/{w.attachment(x).id}/thumbnail",
        CASE_READ),
    Row("GET", "/cases/<id:case_id>/attachments/<id:attachment_id>/thumbnail",
        lambda w, x: f"/cases/{case_id(w, 'in')}/attachments/{w.attachment('out').id}/thumbnail",
        roles(404, 404, 404, 404, 404)),
    Row("GET", "/cases/<id:case_id>/documents/agreement",
        lambda w, x: f"/cases/{w.case_in_state(x, 'agreement').id}/documents/agreement",
        DOCUMENT),
    # the referred case went through `fail_mediation`: the parties' notice exists
    Row("GET", "/cases/<id:case_id>/documents/notice",
        lambda w, x: f"/cases/{w.case_in_state(x, 'referred').id}/documents/notice",
        DOCUMENT),
    Row("GET", "/cases/<id:case_id>/documents/referral",
        lambda w, x: f"/cases/{w.case_in_state(x, 'referred').id}/documents/referral",
        DOCUMENT),
    # --- alerts: the inbox of the officers; an alert is acknowledged by its target's officers
    Row("GET", "/alerts", lambda w, x: "/alerts", roles(200, 200, 200, 403, 403)),
    Row("POST", "/alerts/<id:alert_id>/acknowledge",
        lambda w, x: f"/alerts/{w.alert(x).id}/acknowledge",
        roles((302, 302), (404, 404), (302, 404), (404, 404), (404, 404)),
        body=lambda w, x: {"note": "已签收，正在核实"}, fresh_world=True,
        done=lambda w, x: w.alert(x).status == AlertStatus.acknowledged),
    # one note for the alerts ticked in the inbox (docs/alert-inbox.md): the target's officers
    Row("POST", "/alerts/acknowledge", lambda w, x: "/alerts/acknowledge",
        roles((302, 302), (404, 404), (302, 404), (404, 404), (404, 404)),
        body=lambda w, x: {"ids": [str(w.alert(x).id)], "note": "已统一签收"}, fresh_world=True,
        done=lambda w, x: w.alert(x).status == AlertStatus.acknowledged),
    # --- mass incidents: everyone records and reports; the staff complete them
    Row("GET", "/incidents", lambda w, x: "/incidents", EVERYONE),
    Row("GET", "/incidents/new", lambda w, x: "/incidents/new", EVERYONE),
    Row("POST", "/incidents/new", lambda w, x: "/incidents/new", roles(302, 302, 302, 302, 302),
        body=lambda w, x: {
            "employer_name": "矩阵测试公司", "place": "镇政府门口", "started_at": _local_now(),
            "participants": "15", "behaviours": "petition", "cause": "wage_arrears",
        }, fresh_world=True,
        done=lambda w, x: _exists(select(Incident).where(Incident.employer_name == "矩阵测试公司"))),
    Row("GET", "/incidents/<id:incident_id>", lambda w, x: f"/incidents/{w.incident(x).id}",
        CASE_READ),
    Row("GET", "/incidents/<id:incident_id>/edit",
        lambda w, x: f"/incidents/{w.incident(x).id}/edit",
        roles((200, 200), (200, 200), (200, 404), (200, 404), (403, 404))),
    Row("POST", "/incidents/<id:incident_id>/edit",
        lambda w, x: f"/incidents/{w.incident(x).id}/edit",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (403, 404)),
        body=lambda w, x: {
            "employer_name": "", "place": "镇政府广场", "started_at": _local_now(),
            "participants": "25", "behaviours": "gathering", "cause": "wage_arrears",
            "status": "contained", "version": str(w.incident(x).version),
        }, fresh_world=True,
        done=lambda w, x: w.incident(x).place == "镇政府广场"),
    Row("POST", "/incidents/<id:incident_id>/reports",
        lambda w, x: f"/incidents/{w.incident(x).id}/reports",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (302, 404)),
        body=lambda w, x: {"kind": "verbal", "at": _local_now(), "channel": "phone",
                           "content": "已电话报告市总工会"},
        fresh_world=True,
        done=lambda w, x: _exists(select(IncidentReport).where(
            IncidentReport.incident_id == w.incident(x).id))),
    Row("GET", "/incidents/<id:incident_id>/written-report",
        lambda w, x: f"/incidents/{w.incident(x).id}/written-report", CASE_READ),
    # --- employers
    Row("GET", "/enterprises", lambda w, x: "/enterprises", STAFF_PAGE),
    Row("GET", "/enterprises/search", lambda w, x: "/enterprises/search?q=测试", STAFF_PAGE),
    Row("GET", "/enterprises/<id:enterprise_id>",
        lambda w, x: f"/enterprises/{w.enterprises[x].id}",
        roles((200, 200), (200, 200), (200, 404), (200, 404), (403, 403))),
    Row("GET", "/enterprises/watch-list", lambda w, x: "/enterprises/watch-list", STAFF_PAGE),
    Row("GET", "/enterprises/watch-list/export",
        lambda w, x: "/enterprises/watch-list/export?format=csv", STAFF_PAGE),
    # the employer's contact (the hearing reminder's address): writers of the area
    Row("GET", "/enterprises/<id:enterprise_id>/contacts",
        lambda w, x: f"/enterprises/{w.enterprises[x].id}/contacts",
        roles((200, 200), (200, 200), (200, 404), (200, 404), (403, 403))),
    Row("POST", "/enterprises/<id:enterprise_id>/contacts",
        lambda w, x: f"/enterprises/{w.enterprises[x].id}/contacts",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (403, 403)),
        body=lambda w, x: {"contact_person": "王经理", "contact_phone": "138-0000-0009",
                           "contact_email": "hr@employer.example"},
        fresh_world=True,
        done=lambda w, x: _exists(select(Enterprise).where(
            Enterprise.id == w.enterprises[x].id, Enterprise.contact_phone == "13800000009"))),
    # --- reports: the organization of the report is the object; the period form refuses one
    # outside the user's subtree
    Row("GET", "/reports", lambda w, x: f"/reports?org={w.org(x).id}",
        roles((200, 200), (200, 200), (200, 422), (200, 422), (403, 403))),
    Row("GET", "/reports/export", lambda w, x: f"/reports/export?format=csv&org={w.org(x).id}",
        roles((200, 200), (200, 200), (200, 400), (200, 400), (403, 403))),
    Row("GET", "/cases/export", lambda w, x: "/cases/export?format=csv", STAFF_PAGE),
    Row("GET", "/workflow", lambda w, x: "/workflow", EVERYONE),
    # --- the circuit court: points and calendars for the staff of the area; hearings as cases
    Row("GET", "/hearing-points", lambda w, x: "/hearing-points", STAFF_PAGE),
    Row("GET", "/hearing-points/new", lambda w, x: "/hearing-points/new",
        roles(200, 200, 200, 403, 403)),
    Row("POST", "/hearing-points/new", lambda w, x: "/hearing-points/new", OFFICER_CREATE,
        body=lambda w, x: {"name": "新设流动法庭", "organization_id":
                           str(w.orgs["T1" if x == "in" else "T2"].id), "partner_kind":
                           "arbitration", "partner_name": "劳动人事争议仲裁院", "address": "镇政府"},
        fresh_world=True,
        done=lambda w, x: _exists(select(HearingPoint).where(HearingPoint.name == "新设流动法庭"))),
    Row("GET", "/hearing-points/<id:point_id>/calendar",
        lambda w, x: f"/hearing-points/{_point(w, x).id}/calendar?view=month", SERVICE_PAGE),
    Row("GET", "/hearings/report", lambda w, x: "/hearings/report", STAFF_PAGE),
    Row("POST", "/cases/<id:case_id>/hearings", lambda w, x: f"/cases/{case_id(w, x)}/hearings",
        CASE_WRITE, body=_hearing_body, fresh_world=True,
        done=lambda w, x: _exists(select(Hearing).where(Hearing.case_id == w.case(x).id))),
    Row("GET", "/hearings/<id:hearing_id>", lambda w, x: f"/hearings/{_hearing(w, x).id}",
        CASE_READ),
    Row("GET", "/hearings/<id:hearing_id>/notice",
        lambda w, x: f"/hearings/{_hearing(w, x).id}/notice", CASE_READ),
    Row("POST", "/hearings/<id:hearing_id>/outcome",
        lambda w, x: f"/hearings/{_hearing(w, x, started=True).id}/outcome", CASE_WRITE,
        body=lambda w, x: {"outcome": "none", "workers_attending": "6"}, fresh_world=True,
        done=lambda w, x: _hearing(w, x, started=True).status == "held"),
    Row("POST", "/hearings/<id:hearing_id>/cancel",
        lambda w, x: f"/hearings/{_hearing(w, x).id}/cancel", CASE_WRITE, fresh_world=True,
        done=lambda w, x: _hearing(w, x).status == "cancelled"),
    # --- joint meetings: officers write, mediators of the area read, advocates do not see them
    Row("GET", "/meetings", lambda w, x: "/meetings", STAFF_PAGE),
    Row("GET", "/meetings/new", lambda w, x: "/meetings/new", roles(200, 200, 200, 403, 403)),
    Row("POST", "/meetings/new", lambda w, x: "/meetings/new", OFFICER_CREATE,
        body=_meeting_body, fresh_world=True,
        done=lambda w, x: _exists(select(Meeting).where(Meeting.title == "三方协商会议"))),
    Row("GET", "/meetings/<id:meeting_id>", lambda w, x: f"/meetings/{_meeting(w, x).id}",
        SERVICE_PAGE),
    Row("GET", "/meetings/<id:meeting_id>/print",
        lambda w, x: f"/meetings/{_meeting(w, x).id}/print", SERVICE_PAGE),
    Row("POST", "/meetings/<id:meeting_id>/minutes",
        lambda w, x: f"/meetings/{_meeting(w, x).id}/minutes", OFFICER_WRITE,
        body=lambda w, x: {"minutes": "会议纪要正文"}, fresh_world=True,
        done=lambda w, x: _meeting(w, x).minutes == "会议纪要正文"),
    Row("POST", "/meetings/<id:meeting_id>/action-items",
        lambda w, x: f"/meetings/{_meeting(w, x).id}/action-items", OFFICER_WRITE,
        body=lambda w, x: {"title": "联合约谈企业", "owner_body": "justice", "due_on": _today()},
        fresh_world=True,
        done=lambda w, x: _exists(select(ActionItem).where(ActionItem.title == "联合约谈企业"))),
    Row("POST", "/meetings/<id:meeting_id>/action-items/<id:item_id>/status",
        lambda w, x: f"/meetings/{_meeting(w, x).id}/action-items/{_meeting(w, x).items[0].id}"
                     "/status", OFFICER_WRITE,
        body=lambda w, x: {"status": "done"}, fresh_world=True,
        done=lambda w, x: _meeting(w, x).items[0].status == "done"),
    # a meeting's files: the officers who may change it upload, whoever sees it downloads, the
    # uploader or an officer of the convening union (T1 for "in"; not the city's) removes
    Row("POST", "/meetings/<id:meeting_id>/attachments",
        lambda w, x: f"/meetings/{_meeting(w, x).id}/attachments", OFFICER_WRITE,
        body=lambda w, x: {"file": (io.BytesIO(PNG), "签到表.png")}, fresh_world=True,
        done=lambda w, x: len(_meeting(w, x).attachments) == 1),
    Row("GET", "/meetings/<id:meeting_id>/attachments/<id:attachment_id>",
        lambda w, x: f"/meetings/{_meeting(w, x).id}/attachments/{_meeting_file(w, x).id}",
        SERVICE_PAGE),
    # a file of another meeting is not found through this one, whoever asks
    Row("GET", "/meetings/<id:meeting_id>/attachments/<id:attachment_id>",
        lambda w, x: f"/meetings/{_meeting(w, 'in').id}/attachments/{_meeting_file(w, 'out').id}",
        roles(404, 404, 404, 404, 403)),
    Row("POST", "/meetings/<id:meeting_id>/attachments/<id:attachment_id>/delete",
        lambda w, x: f"/meetings/{_meeting(w, x).id}/attachments/{_meeting_file(w, x).id}/delete",
        roles((302, 302), (403, 403), (302, 404), (403, 404), (403, 403)), fresh_world=True,
        done=_meeting_file_gone),
    # --- administration
    Row("GET", "/admin/", lambda w, x: "/admin/", ADMIN_PAGE),
    Row("GET", "/admin/users", lambda w, x: "/admin/users", ADMIN_PAGE),
    Row("GET", "/admin/users/new", lambda w, x: "/admin/users/new", ADMIN_PAGE),
    Row("POST", "/admin/users/new", lambda w, x: "/admin/users/new", ADMIN_ACTION,
        body=lambda w, x: {
            "username": f"new_user_{next(_serial)}", "display_name": "新调解员",
            "role": "mediator", "org": str(w.orgs["G1"].id), "password": "a-new-password-1",
        }, fresh_world=True,
        done=lambda w, x: _exists(select(User).where(User.display_name == "新调解员"))),
    Row("POST", "/admin/users/<id:user_id>/deactivate",
        lambda w, x: f"/admin/users/{w.staff(x).id}/deactivate", ADMIN_ON_OBJECT(302),
        body=lambda w, x: {"confirm": "yes"}, fresh_world=True,
        done=lambda w, x: not w.staff(x).active),
    Row("POST", "/admin/users/<id:user_id>/reactivate",
        lambda w, x: f"/admin/users/{w.staff(x, active=False).id}/reactivate",
        ADMIN_ON_OBJECT(302), fresh_world=True,
        done=lambda w, x: w.staff(x, active=False).active),
    Row("GET", "/admin/users/<id:user_id>/password",
        lambda w, x: f"/admin/users/{w.staff(x).id}/password", ADMIN_ON_OBJECT(200)),
    Row("POST", "/admin/users/<id:user_id>/password",
        lambda w, x: f"/admin/users/{w.staff(x).id}/password", ADMIN_ON_OBJECT(302),
        body=lambda w, x: {"password": "another-password-2"}, fresh_world=True,
        done=lambda w, x: w.staff(x).check_password("another-password-2")),
    Row("GET", "/admin/organizations", lambda w, x: "/admin/organizations", ADMIN_PAGE),
    Row("GET", "/admin/organizations/new", lambda w, x: "/admin/organizations/new", ADMIN_PAGE),
    Row("POST", "/admin/organizations/new", lambda w, x: "/admin/organizations/new",
        ADMIN_ACTION,
        body=lambda w, x: {"code": f"G1X{next(_serial)}", "name": f"一镇新厂{next(_serial)}工会",
                           "tier": "grassroots", "parent_id": str(w.orgs["T1"].id)},
        fresh_world=True,
        done=lambda w, x: _exists(select(Organization).where(
            Organization.name.startswith("一镇新厂")))),
    Row("GET", "/admin/organizations/<id:org_id>/rename",
        lambda w, x: f"/admin/organizations/{w.org(x).id}/rename", ADMIN_ON_OBJECT(200)),
    Row("POST", "/admin/organizations/<id:org_id>/rename",
        lambda w, x: f"/admin/organizations/{w.org(x).id}/rename", ADMIN_ON_OBJECT(302),
        body=lambda w, x: {"name": f"更名后的工会{next(_serial)}"}, fresh_world=True,
        done=lambda w, x: w.org(x).name.startswith("更名后的工会")),
    Row("GET", "/admin/rules", lambda w, x: "/admin/rules", ADMIN_PAGE),
    Row("POST", "/admin/rules", lambda w, x: "/admin/rules", ADMIN_ACTION,
        body=lambda w, x: {"collective.workers": "11"}, fresh_world=True,
        done=lambda w, x: current_settings()["collective"]["workers"] == 11),
    Row("GET", "/admin/outbox", lambda w, x: "/admin/outbox", ADMIN_PAGE),
    Row("GET", "/admin/import", lambda w, x: "/admin/import", ADMIN_PAGE),
    # the upload queues an import job and redirects to its page
    Row("POST", "/admin/import", lambda w, x: "/admin/import", ADMIN_ACTION, body=_import_csv,
        fresh_world=True, done=lambda w, x: _exists(select(ImportJob))),
    Row("GET", "/admin/import/<id:job_id>", lambda w, x: f"/admin/import/{_import_job(w)}",
        ADMIN_PAGE),
    Row("GET", "/admin/calendar", lambda w, x: "/admin/calendar", ADMIN_PAGE),
    Row("POST", "/admin/calendar", lambda w, x: "/admin/calendar", ADMIN_ACTION,
        body=lambda w, x: {"year": "2029", "holidays": "2029-01-01 元旦", "working_days": ""},
        fresh_world=True,
        done=lambda w, x: _exists(select(CalendarYear).where(CalendarYear.year == 2029))),
    Row("POST", "/admin/calendar/<id:year>/delete",
        lambda w, x: f"/admin/calendar/{_entered_year(2030)}/delete", ADMIN_ACTION,
        fresh_world=True,
        done=lambda w, x: not _exists(select(CalendarYear).where(CalendarYear.year == 2030))),
    # --- the case list's tools (docs/case-list.md): saved filters are their owner's alone (the
    # "in" filter is the T1 mediator's, the "out" one the T2 mediator's); the bulk assignment
    # answers like one case's assignment
    Row("GET", "/cases/saved-filters/<int:filter_id>",
        lambda w, x: f"/cases/saved-filters/{_saved_filter(w, x).id}", OWNER_ONLY_READ),
    Row("POST", "/cases/saved-filters", lambda w, x: "/cases/saved-filters",
        roles(302, 302, 302, 302, 302),
        body=lambda w, x: {"name": "逾期案件", "query": "overdue=true"}, fresh_world=True,
        done=lambda w, x: _exists(select(SavedFilter).where(SavedFilter.name == "逾期案件"))),
    Row("POST", "/cases/saved-filters/<int:filter_id>/delete",
        lambda w, x: f"/cases/saved-filters/{_saved_filter(w, x).id}/delete", OWNER_ONLY_ACTION,
        fresh_world=True,
        done=lambda w, x: not _exists(select(SavedFilter).where(SavedFilter.name == f"f-{x}"))),
    Row("POST", "/cases/assign-mediator", lambda w, x: "/cases/assign-mediator",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (403, 403)),
        body=lambda w, x: {"case": f"{case_id(w, x)}:{_version(w.case(x))}",
                           "mediator_id": str(w.mediator(x).id)},
        fresh_world=True,
        done=lambda w, x: w.case(x).mediator_id == w.mediator(x).id),
    # --- labour-law supervision notices (docs/enterprise-file.md): as for cases, the staff of
    # the issuing union's subtree; advocates are told nothing exists
    Row("GET", "/supervision-notices", lambda w, x: "/supervision-notices",
        roles(200, 200, 200, 200, 404)),
    Row("GET", "/supervision-notices/new",
        lambda w, x: f"/supervision-notices/new?enterprise_id={w.enterprises['in'].id}",
        roles(200, 200, 200, 200, 404)),
    Row("POST", "/supervision-notices/new", lambda w, x: "/supervision-notices/new",
        roles((302, 302), (302, 302), (302, 422), (302, 422), (404, 404)),
        body=lambda w, x: {
            "kind": "recommendation", "enterprise_id": str(w.enterprises[x].id),
            "issued_on": _today(), "findings": "矩阵测试发现", "rectification": "整改",
            "deadline": _today(),
        }, fresh_world=True,
        done=lambda w, x: _exists(select(SupervisionNotice).where(
            SupervisionNotice.enterprise_id == w.enterprises[x].id,
            SupervisionNotice.findings == "矩阵测试发现"))),
    Row("GET", "/supervision-notices/<id:notice_id>",
        lambda w, x: f"/supervision-notices/{_supervision_notice(w, x).id}", NOTICE_READ),
    Row("GET", "/supervision-notices/<id:notice_id>/document",
        lambda w, x: f"/supervision-notices/{_supervision_notice(w, x).id}/document", NOTICE_READ),
    Row("POST", "/supervision-notices/<id:notice_id>/reply",
        lambda w, x: f"/supervision-notices/{_supervision_notice(w, x).id}/reply", NOTICE_WRITE,
        body=lambda w, x: {"reply_on": _today(), "reply_text": "已整改"}, fresh_world=True,
        done=lambda w, x: _notice_status(w, x) == "replied"),
    Row("POST", "/supervision-notices/<id:notice_id>/verify",
        lambda w, x: f"/supervision-notices/{_supervision_notice(w, x).id}/verify", NOTICE_WRITE,
        body=lambda w, x: {"rectified": "true"}, fresh_world=True,
        done=lambda w, x: _notice_status(w, x) == "verified"),
    # --- the session
    Row("POST", "/language", lambda w, x: "/language",
        roles(302, 302, 302, 302, 302, anonymous=302),
        body=lambda w, x: {"lang": "zh_Hans_CN", "next": "/cases"}),
    Row("GET", "/login", lambda w, x: "/login", roles(302, 302, 302, 302, 302, anonymous=200)),
    Row("GET", "/favicon.ico", lambda w, x: "/favicon.ico",
        roles(200, 200, 200, 200, 200, anonymous=200)),
    Row("POST", "/login", lambda w, x: "/login", roles(302, 302, 302, 302, 302, anonymous=302),
        body=lambda w, x: {"username": w.users["mediator"].username, "password": PASSWORD},
        fresh_client=True),
    Row("POST", "/logout", lambda w, x: "/logout", roles(302, 302, 302, 302, 302),
        fresh_client=True),
    # --- operations: the same answer for everyone, no login (no scheduler beats here: 503)
    Row("GET", "/healthz", lambda w, x: "/healthz", roles(503, 503, 503, 503, 503, anonymous=503)),
]  # fmt: skip


# --- the worker services (docs/worker-services.md): hardship files, legal aid, advocates ---------

_id_serial = itertools.count(100)


def _hardship_form(w: World, x: str) -> dict:
    from tests.conftest import valid_id_number

    return {
        "name": "李秀英", "id_number": valid_id_number("19780512", next(_id_serial)),
        "hardship_type": "illness", "level": "extreme", "income_per_head": "620.00",
        "household_size": "3", "organization_id": str(w.org(x).id),
    }  # fmt: skip


def _hardship_file(w: World, x: str):
    from mediation.hardship.services import open_file

    return w._once(("hardship", x), lambda: open_file(w.users["admin"], _hardship_form(w, x)))


_AID = {"given_on": "2026-01-20", "kind": "festival", "amount": "800.00",
        "source": "市总送温暖专项", "approved_by": "周主席"}  # fmt: skip


def _aid(w: World, x: str):
    from mediation.hardship.services import record_aid

    return w._once(
        ("aid", x), lambda: record_aid(w.users["admin"], _hardship_file(w, x).id, dict(_AID))
    )


_REFERRAL = {"referred_on": "2026-11-02", "provider": "union_centre", "stage": "arbitration"}


def _referral(w: World, x: str):
    from mediation.legalaid.services import refer

    return w._once(
        ("referral", x),
        lambda: refer(w.users["admin"], w.case_in_state(x, "failed").id, dict(_REFERRAL)),
    )


def _advocate(w: World, x: str) -> User:
    return w.users["advocate" if x == "in" else "other_advocate"]


def _training(w: World, x: str):
    """A training of the in/out town, attended by that town's advocate."""
    from mediation.advocates.services import create_training

    body = {"topic": "入门培训", "kind": "introductory", "held_on": "2026-10-10", "hours": "2",
            "trainer": "陈老师", "organization_id": w.orgs["T1" if x == "in" else "T2"].id,
            "attendee_ids": [_advocate(w, x).id]}  # fmt: skip
    return w._once(("training", x), lambda: create_training(w.users["admin"], body))


def _hardship_exists(w: World, x: str) -> bool:
    from mediation.hardship.models import HardshipFile

    return _exists(select(HardshipFile).where(HardshipFile.organization_id == w.org(x).id))


def _project_form(w: World, x: str) -> dict:
    """The project form for the in/out area, its general contractor an employer there."""
    return {
        "name": f"滨江花园{x}", "location": "滨江路88号", "organization_id": str(w.org(x).id),
        "general_contractor_id": str(w.enterprises[x].id), "started_on": "2026-03-01",
        "planned_completion_on": "2027-01-20", "deposit_status": "none",
        "sub-0-leader_name": "王建军", "sub-0-leader_id_number": valid_id_number("19780312", 731),
        "sub-0-trade": "木工班组", "sub-0-enterprise_id": "",
    }  # fmt: skip


def _project(w: World, x: str):
    from mediation.projects.services import create_project

    def make():
        body = {k: v for k, v in _project_form(w, x).items() if not k.startswith("sub-")}
        return create_project(w.users["admin"], body)

    return w._once(("project", x), make)


def _project_exists(w: World, x: str) -> bool:
    from mediation.projects.models import Project

    return _exists(select(Project).where(Project.name == f"滨江花园{x}"))


HARDSHIP_PAGE = roles(200, 200, 200, 200, 404)
HARDSHIP_READ = roles((200, 200), (200, 200), (200, 404), (200, 404), (404, 404))
HARDSHIP_WRITE = roles((302, 302), (302, 302), (302, 404), (302, 404), (404, 404))
TEAM_READ = roles((200, 200), (200, 200), (200, 404), (200, 404), (200, 404))
TEAM_WRITE = roles((302, 302), (302, 302), (302, 404), (403, 404), (403, 404))


def _union_referral(w: World, x: str):
    """A pending referral of a T2 case: to town T1 ("in", T1's staff answer it) or to the city
    ("out", out of T1's scope) (docs/referrals.md)."""
    from mediation.cases.models import CaseReferral

    def make():
        case = w.new_case("out")
        referral = CaseReferral(
            case_id=case.id, from_org_id=case.handling_org_id, note="请接办",
            to_org_id=w.orgs["T1" if x == "in" else "C"].id, created_at=utcnow(),
        )  # fmt: skip
        db.session.add(referral)
        db.session.commit()
        return referral

    return w._once(("union_referral", x), make)


def _union_referral_answered(w: World, x: str) -> bool:
    from mediation.cases.models import CaseReferral, ReferralStatus

    referral = db.session.get(CaseReferral, _union_referral(w, x).id)
    return referral is not None and referral.status == ReferralStatus.accepted


# before the session's rows: signing out ends every session of the user
_SESSION_ROWS = next(i for i, row in enumerate(ROWS) if row.rule == "/language")


def _survey_exists(w: World, x: str) -> bool:
    from mediation.surveys.models import LabourSurvey

    return _exists(select(LabourSurvey).where(LabourSurvey.enterprise_id == w.enterprises[x].id))


def _survey_file(w: World, x: str) -> dict:
    text = f"credit_code,as_of,employees,contracts_signed\n{w.enterprises['in'].credit_code},{_today()},10,9\n"
    return {"file": (io.BytesIO(text.encode()), "surveys.csv")}


# the labour-relations survey (docs/enterprise-file.md): as the registry; advocates see nothing
SURVEY_PAGE = roles(200, 200, 200, 200, 404)
ROWS[_SESSION_ROWS:_SESSION_ROWS] = [
    Row("GET", "/enterprises/<id:enterprise_id>/surveys",
        lambda w, x: f"/enterprises/{w.enterprises[x].id}/surveys",
        roles((200, 200), (200, 200), (200, 404), (200, 404), (404, 404))),
    Row("POST", "/enterprises/<id:enterprise_id>/surveys",
        lambda w, x: f"/enterprises/{w.enterprises[x].id}/surveys",
        roles((302, 302), (302, 302), (302, 404), (302, 404), (404, 404)),
        body=lambda w, x: {"as_of": _today(), "employees": "10", "contracts_signed": "9"},
        fresh_world=True, done=_survey_exists),
    Row("GET", "/enterprises/surveys/import", lambda w, x: "/enterprises/surveys/import",
        SURVEY_PAGE),
    Row("POST", "/enterprises/surveys/import", lambda w, x: "/enterprises/surveys/import",
        roles(302, 302, 302, 302, 404), body=_survey_file, fresh_world=True,
        done=lambda w, x: _survey_exists(w, "in")),
    Row("GET", "/reports/labour-contracts", lambda w, x: "/reports/labour-contracts",
        SURVEY_PAGE),
]  # fmt: skip
ROWS[_SESSION_ROWS:_SESSION_ROWS] = [
    # referrals between unions (docs/referrals.md): the receiving union answers
    Row("GET", "/referrals", lambda w, x: "/referrals", roles(200, 200, 200, 200, 404)),
    Row("POST", "/referrals/<int:referral_id>/decision",
        lambda w, x: f"/referrals/{_union_referral(w, x).id}/decision",
        roles((303, 303), (303, 303), (303, 404), (303, 404), (404, 404)),
        body=lambda w, x: {"decision": "accept", "note": "接收"}, fresh_world=True,
        done=_union_referral_answered),
    Row("GET", "/hardship", lambda w, x: "/hardship", HARDSHIP_PAGE),
    Row("GET", "/hardship/new", lambda w, x: "/hardship/new", HARDSHIP_PAGE),
    Row("POST", "/hardship/new", lambda w, x: "/hardship/new",
        roles((302, 302), (302, 302), (302, 422), (302, 422), (404, 404)),
        body=_hardship_form, fresh_world=True, done=_hardship_exists),
    Row("GET", "/hardship/<id:file_id>",
        lambda w, x: f"/hardship/{_hardship_file(w, x).id}", HARDSHIP_READ),
    Row("POST", "/hardship/<id:file_id>/aid",
        lambda w, x: f"/hardship/{_hardship_file(w, x).id}/aid", HARDSHIP_WRITE,
        body=lambda w, x: dict(_AID), fresh_world=True,
        done=lambda w, x: len(_hardship_file(w, x).aid) == 1),
    Row("POST", "/hardship/<id:file_id>/review",
        lambda w, x: f"/hardship/{_hardship_file(w, x).id}/review", HARDSHIP_WRITE,
        body=lambda w, x: {"level": "hardship", "income_per_head": "900"}, fresh_world=True,
        done=lambda w, x: _hardship_file(w, x).income_per_head_fen == 90000),
    Row("GET", "/hardship/<id:file_id>/aid/<id:aid_id>/approval",
        lambda w, x: f"/hardship/{_hardship_file(w, x).id}/aid/{_aid(w, x).id}/approval",
        HARDSHIP_READ),
    Row("GET", "/hardship/reports", lambda w, x: "/hardship/reports", HARDSHIP_PAGE),
    Row("POST", "/cases/<id:case_id>/legal-aid",
        lambda w, x: f"/cases/{w.case_in_state(x, 'failed').id}/legal-aid", CASE_WRITE,
        body=lambda w, x: dict(_REFERRAL), fresh_world=True),
    Row("POST", "/legal-aid/<id:referral_id>",
        lambda w, x: f"/legal-aid/{_referral(w, x).id}", CASE_WRITE,
        body=lambda w, x: {"accepted": "yes", "lawyer": "陈律师", "stage": "arbitration"},
        fresh_world=True, done=lambda w, x: _referral(w, x).lawyer == "陈律师"),
    Row("GET", "/legal-aid", lambda w, x: "/legal-aid", EVERYONE),
    # an advocate's "team" is their own profile
    Row("GET", "/advocates", lambda w, x: "/advocates", roles(200, 200, 200, 200, 302)),
    Row("GET", "/advocates/review", lambda w, x: "/advocates/review",
        roles(200, 200, 200, 403, 404)),
    Row("GET", "/advocates/<id:advocate_id>",
        lambda w, x: f"/advocates/{_advocate(w, x).id}", TEAM_READ),
    Row("POST", "/advocates/<id:advocate_id>",
        lambda w, x: f"/advocates/{_advocate(w, x).id}", TEAM_WRITE,
        body=lambda w, x: {"specialties": "欠薪", "status": "active"}),
    Row("GET", "/advocates/trainings", lambda w, x: "/advocates/trainings", EVERYONE),
    Row("POST", "/advocates/trainings", lambda w, x: "/advocates/trainings",
        roles((302, 302), (302, 302), (302, 422), (403, 403), (403, 403)),
        body=lambda w, x: {"topic": "劳动合同法专题", "kind": "specialised",
                           "held_on": "2026-10-12", "hours": "1.5", "trainer": "陈老师",
                           "organization_id": str(w.org(x).id)}),
    Row("GET", "/advocates/trainings/<id:session_id>",
        lambda w, x: f"/advocates/trainings/{_training(w, x).id}", TEAM_READ),
    Row("POST", "/advocates/trainings/<id:session_id>/attendance",
        lambda w, x: f"/advocates/trainings/{_training(w, x).id}/attendance", TEAM_WRITE,
        body=lambda w, x: {"user_ids": str(_advocate(w, x).id)}),
    Row("GET", "/advocates/reports", lambda w, x: "/advocates/reports", HARDSHIP_PAGE),
    # construction projects (docs/enterprise-file.md): the register's staff, as the enterprises;
    # the year-end campaign for the town and city officers
    Row("GET", "/projects", lambda w, x: "/projects", HARDSHIP_PAGE),
    Row("GET", "/projects/new", lambda w, x: "/projects/new", HARDSHIP_PAGE),
    Row("POST", "/projects/new", lambda w, x: "/projects/new",
        roles((302, 302), (302, 302), (302, 422), (302, 422), (404, 404)),
        body=_project_form, fresh_world=True, done=_project_exists),
    Row("GET", "/projects/<id:project_id>",
        lambda w, x: f"/projects/{_project(w, x).id}", HARDSHIP_READ),
    Row("GET", "/projects/<id:project_id>/edit",
        lambda w, x: f"/projects/{_project(w, x).id}/edit", HARDSHIP_READ),
    Row("POST", "/projects/<id:project_id>/edit",
        lambda w, x: f"/projects/{_project(w, x).id}/edit", HARDSHIP_WRITE,
        body=lambda w, x: {**_project_form(w, x), "wage_account_bank": "工商银行",
                           "version": str(_project(w, x).version)},
        fresh_world=True, done=lambda w, x: _project(w, x).wage_account_bank == "工商银行"),
    Row("GET", "/projects/campaign", lambda w, x: "/projects/campaign",
        roles(200, 200, 200, 403, 404)),
    Row("GET", "/projects/campaign/export", lambda w, x: "/projects/campaign/export",
        roles(200, 200, 200, 403, 404)),
    Row("POST", "/projects/<id:project_id>/checks",
        lambda w, x: f"/projects/{_project(w, x).id}/checks",
        roles((302, 302), (302, 302), (302, 404), (403, 404), (404, 404)),
        body=lambda w, x: {"item": "site_visited", "checked": "on"}, fresh_world=True),
    # the in-app notices (docs/notifications.md): each user has their own; "in" is one of the
    # T1 mediator's, "out" one of the T2 mediator's, so only the T1 mediator opens one
    Row("GET", "/notices", lambda w, x: "/notices", EVERYONE),
    Row("GET", "/notices/<id:notice_id>", lambda w, x: f"/notices/{_notice(w, x)}",
        roles((404, 404), (404, 404), (404, 404), (302, 404), (404, 404))),
    Row("POST", "/notices/read", lambda w, x: "/notices/read", roles(302, 302, 302, 302, 302)),
]  # fmt: skip


_RETURN_MONTHS = itertools.count(1)


# the returns on rights work (docs/returns.md): "in" is T1's, "out" T2's; a draft of this month
# and last month's, submitted by the administrator
def _return_period() -> dict:
    """A past month no return of the database has yet (one union writes one per period)."""
    back = next(_RETURN_MONTHS)
    today = local_date(utcnow())
    index = today.year * 12 + today.month - 1 - back
    return {"kind": "month", "year": index // 12, "number": index % 12 + 1}


def _return(w: World, x: str, submitted: bool = False):
    from mediation.returns.services import create_draft, fire

    def make():
        town = w.orgs["T1" if x == "in" else "T2"]
        ret = create_draft(w.users["admin"], {**_return_period(), "organization_id": town.id})
        if submitted:
            fire(w.users["admin"], ret.id, "submit")
        return ret

    return w._once(("return", x, submitted), make)


def _return_state(w: World, x: str) -> str:
    from mediation.returns.models import Return

    return str(db.session.get(Return, _return(w, x).id).state)


RETURN_READ = roles((200, 200), (200, 200), (200, 404), (200, 404), (404, 404))
RETURN_WRITE = roles((302, 302), (403, 403), (302, 404), (403, 404), (404, 404))
ROWS[_SESSION_ROWS:_SESSION_ROWS] = [
    Row("GET", "/returns", lambda w, x: "/returns", roles(200, 200, 200, 200, 404)),
    Row("POST", "/returns", lambda w, x: "/returns",
        roles((302, 302), (403, 403), (302, 422), (403, 403), (404, 404)),
        body=lambda w, x: {**_return_period(),
                           "organization_id": w.orgs["T1" if x == "in" else "T2"].id},
        fresh_world=True),
    Row("GET", "/returns/<id:return_id>", lambda w, x: f"/returns/{_return(w, x).id}",
        RETURN_READ),
    Row("GET", "/returns/<id:return_id>/edit", lambda w, x: f"/returns/{_return(w, x).id}/edit",
        roles((200, 200), (403, 403), (200, 404), (403, 404), (404, 404))),
    Row("POST", "/returns/<id:return_id>/edit", lambda w, x: f"/returns/{_return(w, x).id}/edit",
        RETURN_WRITE, body=lambda w, x: {"main_problems": "欠薪集中", "version": "1"},
        fresh_world=True),
    Row("POST", "/returns/<id:return_id>/steps/<name>",
        lambda w, x: f"/returns/{_return(w, x).id}/steps/submit", RETURN_WRITE,
        body=lambda w, x: {}, fresh_world=True,
        done=lambda w, x: _return_state(w, x) == "submitted"),
    Row("GET", "/returns/<id:return_id>/versions",
        lambda w, x: f"/returns/{_return(w, x, True).id}/versions", RETURN_READ),
    Row("GET", "/returns/<id:return_id>/versions/<id:number>",
        lambda w, x: f"/returns/{_return(w, x, True).id}/versions/1", RETURN_READ),
    Row("GET", "/returns/<id:return_id>/print",
        lambda w, x: f"/returns/{_return(w, x, True).id}/print", RETURN_READ),
    Row("GET", "/returns/<id:return_id>/workbook",
        lambda w, x: f"/returns/{_return(w, x, True).id}/workbook", RETURN_READ),
]  # fmt: skip


def _notice(w: World, x: str) -> int:
    """A notice of the in/out mediator about the in/out case."""
    from mediation.inbox.models import VISIT, InAppNotice

    def make() -> int:
        notice = InAppNotice(user_id=w.mediator(x).id, kind=VISIT, case_id=w.case(x).id,
                             params={"number": w.case(x).number, "by": "走访员"},
                             created_at=utcnow())  # fmt: skip
        db.session.add(notice)
        db.session.commit()
        return notice.id

    return w._once(("notice", x), make)


def _web_rules(app) -> set[tuple[str, str]]:
    """(method, rule) of every page and action outside the API and the static files."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(("/api/", "/static/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_table_has_a_row_for_every_page_and_action(app):
    missing = _web_rules(app) - {(row.method, row.rule) for row in ROWS}
    assert not missing, f"no row in the access matrix for: {sorted(missing)}"
    unknown = {(row.method, row.rule) for row in ROWS} - _web_rules(app)
    assert not unknown, f"rows for no rule: {sorted(unknown)}"


def _answer_matches(response, want: int | str) -> bool:
    location = response.headers.get("Location", "")
    to_login = (
        response.status_code == 302
        and urlsplit(location).path == "/login"
        and ("next=" in urlsplit(location).query)
    ) or (
        # a posted form is kept on a sign-in page that sends it on (core.web.resubmit_page)
        response.status_code == 401
        and 'action="/login" id="resubmit-form"' in response.get_data(as_text=True)
    )
    if want == LOGIN:
        return to_login
    # a redirect to the login page is a refusal, never an action's success
    return response.status_code == want and not to_login


def test_every_page_and_action_answers_each_role_and_scope_as_the_table_says(
    app, users, build_world
):
    clients = {}

    def client_of(role: str, fresh: bool):
        if fresh or role not in clients:
            client = app.test_client()
            if role != "anonymous":
                assert login(client, users[role]).status_code == 302
            if fresh:
                return client
            clients[role] = client
        return clients[role]

    shared = build_world()
    differences, unexpected_successes = [], []
    for row in ROWS:
        for role in ROLES:
            world = build_world() if row.fresh_world else shared
            want = row.expected[role]
            cells = (
                [("in", want[0]), ("out", want[1])] if isinstance(want, tuple) else [("-", want)]
            )
            for which, wanted in cells:
                db.session.expire_all()
                path = row.path(world, which)
                kwargs = {"data": row.body(world, which)} if row.body else {}
                response = client_of(role, row.fresh_client).open(path, method=row.method, **kwargs)
                got = response.status_code
                where = response.headers.get("Location", "")
                cell = f"{row.method} {path} as {role} ({which}): {got} {where}, want {wanted}"
                if _answer_matches(response, wanted):
                    db.session.expire_all()
                    if row.done and wanted != LOGIN and wanted < 400 and not row.done(world, which):
                        differences.append(f"{cell}, but the action did not happen")
                    continue
                refused = wanted == LOGIN or wanted >= 400
                if refused and got < 400 and not _answer_matches(response, LOGIN):
                    unexpected_successes.append(cell)
                else:
                    differences.append(cell)
    report = (["unexpected successes:", *unexpected_successes] if unexpected_successes else []) + (
        ["other differences:", *differences] if differences else []
    )
    assert not report, "\n".join(report)


def test_no_page_shows_the_t1_staff_a_case_or_employer_out_of_their_scope(app, users, build_world):
    """A page the T1 staff may open (a list, a search, an export, the in-scope case or
    employer) never names the out-of-scope case or employer, which the administrator's case
    list does show."""
    world = build_world()
    secrets = {
        "the out-of-scope case": world.case("out").number,
        "the out-of-scope employer": world.enterprises["out"].name,
        "the out-of-scope employer's credit code": world.enterprises["out"].credit_code,
    }
    admin = app.test_client()
    login(admin, users["admin"])
    cases, employers = (admin.get(p).get_data(as_text=True) for p in ("/cases", "/enterprises"))
    assert secrets["the out-of-scope case"] in cases
    assert secrets["the out-of-scope employer"] in employers
    for path, echoed in _searches_for_the_out_objects(world):  # they find it for the admin
        text = _text(admin.get(path))
        assert path.startswith("/reports") or any(
            secret in text for secret in secrets.values() if secret != echoed
        ), path
    leaks = []
    for role in ("officer", "mediator", "advocate"):
        client = app.test_client()
        login(client, users[role])
        paths = []
        for row in ROWS:
            want = row.expected[role]
            which, want = ("in", want[0]) if isinstance(want, tuple) else ("-", want)
            if row.method != "GET" or want != 200:
                continue
            path = row.path(world, which)
            paths.append(path)
        for path, echoed in [(p, None) for p in paths] + _searches_for_the_out_objects(world):
            text = _text(client.get(path))
            leaks += [f"GET {path} as {role} shows {what}" for what, secret in secrets.items()
                      if secret in text and secret != echoed]  # fmt: skip
    assert not leaks, "\n".join(leaks)


def _text(response) -> str:
    if response.is_json:  # the JSON escapes the Chinese
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data().decode("utf-8", "replace")


def _searches_for_the_out_objects(w: World) -> list[tuple[str, str | None]]:
    """Lists and searches filtered on the out-of-scope objects by a hand-edited URL, each with
    the text it searches for (the page shows it back in its search box)."""
    org, enterprise, number = w.org("out").id, w.enterprises["out"], w.case("out").number
    return [
        (f"/cases?org={org}", None),
        (f"/cases?enterprise={enterprise.id}", None),
        (f"/cases?q={number}", number),
        (f"/cases/export?format=csv&org={org}", None),
        (f"/cases/export?format=csv&enterprise={enterprise.id}", None),
        (f"/enterprises?q={enterprise.credit_code}", enterprise.credit_code),
        (f"/enterprises/search?q={enterprise.credit_code}", enterprise.credit_code),
        (f"/reports?org={org}", None),
        ("/alerts?status=open", None),
    ]


def _post_rules(app) -> list[str]:
    return sorted(rule for method, rule in _web_rules(app) if method == "POST")


def test_every_form_action_refuses_a_missing_csrf_token(csrf_app, app, users, build_world):
    """With CSRF protection on, every POST without the token answers 400 and changes nothing,
    for a visitor and for a signed-in administrator (who could otherwise do every action)."""
    world = build_world()
    paths = {}
    for row in ROWS:
        if row.method == "POST":
            paths.setdefault(row.rule, row.path(world, "in"))
    assert sorted(paths) == _post_rules(app)
    before = db.session.scalar(select(Case.version).where(Case.id == world.case("in").id))

    visitor, admin = csrf_app.test_client(), csrf_app.test_client()
    token = _csrf_token_of(admin.get("/login"))
    response = admin.post(
        "/login",
        data={"username": users["admin"].username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    refused = []
    for client, who in ((visitor, "anonymous"), (admin, "admin")):
        for path in sorted(paths.values()):
            response = client.post(path, data={"reason": "x", "body": "x", "note": "x"})
            if response.status_code != 400:
                refused.append(f"POST {path} as {who}: {response.status_code}, want 400")
    assert not refused, "\n".join(refused)
    db.session.expire_all()
    assert db.session.scalar(select(Case.version).where(Case.id == world.case("in").id)) == before


def _csrf_token_of(response) -> str:
    from tests.html import dom

    field_ = dom(response).find("input", name="csrf_token")
    assert field_ is not None
    return field_.attrs["value"]


def _sample_path(rule) -> str:
    """A URL of `rule` with each argument filled by a plausible value (an id, a word)."""
    path = rule.rule
    for name, converter in rule._converters.items():
        value = "1" if type(converter).__name__ in ("IdConverter", "IntegerConverter") else "x"
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def test_options_on_every_url_as_anonymous_is_never_a_server_error(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500, as a server answers, not a raise
    client = app.test_client()
    failed = []
    for rule in app.url_map.iter_rules():
        path = _sample_path(rule)
        response = client.open(path, method="OPTIONS")
        if response.status_code >= 500:
            failed.append(f"OPTIONS {path}: {response.status_code}")
    assert not failed, "\n".join(failed)
