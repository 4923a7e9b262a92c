"""Realistic demonstration data: one city federation, three towns with their grassroots unions,
twenty enterprises, users of every role and cases in every state with plausible timelines.

Every case is driven through the real services (with back-dated clocks), so numbers, timelines
and hash chains are exactly what real use produces. Loading twice adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.cases import services
from mediation.cases.enums import CaseKind, Category, Channel, ReferralTarget, RulingResult
from mediation.core.clock import utcnow
from mediation.core.identifiers import credit_code_check_char, id_check_digit
from mediation.enterprises.models import Enterprise, Ownership
from mediation.extensions import db
from mediation.incidents.models import Incident
from mediation.labour_supervision.demo import load_demo_notices
from mediation.orgs.models import Organization, Tier

DEMO_PASSWORD = "demo1234"
CITY = ("JC", "江川市总工会")
TOWNS = [
    (
        "JC-DC",
        "东城街道总工会",
        [("JC-DC-01", "东城科技园联合工会"), ("JC-DC-02", "东城商贸市场工会")],
    ),
    ("JC-XH", "西湖镇总工会", [("JC-XH-01", "西湖工业区联合工会"), ("JC-XH-02", "西湖建筑业工会")]),
    ("JC-NG", "南港管理区工会", [("JC-NG-01", "南港物流园工会"), ("JC-NG-02", "南港电子厂工会")]),
]
USERS = [
    # username, display name, role, org code
    ("admin", "系统管理员", Role.admin, "JC"),
    ("city_officer", "周督办（市总）", Role.officer, "JC"),
    ("city_mediator", "郑调解（市总）", Role.mediator, "JC"),
    ("dc_officer", "陈督办（东城）", Role.officer, "JC-DC"),
    ("dc_mediator", "李调解（东城）", Role.mediator, "JC-DC"),
    ("dc01_mediator", "黄调解（科技园）", Role.mediator, "JC-DC-01"),
    ("dc_advocate", "王志愿（东城）", Role.advocate, "JC-DC"),
    ("xh_officer", "刘督办（西湖）", Role.officer, "JC-XH"),
    ("xh_mediator", "张调解（西湖）", Role.mediator, "JC-XH"),
    ("xh_advocate", "赵志愿（西湖）", Role.advocate, "JC-XH-02"),
    ("ng_officer", "吴督办（南港）", Role.officer, "JC-NG"),
    ("ng_mediator", "孙调解（南港）", Role.mediator, "JC-NG"),
    ("ng_advocate", "钱志愿（南港）", Role.advocate, "JC-NG"),
]
ENTERPRISES = [
    # name, org code, sector, ownership, legal representative, headcount
    ("江川华芯电子有限公司", "JC-DC-01", "电子制造", Ownership.private, "林建华", 860),
    ("江川智联软件有限公司", "JC-DC-01", "软件和信息技术", Ownership.private, "何晓东", 120),
    ("东城鑫源餐饮管理有限公司", "JC-DC-02", "餐饮", Ownership.private, "陈国强", 75),
    ("江川百佳超市有限公司", "JC-DC-02", "零售", Ownership.private, "吴丽", 210),
    ("东城保安服务有限公司", "JC-DC", "保安服务", Ownership.state, "许卫国", 340),
    ("江川宏达家具制造有限公司", "JC-XH-01", "家具制造", Ownership.private, "黄志明", 430),
    ("西湖精工模具有限公司", "JC-XH-01", "模具加工", Ownership.hmt, "梁嘉伟", 150),
    ("江川第三建筑工程有限公司", "JC-XH-02", "房屋建筑", Ownership.collective, "杨建军", 1200),
    ("西湖恒基劳务分包有限公司", "JC-XH-02", "建筑劳务分包", Ownership.private, "马春生", 95),
    ("江川路桥建设集团有限公司", "JC-XH-02", "道路桥梁", Ownership.state, "高振东", 2100),
    ("西湖纺织印染有限公司", "JC-XH", "纺织印染", Ownership.private, "朱美玲", 520),
    ("南港顺达物流有限公司", "JC-NG-01", "道路货运", Ownership.private, "邓海涛", 380),
    ("南港冷链仓储有限公司", "JC-NG-01", "仓储", Ownership.foreign, "Kim Soo-jin", 160),
    ("江川快递分拨中心有限公司", "JC-NG-01", "快递", Ownership.private, "罗斌", 640),
    ("南港光电科技有限公司", "JC-NG-02", "光电器件", Ownership.foreign, "Tanaka Hiroshi", 900),
    ("南港电子元件有限公司", "JC-NG-02", "电子元件", Ownership.hmt, "陈志伟", 700),
    ("南港汽车配件有限公司", "JC-NG", "汽车零部件", Ownership.private, "曾庆丰", 300),
    ("江川物业管理有限公司", "JC-DC", "物业管理", Ownership.private, "潘小红", 260),
    ("西湖鞋业有限公司", "JC-XH-01", "制鞋", Ownership.private, "蔡文斌", 480),
    ("南港食品加工有限公司", "JC-NG", "食品加工", Ownership.private, "彭丽娟", 230),
]
WORKER_NAMES = [
    "王建国",
    "李秀英",
    "张伟",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄强",
    "周丽",
    "吴军",
    "徐芳",
    "孙涛",
    "马超",
    "朱红",
    "胡斌",
    "郭玲",
    "何勇",
    "林娜",
    "罗平",
    "高峰",
]
CASE_STORIES = [
    (CaseKind.arrears, Category.remuneration, "拖欠{n}名工人{m}个月工资"),
    (CaseKind.arrears, Category.remuneration, "项目完工后劳务分包方拖欠{n}名农民工工资"),
    (CaseKind.dispute, Category.dismissal, "违法解除劳动合同要求支付赔偿金"),
    (CaseKind.dispute, Category.social_insurance, "未依法缴纳社会保险"),
    (CaseKind.dispute, Category.remuneration, "加班费计算争议"),
    (CaseKind.dispute, Category.employment_relationship, "外卖骑手要求确认劳动关系"),
    (CaseKind.dispute, Category.injury_compensation, "工伤医疗费及停工留薪期工资"),
    (CaseKind.dispute, Category.contract, "调岗降薪变更劳动合同争议"),
    (CaseKind.dispute, Category.working_conditions, "年休假及高温津贴争议"),
    (CaseKind.dispute, Category.other, "培训服务期违约金争议"),
]
# The state each demo case is driven to, in order; every state appears, closed ones with
# each kind of ending.
TARGETS = (
    ["reported"] * 6 + ["accepted"] * 5 + ["mediating"] * 7 + ["agreement"] * 6 + ["failed"] * 4
    + ["referred"] * 4 + ["closed:performed"] * 6 + ["closed:ruling"] * 3
    + ["closed:withdrawn"] * 2 + ["closed:rejected"] * 2
)  # fmt: skip


def _credit_code(index: int) -> str:
    first17 = f"91440300MA5GK{index:04d}"
    return first17 + credit_code_check_char(first17)


def _id_number(rng: random.Random) -> str:
    first17 = f"4403{rng.randint(10, 99)}{rng.randint(1965, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return first17 + id_check_digit(first17)


def demo_logins() -> list[tuple[str, str, str]]:
    orgs = dict([CITY])
    for code, name, children in TOWNS:
        orgs[code] = name
        orgs.update(dict(children))
    return [(u, role.value, orgs[org]) for u, _d, role, org in USERS]


def load_demo(password: str | None = None, now: datetime | None = None) -> tuple[bool, list]:
    """Load the demo once; returns (created?, logins). With `password`, every demo user gets it."""
    if db.session.scalar(select(Organization.id).where(Organization.code == CITY[0])) is not None:
        if password:
            for user in db.session.scalars(
                select(User).where(User.username.in_([u[0] for u in USERS]))
            ):
                user.set_password(password)
            db.session.commit()
        _load_circuit_court_and_meetings(utcnow())
        # a demo loaded before the worker services gets them now, once
        users = {u.username: u for u in db.session.scalars(select(User))}
        _load_advocate_team(now or utcnow(), users)
        _load_hardship_and_legal_aid(now or utcnow(), users)
        return False, demo_logins()
    now = now or utcnow()
    rng = random.Random(2026)
    orgs = _load_orgs()
    users = _load_users(orgs, password or DEMO_PASSWORD)
    enterprises = _load_enterprises(orgs)
    db.session.commit()
    _load_advocate_team(now, users)  # before the cases: only trained advocates are assigned
    _load_cases(rng, now, orgs, users, enterprises)
    load_demo_incident(now)
    load_demo_notices(now)  # (docs/enterprise-file.md)
    _load_merged_collective_case(now, users, enterprises)
    _bring_alerts_up_to_date(now, users)
    _load_circuit_court_and_meetings(now)
    _load_hardship_and_legal_aid(now, users)
    return True, demo_logins()


DEMO_INCIDENT_PLACE = "西湖镇政府南门广场"


def load_demo_incident(now: datetime) -> None:
    """One ended mass incident with its full report chain (verbal, written, follow-up, final),
    recorded as it would be: the advocate's quick form, the reports as they were made, the
    mediator completing the record and ending it, all through the real services with
    back-dated moments. Adds nothing when it is there already (docs/incidents.md)."""
    from mediation.incidents import services as incidents

    if (
        db.session.scalar(select(Incident.id).where(Incident.place == DEMO_INCIDENT_PLACE).limit(1))
        is not None
    ):
        return
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_(["xh_advocate", "xh_mediator"]))
    )}  # fmt: skip
    enterprise = db.session.scalar(
        select(Enterprise).where(Enterprise.name == "西湖恒基劳务分包有限公司")
    )
    if len(users) < 2 or enterprise is None:
        return
    advocate, mediator = users["xh_advocate"], users["xh_mediator"]
    started = (now - timedelta(days=3)).replace(second=0, microsecond=0)
    minutes = lambda n: started + timedelta(minutes=n)  # noqa: E731
    incident = incidents.create_incident(advocate, {
        "enterprise_id": enterprise.id, "place": DEMO_INCIDENT_PLACE,
        "started_at": started.isoformat(), "learned_at": minutes(10).isoformat(),
        "participants": 46, "behaviours": ["gathering", "petition"], "cause": "wage_arrears",
        "description": "恒基劳务分包的农民工因春节前工资未结清，到镇政府门口聚集讨薪。",
    }, now=minutes(15))  # fmt: skip
    chain = [
        (advocate, "verbal", 25, "phone",
         "已电话报告市总工会值班室：约46名农民工在镇政府南门聚集讨薪，现场秩序尚可。"),
        (mediator, "written", 100, "document",
         "书面报告已报市总：起因为劳务分包方拖欠工资约3个月，涉及46人，镇工会已到场劝导。"),
        (mediator, "follow_up", 24 * 60, "phone",
         "续报：总包单位同意先行垫付一半工资，工人已返回工地，未再聚集。"),
    ]  # fmt: skip
    for who, kind, after, channel, content in chain:
        at = minutes(after)
        incidents.add_report(incident.id, who, {
            "kind": kind, "at": at.isoformat(), "channel": channel, "content": content,
        }, now=at)  # fmt: skip
    ended = minutes(30 * 60)
    incidents.update_incident(incident.id, mediator, {
        "status": "ended", "ended_at": ended.isoformat(),
        "demands": "结清所欠工资，明确剩余工资支付时间。",
        "measures": "镇工会现场劝导；约谈总包和分包单位；协调总包单位垫付工资。",
        "nature": "因欠薪引发的劳动者群体性讨薪，诉求合理，方式基本理性。",
        "trend": "工资垫付到位后情绪平稳，已全部返岗。",
        "escalation_risk": "若剩余工资未在约定日期前支付，可能在春节前再次聚集，规模约50人。",
        "impact": "镇政府门前交通短时受阻，未发生冲突。",
    }, now=ended)  # fmt: skip
    at = minutes(36 * 60)
    incidents.add_report(incident.id, mediator, {
        "kind": "final", "at": at.isoformat(), "channel": "document",
        "content": "终报：欠薪已全部结清，事件平息，已建立该项目工资支付周报制度。",
    }, now=at)  # fmt: skip


# the twelve workers of the merged collective case
SITE_WORKERS = [
    "周德胜", "吴海军", "郑国强", "冯志刚", "陈永福", "褚建平",
    "卫长青", "蒋友成", "沈金宝", "韩春林", "杨立新", "朱满仓",
]  # fmt: skip


def _load_merged_collective_case(
    now: datetime, users: dict[str, User], enterprises: list[Enterprise]
) -> None:
    """Twelve workers of one building site who called the hotline one by one, merged into one
    collective case with three elected representatives (docs/collective.md). Its own random
    numbers, so the other demo cases stay as they were."""
    from mediation.cases import merging, roster

    rng = random.Random(1919)
    site = next(e for e in enterprises if e.sector in ("房屋建筑", "建筑劳务分包", "道路桥梁"))
    org = db.session.get(Organization, site.organization_id)
    assert org is not None  # (an enterprise's organization)
    mediator = users[{"JC-DC": "dc_mediator", "JC-XH": "xh_mediator", "JC-NG": "ng_mediator"}[
        _town_code(org)
    ]]  # fmt: skip
    reports = []
    for n in range(12):
        received = now - timedelta(days=4, hours=12 - n)
        owed = rng.randint(6, 12) * 1000
        report = services.create_case(
            mediator,
            {
                "kind": CaseKind.arrears.value, "category": Category.remuneration.value,
                "enterprise_id": site.id, "handling_org_id": org.id,
                "worker_name": SITE_WORKERS[n], "worker_phone": f"137{rng.randint(10**7, 10**8 - 1)}",
                "worker_id_number": _id_number(rng), "workers_involved": 1, "is_migrant": True,
                "is_construction": True, "title": f"{site.name}项目工人反映被拖欠两个月工资",
                "claim_amount": str(owed), "arrears_months": 2, "channel": Channel.hotline.value,
                "reported_at": received.isoformat(),
            },
            now=received,
        )  # fmt: skip
        reports.append(report)
    survivor = reports[0]
    merged = merging.merge_cases(
        survivor.id, mediator, {"case_ids": [r.id for r in reports[1:]], "version": survivor.version},
        now=now - timedelta(days=3),
    )  # fmt: skip
    workers = [roster.worker_as_dict(w) for w in merged.workers]
    for worker in workers[:3]:  # elected at the first meeting
        worker["representative"] = True
    roster.replace_roster(
        merged.id, mediator,
        {"workers": [_roster_input(w) for w in workers], "version": merged.version},
        now=now - timedelta(days=2),
    )  # fmt: skip


def _roster_input(worker: dict) -> dict:
    out = {k: v for k, v in worker.items() if v is not None and not k.endswith("_fen")}
    if worker.get("amount_owed_fen") is not None:
        out["amount_owed"] = f"{worker['amount_owed_fen'] / 100:.2f}"
    if worker.get("amount_paid_fen") is not None:
        out["amount_paid"] = f"{worker['amount_paid_fen'] / 100:.2f}"
    if worker.get("first_unpaid_on") is not None:
        out["first_unpaid_on"] = worker["first_unpaid_on"].isoformat()
    return out


def _bring_alerts_up_to_date(now: datetime, users: dict[str, User]) -> None:
    """Run the sweep as the scheduler would have, then let the Xihu officer acknowledge what
    reached their desk, so the demo shows open, acknowledged and climbed alerts at every level."""
    from mediation.warnings.models import Alert, AlertStatus
    from mediation.warnings.services import acknowledge
    from mediation.warnings.sweep import sweep

    sweep(now)
    officer = users["xh_officer"]
    for alert in db.session.scalars(
        select(Alert)
        .where(Alert.target_org_id == officer.organization_id, Alert.status == AlertStatus.open)
        .order_by(Alert.id)
        .limit(2)
    ).all():
        acknowledge(
            alert.id, officer, {"note": "已了解，已安排调解员当天到企业核实情况。"}, now=now
        )


def _load_orgs() -> dict[str, Organization]:
    city = Organization(code=CITY[0], name=CITY[1], tier=Tier.city)
    orgs = {city.code: city}
    for code, name, children in TOWNS:
        town = Organization(code=code, name=name, tier=Tier.town, parent=city)
        orgs[code] = town
        for child_code, child_name in children:
            orgs[child_code] = Organization(
                code=child_code, name=child_name, tier=Tier.grassroots, parent=town
            )
    db.session.add_all(orgs.values())
    db.session.flush()
    return orgs


def _load_users(orgs: dict[str, Organization], password: str) -> dict[str, User]:
    users = {}
    for username, display, role, org_code in USERS:
        user = User(
            username=username,
            display_name=display,
            role=role,
            organization_id=orgs[org_code].id,
            email=f"{username}@demo.jc-union.example",
        )
        user.set_password(password)
        users[username] = user
    db.session.add_all(users.values())
    db.session.flush()
    return users


def _load_enterprises(orgs: dict[str, Organization]) -> list[Enterprise]:
    result = []
    for index, (name, org_code, sector, ownership, rep, headcount) in enumerate(ENTERPRISES, 1):
        result.append(
            Enterprise(
                name=name,
                credit_code=_credit_code(index),
                organization_id=orgs[org_code].id,
                address=f"江川市{orgs[org_code].name.replace('工会', '').replace('总', '')}{index}号",
                sector=sector,
                ownership=ownership,
                legal_representative=rep,
                headcount=headcount,
                has_union=index % 3 != 0,
                # every other employer has a contact: the hearing reminder reaches it
                **(
                    {
                        "contact_person": "人事部",
                        "contact_phone": f"1390000{index:04d}",
                        "contact_email": f"hr{index}@employer.demo.example",
                    }
                    if index % 2
                    else {}
                ),
            )
        )
    db.session.add_all(result)
    db.session.flush()
    return result


def _town_code(org: Organization) -> str:
    return org.ancestor_at(Tier.town).code


def _load_cases(rng, now, orgs, users, enterprises) -> None:
    mediator_by_town = {"JC-DC": "dc_mediator", "JC-XH": "xh_mediator", "JC-NG": "ng_mediator"}
    advocate_by_town = {"JC-DC": "dc_advocate", "JC-XH": "xh_advocate", "JC-NG": "ng_advocate"}
    officer_by_town = {"JC-DC": "dc_officer", "JC-XH": "xh_officer", "JC-NG": "ng_officer"}
    for index, target in enumerate(TARGETS):
        enterprise = enterprises[(index * 7) % len(enterprises)]
        org = db.session.get(Organization, enterprise.organization_id)
        assert org is not None  # (an enterprise's organization)
        town = _town_code(org)
        actor = users[mediator_by_town[town]]
        kind, category, title = CASE_STORIES[index % len(CASE_STORIES)]
        collective = kind == CaseKind.arrears or index % 5 == 0
        workers = rng.choice([12, 18, 25, 36, 60]) if collective else rng.randint(1, 4)
        months = rng.randint(1, 4) if kind == CaseKind.arrears else None
        per_worker = rng.randint(4_000, 9_000)
        claim = workers * per_worker * (months or rng.randint(1, 3))
        # older cases have travelled further
        age_days = {"reported": rng.randint(0, 5), "accepted": rng.randint(3, 12),
                    "mediating": rng.randint(6, 35)}.get(target.split(":")[0], rng.randint(25, 160))  # fmt: skip
        received = now - timedelta(days=age_days, hours=rng.randint(1, 9))
        clock = min(received + timedelta(minutes=rng.randint(10, 180)), now)
        payload = {
            "kind": kind.value,
            "category": category.value,
            "enterprise_id": enterprise.id,
            "handling_org_id": org.id,
            "worker_name": WORKER_NAMES[index % len(WORKER_NAMES)],
            "worker_phone": f"139{rng.randint(10_000_000, 99_999_999)}",
            "worker_id_number": _id_number(rng),
            "workers_involved": workers,
            "is_migrant": kind == CaseKind.arrears,
            "is_construction": enterprise.sector in ("房屋建筑", "建筑劳务分包", "道路桥梁"),
            "title": f"{enterprise.name}{title.format(n=workers, m=months or 1)}",
            "description": "申请人陈述："
            + title.format(n=workers, m=months or 1)
            + "，多次与单位协商未果，请求工会协调解决。",
            "claim_amount": str(claim),
            "channel": rng.choice(list(Channel)).value,
            "received_at": received.isoformat(),
            "infringement_known_at": (received - timedelta(days=rng.randint(10, 200)))
            .date()
            .isoformat(),
            "owner_absconded": index == 9,
        }
        if months is not None:
            payload["arrears_months"] = months
        case = services.create_case(actor, payload, now=clock)

        def step(
            days: float, trigger: str, data: dict | None = None, who=actor, case_id=case.id
        ) -> None:
            nonlocal clock
            clock = min(clock + timedelta(days=days, minutes=rng.randint(5, 240)), now)
            services.fire_trigger(case_id, trigger, who, data or {}, now=clock)

        if index % 3 == 0 and target != "closed:rejected":
            services.assign_advocate(case.id, actor, users[advocate_by_town[town]].id, now=clock)
        state = target.split(":")[0]
        if target == "closed:rejected":
            step(1, "reject", {"reason": "不属于劳动争议受案范围，已告知向人民法院起诉。"})
            continue
        if state == "reported":
            continue
        step(rng.uniform(0.2, 2.5), "accept", {"mediator_id": actor.id})
        if state == "accepted":
            continue
        if target == "closed:withdrawn":
            step(2, "withdraw", {"reason": "申请人与单位自行和解，撤回申请。"})
            continue
        step(
            rng.uniform(0.5, 2),
            "begin_mediation",
            {"note": "已通知双方到场，首次调解安排在工会调解室。"},
        )
        if state == "mediating":
            if rng.random() < 0.6:
                services.add_note(case.id, users[advocate_by_town[town]] if index % 3 == 0 else actor,
                                  {"kind": "visit", "body": "走访企业及工人宿舍，核实考勤与工资发放记录。"},
                                  now=min(clock + timedelta(days=1), now))  # fmt: skip
            continue
        if state in ("failed", "referred") or target == "closed:ruling":
            step(
                rng.uniform(3, 9),
                "fail_mediation",
                {"reason": "单位对欠付金额有异议，经两次调解未能达成一致。"},
            )
            if state == "failed":
                continue
            step(rng.uniform(1, 3), "refer", {
                "referral_target": ReferralTarget.arbitration.value,
                "referral_reference": f"江劳人仲案字〔{clock.year}〕第{rng.randint(100, 999)}号",
            })  # fmt: skip
            if state == "referred":
                continue
            step(rng.uniform(30, 50), "record_ruling", {
                "result": rng.choice(list(RulingResult)).value, "amount": f"{claim * 0.8:.2f}",
            }, who=users[officer_by_town[town]])  # fmt: skip
            continue
        gap = rng.uniform(3, 11)
        due = (clock + timedelta(days=gap + rng.randint(10, 30))).date()
        step(gap, "record_agreement", {
            "terms": f"单位于{due.isoformat()}前一次性支付拖欠款项，双方就本争议再无其他纠纷。",
            "agreement_amount": f"{claim * 0.9:.2f}",
            "agreement_due_on": due.isoformat(),
        })  # fmt: skip
        if state == "agreement":
            continue
        step(rng.uniform(5, 25), "confirm_performance", {"paid_amount": f"{claim * 0.9:.2f}"})


# --- the circuit court and joint meetings (docs/circuit-court-and-meetings.md) --------------------

DEMO_POINT = "东城职工维权流动法庭"


def _load_circuit_court_and_meetings(now: datetime) -> None:
    """A hearing point at Dongcheng with a held and a scheduled hearing, and a meeting with
    the city government whose action items are one done and one overdue. Driven through the
    services; nothing is added when the point exists already."""
    from datetime import date, time

    from mediation.cases.enums import State
    from mediation.cases.models import Case, CaseEvent
    from mediation.core.clock import ensure_utc, local_date, local_zone
    from mediation.hearings import services as hearings
    from mediation.hearings.models import HearingPoint
    from mediation.meetings import services as meetings

    if db.session.scalar(select(HearingPoint.id).where(HearingPoint.name == DEMO_POINT)):
        return
    users = {u.username: u for u in db.session.scalars(select(User))}
    town = db.session.scalar(select(Organization).where(Organization.code == "JC-DC"))
    if town is None or "city_officer" not in users or "dc_mediator" not in users:
        return
    point = hearings.create_point(users["city_officer"], {
        "name": DEMO_POINT, "organization_id": town.id, "partner_kind": "court",
        "partner_name": "江川市人民法院东城人民法庭", "address": "江川市东城街道人民路18号职工服务中心",
    })  # fmt: skip
    mediator = users["dc_mediator"]
    open_cases = list(db.session.scalars(
        select(Case).where(Case.handling_org_id.in_(
            select(Organization.id).where(Organization.code.like("JC-DC%"))),
            Case.state.in_([State.accepted, State.mediating])).order_by(Case.id)
    ))  # fmt: skip
    zone = local_zone()
    # the held hearing: after the case's last event, ended two hours later, all in the past
    for case in open_cases:
        last = db.session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.seq.desc()).limit(1))  # fmt: skip
        if last is None:
            continue
        day = local_date(ensure_utc(last)) + timedelta(days=1)
        start = ensure_utc(datetime.combine(day, time(9, 30), tzinfo=zone))
        if start + timedelta(hours=3) > now:
            continue
        held = hearings.schedule_hearing(mediator, case.id, {
            "point_id": point.id, "kind": "mediation", "starts_at": start.isoformat(),
            "duration_minutes": 120, "note": "邀请法庭法官现场指导调解"},
            now=ensure_utc(last) + timedelta(minutes=1))  # fmt: skip
        hearings.record_outcome(mediator, held.id, {
            "outcome": "none", "workers_attending": case.workers_involved,
            "outcome_note": "双方就支付期限仍有分歧，约定下次继续调解"},
            now=start + timedelta(hours=2, minutes=30))  # fmt: skip
        open_cases.remove(case)
        break
    if open_cases:
        coming = local_date(now) + timedelta(days=3)
        hearings.schedule_hearing(mediator, open_cases[0].id, {
            "point_id": point.id, "kind": "trial",
            "starts_at": ensure_utc(datetime.combine(coming, time(14, 0), tzinfo=zone)).isoformat(),
            "duration_minutes": 150}, now=now)  # fmt: skip

    today = local_date(now)
    held_on = max(date(today.year, 1, 1), today - timedelta(days=40))
    meeting = meetings.create_meeting(users["city_officer"], {
        "kind": "city_government", "title": f"{today.year}年度劳动关系三方联席会议（市政府）",
        "held_on": held_on.isoformat(),
        "bodies": ["government", "hrss", "justice", "court", "public_security", "employers"],
        "agenda": "一、通报全市欠薪案件及调处情况\n二、研究在建工程农民工工资支付保障措施",
        "minutes": "会议由分管副市长主持。会议决定：建立欠薪案件联合处置机制，"
                   "对重点企业实行挂牌督办。",
    }, now=now)  # fmt: skip
    done = meetings.add_action_item(users["city_officer"], meeting.id, {
        "title": "建立欠薪案件联合处置联络员制度", "owner_body": "hrss",
        "due_on": (held_on + timedelta(days=10)).isoformat()}, now=now)  # fmt: skip
    meetings.set_item_status(users["city_officer"], meeting.id, done.id, {"status": "done"},
                             now=now)  # fmt: skip
    arrears = db.session.scalar(select(Case).where(Case.kind == CaseKind.arrears)
                                .order_by(Case.id).limit(1))  # fmt: skip
    meetings.add_action_item(users["city_officer"], meeting.id, {
        "title": "督促重点企业清偿拖欠农民工工资", "owner_body": "hrss",
        "due_on": max(held_on, today - timedelta(days=5)).isoformat(),
        "case_ids": [arrears.id] if arrears else [],
        "enterprise_ids": [arrears.enterprise_id] if arrears else []}, now=now)  # fmt: skip


# --- the worker services (docs/worker-services.md) ----------------------------------------------

ADVOCATE_PROFILES = {
    # username: specialties, recruited days ago
    "dc_advocate": ("欠薪维权、劳动合同", 400),
    "xh_advocate": ("建筑业欠薪、工伤认定", 300),
    "ng_advocate": ("物流快递从业人员权益", 150),
}


def _load_advocate_team(now: datetime, users: dict[str, User]) -> None:
    """Profiles of the demo advocates and their training: every one has completed the
    introductory training, so the cases' assignments pass the training rule. Once only."""
    from mediation.advocates import services as team
    from mediation.advocates.models import TrainingSession

    if db.session.scalar(select(TrainingSession.id).limit(1)) is not None:
        return
    admin = users["admin"]
    advocates = [users[name] for name in ADVOCATE_PROFILES if name in users]
    if not advocates:
        return
    today = now.date()
    for advocate in advocates:
        specialties, days = ADVOCATE_PROFILES[advocate.username]
        team.update_profile(admin, advocate.id, {
            "specialties": specialties, "recruited_on": (today - timedelta(days=days)).isoformat(),
        }, now=now)  # fmt: skip
    city = users["city_officer"].organization_id
    team.create_training(admin, {
        "topic": "维权志愿者入门培训：劳动争议调解基础与走访规范", "kind": "introductory",
        "held_on": (today - timedelta(days=200)).isoformat(), "hours": "6",
        "trainer": "市总法律工作部 陈敏", "organization_id": city,
        "attendee_ids": [a.id for a in advocates],
    })  # fmt: skip
    team.create_training(admin, {
        "topic": "建筑领域欠薪线索发现与证据固定", "kind": "specialised",
        "held_on": (today - timedelta(days=40)).isoformat(), "hours": "3",
        "trainer": "江川市劳动人事争议仲裁院 刘仲裁员", "organization_id": city,
        "attendee_ids": [a.id for a in advocates if a.username != "ng_advocate"],
    })  # fmt: skip


def _load_hardship_and_legal_aid(now: datetime, users: dict[str, User]) -> None:
    """Hardship files opened from arrears cases' workers (with festival and school aid) and
    legal-aid referrals of the failed and referred cases. Once only."""
    from mediation.cases.enums import State
    from mediation.cases.models import Case
    from mediation.hardship import services as hardship
    from mediation.hardship.models import HardshipFile
    from mediation.legalaid import services as legal_aid

    if db.session.scalar(select(HardshipFile.id).limit(1)) is not None:
        return
    mediators = {"JC-DC": "dc_mediator", "JC-XH": "xh_mediator", "JC-NG": "ng_mediator"}
    if not all(name in users for name in mediators.values()):
        return
    today = now.date()
    arrears = db.session.scalars(
        select(Case).where(Case.kind == CaseKind.arrears, Case.worker_id_number.is_not(None))
        .order_by(Case.id).limit(4)
    ).all()  # fmt: skip
    stories = [
        ("illness", "extreme", "620.00", "妻子患尿毒症长期透析，儿子读初中，家庭主要收入来源中断。"),
        ("school_costs", "hardship", "1150.00", "两个孩子在读高中和大学，被拖欠工资后无力负担学费。"),
        ("single_parent", "hardship", "980.00", "单亲抚养女儿，租住城中村，欠薪三个月。"),
        ("disability", "extreme", "540.00", "本人工伤致残后收入锐减，父母年迈多病。"),
    ]  # fmt: skip
    for index, case in enumerate(arrears):
        mediator = users[mediators[_town_code(case.handling_org)]]
        kind, level, income, household = stories[index % len(stories)]
        values = hardship.prefill_from_case(mediator, case.id)
        review = today + timedelta(days=20) if index == 0 else None  # a reminder to show
        file = hardship.open_file(mediator, {
            **{k: v for k, v in values.items() if v not in ("", None)},
            "hardship_type": kind, "level": level, "income_per_head": income,
            "household_size": 3 + index % 2, "household": household,
            "certificate_number": f"江困证〔{today.year}〕{index + 1:03d}号",
            **({"review_due_on": review.isoformat()} if review else {}),
        }, now=now)  # fmt: skip
        hardship.record_aid(mediator, file.id, {
            "given_on": (today - timedelta(days=30 + index)).isoformat(), "kind": "festival",
            "amount": "1000.00", "source": "市总工会送温暖专项资金",
            "campaign": f"{today.year}年元旦春节送温暖", "approved_by": "周督办（市总）",
        }, now=now)  # fmt: skip
        if kind == "school_costs":
            hardship.record_aid(mediator, file.id, {
                "given_on": (today - timedelta(days=90)).isoformat(), "kind": "education",
                "amount": "3000.00", "source": "金秋助学基金", "campaign": "金秋助学",
                "approved_by": "陈督办（东城）",
            }, now=now)  # fmt: skip
    referable = db.session.scalars(
        select(Case).where(Case.state.in_([State.failed, State.referred])).order_by(Case.id)
    ).all()
    for index, case in enumerate(referable[:3]):
        mediator = users[mediators[_town_code(case.handling_org)]]
        referral = legal_aid.refer(mediator, case.id, {
            "referred_on": (today - timedelta(days=20 - index)).isoformat(),
            "provider": ["union_centre", "justice_centre", "lawyer"][index],
            "provider_name": ["江川市总工会职工法律援助中心", "江川市法律援助中心",
                              "江苏江川律师事务所"][index],
            "stage": "arbitration", "workers": case.workers_involved,
        }, now=now)  # fmt: skip
        if index == 0:
            legal_aid.update_referral(mediator, referral.id, {
                "accepted": True, "lawyer": "王律师", "stage": "enforcement", "result": "won",
                "amount_recovered": f"{(case.claim_amount_fen or 0) * 0.8 / 100:.2f}",
            }, now=now)  # fmt: skip
