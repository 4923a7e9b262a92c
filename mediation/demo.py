"""Demonstration data: the Changshu city federation of trade unions (常熟市总工会, Jiangsu, region
320581) with its six streets, eight towns and the economic and technological development zone,
a grassroots union or two under each, fictional enterprises of the city's trades (garments and
down jackets, textiles, machinery, construction, the port), staff of every role and cases in every
state with plausible timelines (docs/demo.md).

Every case is driven through the real services (with back-dated clocks), so numbers, timelines
and hash chains are exactly what real use produces. Whatever a person does happens in office
hours on a working day of the official calendar (adjusted working days and holidays included).
Loading twice adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from mediation.accounts.models import Role, User
from mediation.cases import services
from mediation.cases.enums import CaseKind, Category, Channel, ReferralTarget, RulingResult
from mediation.core.calendar import is_working_day, spring_festival
from mediation.core.clock import ensure_utc, local_date, local_zone, utcnow
from mediation.core.identifiers import id_check_digit, make_credit_code
from mediation.enterprises.models import Enterprise, Ownership
from mediation.extensions import db
from mediation.incidents.models import Incident
from mediation.labour_supervision.demo import load_demo_notices
from mediation.orgs.models import Organization, Tier
from mediation.projects.demo import load_demo_projects
from mediation.returns.demo import load_demo_returns
from mediation.surveys.demo import load_demo_surveys

DEMO_PASSWORD = "demo1234"
REGION = "320581"  # 常熟市
CITY = ("CS", "常熟市总工会")
TOWNS = [
    # code, union, place (in addresses), roads, grassroots unions
    ("CS-YS", "虞山街道总工会", "虞山街道", ("黄河路", "珠江路", "青墩塘路"),
     [("CS-YS-01", "虞山街道高新产业园联合工会"), ("CS-YS-02", "常熟服装城商户联合工会")]),
    ("CS-QC", "琴川街道总工会", "琴川街道", ("枫林路", "衡山路"),
     [("CS-QC-01", "琴川街道商贸服务业联合工会")]),
    ("CS-MC", "莫城街道总工会", "莫城街道", ("莫城大道", "谢桥路"),
     [("CS-MC-01", "莫城街道纺织企业联合工会")]),
    ("CS-BX", "碧溪街道总工会", "碧溪街道", ("碧溪大道", "浒浦路"),
     [("CS-BX-01", "碧溪街道机械制造业联合工会")]),
    ("CS-DN", "东南街道总工会", "东南街道", ("东南大道", "金门路"),
     [("CS-DN-01", "东南街道电子信息企业联合工会")]),
    ("CS-CF", "常福街道总工会", "常福街道", ("常福路", "富春江路"),
     [("CS-CF-01", "常福街道建筑业工会")]),
    ("CS-ML", "梅李镇总工会", "梅李镇", ("通江路", "梅南路"),
     [("CS-ML-01", "梅李镇针织服装企业联合工会")]),
    ("CS-HY", "海虞镇总工会", "海虞镇", ("海丰路", "福山路"),
     [("CS-HY-01", "海虞镇服装工业园联合工会"), ("CS-HY-02", "海虞镇建筑业工会")]),
    ("CS-GL", "古里镇总工会", "古里镇", ("古里大道", "淼泉路"),
     [("CS-GL-01", "古里镇羽绒服装企业联合工会")]),
    ("CS-SJB", "沙家浜镇总工会", "沙家浜镇", ("芦荡路", "唐市路"),
     [("CS-SJB-01", "沙家浜镇工业园联合工会")]),
    ("CS-ZT", "支塘镇总工会", "支塘镇", ("支塘大道", "任阳路"),
     [("CS-ZT-01", "支塘镇纺织服装企业联合工会")]),
    ("CS-DB", "董浜镇总工会", "董浜镇", ("董浜大道", "徐市路"),
     [("CS-DB-01", "董浜镇机械企业联合工会")]),
    ("CS-XZ", "辛庄镇总工会", "辛庄镇", ("辛庄大道", "张桥路"),
     [("CS-XZ-01", "辛庄镇工业园联合工会")]),
    ("CS-SH", "尚湖镇总工会", "尚湖镇", ("尚湖大道", "练塘路"),
     [("CS-SH-01", "尚湖镇服装企业联合工会")]),
    ("CS-KFQ", "常熟经济技术开发区总工会", "常熟经济技术开发区", ("通港路", "兴港路", "东周路"),
     [("CS-KFQ-01", "开发区港口物流企业联合工会"), ("CS-KFQ-02", "开发区电子企业联合工会")]),
]  # fmt: skip
# The logins the README names keep their names (dc: 虞山, xh: 海虞, ng: the development zone);
# every other street and town has a mediator of its own.
USERS = [
    # username, display name, role, org code
    ("admin", "顾建平", Role.admin, "CS"),
    ("city_officer", "周卫东", Role.officer, "CS"),
    ("city_mediator", "郑雪芬", Role.mediator, "CS"),
    ("dc_officer", "陈国良", Role.officer, "CS-YS"),
    ("dc_mediator", "李静娴", Role.mediator, "CS-YS"),
    ("dc01_mediator", "黄志刚", Role.mediator, "CS-YS-01"),
    ("dc_advocate", "王惠芳", Role.advocate, "CS-YS"),
    ("xh_officer", "刘建新", Role.officer, "CS-HY"),
    ("xh_mediator", "张美华", Role.mediator, "CS-HY"),
    ("xh_advocate", "赵永林", Role.advocate, "CS-HY-02"),
    ("ng_officer", "吴雪明", Role.officer, "CS-KFQ"),
    ("ng_mediator", "孙丽君", Role.mediator, "CS-KFQ"),
    ("ng_advocate", "钱文斌", Role.advocate, "CS-KFQ"),
    ("qinchuan_mediator", "陆晓燕", Role.mediator, "CS-QC"),
    ("mocheng_mediator", "殷建华", Role.mediator, "CS-MC"),
    ("bixi_mediator", "曹振宇", Role.mediator, "CS-BX"),
    ("dongnan_mediator", "邵丽萍", Role.mediator, "CS-DN"),
    ("changfu_mediator", "季伟明", Role.mediator, "CS-CF"),
    ("meili_mediator", "浦雪琴", Role.mediator, "CS-ML"),
    ("guli_mediator", "归振华", Role.mediator, "CS-GL"),
    ("shajiabang_mediator", "缪红英", Role.mediator, "CS-SJB"),
    ("zhitang_mediator", "邹国平", Role.mediator, "CS-ZT"),
    ("dongbang_mediator", "徐文娟", Role.mediator, "CS-DB"),
    ("xinzhuang_mediator", "蒋海峰", Role.mediator, "CS-XZ"),
    ("shanghu_mediator", "严秀梅", Role.mediator, "CS-SH"),
]
ENTERPRISES = [
    # key, name, org code, sector, ownership, legal representative, headcount
    ("bingyu", "江苏冰羽登服饰有限公司", "CS-GL-01", "羽绒服装", Ownership.private, "陆建忠", 3200),
    ("xueling", "常熟市雪岭羽绒制品有限公司", "CS-GL-01", "羽绒制品", Ownership.private, "浦立新", 680),
    ("hanmei", "常熟市寒梅针织服饰有限公司", "CS-ML-01", "针织服装", Ownership.private, "顾亚萍", 420),
    ("yucheng", "常熟市虞城制衣有限公司", "CS-HY-01", "服装加工", Ownership.private, "殷国平", 360),
    ("shangya", "常熟市尚雅羽绒服饰有限公司", "CS-HY-01", "羽绒服装", Ownership.private, "季红英", 540),
    ("jinxiu", "常熟市锦绣服装有限公司", "CS-SH-01", "服装加工", Ownership.private, "钱文忠", 190),
    ("huashang", "常熟市华裳服饰商贸有限公司", "CS-YS-02", "服装批发", Ownership.private, "周晓燕", 45),
    ("mianfang", "常熟市支塘棉纺织有限公司", "CS-ZT-01", "棉纺织", Ownership.collective, "邹卫华", 520),
    ("jingbian", "常熟市莫城经编织造有限公司", "CS-MC-01", "经编织造", Ownership.private, "王建英", 300),
    ("yurong", "常熟市辛庄羽绒加工有限公司", "CS-XZ-01", "羽绒加工", Ownership.private, "蒋国良", 150),
    ("jingmi", "常熟市碧溪精密机械有限公司", "CS-BX-01", "机械制造", Ownership.private, "曹志明", 260),
    ("qipei", "常熟市董浜汽车配件有限公司", "CS-DB-01", "汽车零部件", Ownership.private, "徐海涛", 330),
    ("dianti", "常熟华耀电梯部件有限公司", "CS-SJB-01", "电梯部件", Ownership.hmt, "林振邦", 240),
    ("guangdian", "常熟东南光电科技有限公司", "CS-DN-01", "光电器件", Ownership.foreign, "Tanaka Hiroshi", 900),
    ("zhilian", "常熟市虞山智联电子有限公司", "CS-YS-01", "电子制造", Ownership.private, "何晓东", 480),
    ("xinsheng", "常熟鑫盛电子元件有限公司", "CS-KFQ-02", "电子元件", Ownership.hmt, "陈志伟", 700),
    ("shunda", "常熟港顺达物流有限公司", "CS-KFQ-01", "道路货运", Ownership.private, "邓海涛", 380),
    ("lenglian", "常熟兴港冷链仓储有限公司", "CS-KFQ-01", "仓储", Ownership.foreign, "Kim Soo-jin", 160),
    ("canyin", "常熟市琴川餐饮管理有限公司", "CS-QC-01", "餐饮", Ownership.private, "陆美芬", 75),
    ("wuye", "常熟市琴川物业管理有限公司", "CS-QC", "物业管理", Ownership.private, "潘小红", 260),
    ("baoan", "常熟市虞山保安服务有限公司", "CS-YS", "保安服务", Ownership.state, "许卫国", 340),
    ("sanjian", "常熟市第三建筑工程有限公司", "CS-HY-02", "房屋建筑", Ownership.collective, "杨建军", 1200),
    ("hengji", "常熟市恒基建筑劳务有限公司", "CS-HY-02", "建筑劳务分包", Ownership.private, "马春生", 95),
    ("luqiao", "常熟市路桥建设有限公司", "CS-CF-01", "道路桥梁", Ownership.state, "高振东", 2100),
    ("hongyuan", "常熟市宏远建设工程有限公司", "CS-CF-01", "房屋建筑", Ownership.private, "严国强", 560),
    ("yuanlin", "常熟市尚湖园林建设有限公司", "CS-SH", "园林绿化工程", Ownership.private, "归建华", 120),
    ("anzhuang", "常熟市梅李建筑安装有限公司", "CS-ML", "建筑安装", Ownership.private, "浦建军", 300),
]  # fmt: skip
CONSTRUCTION_SECTORS = frozenset(
    {"房屋建筑", "建筑劳务分包", "道路桥梁", "园林绿化工程", "建筑安装"}
)
GARMENT_SECTORS = frozenset(
    {"羽绒服装", "羽绒制品", "针织服装", "服装加工", "服装批发", "棉纺织", "经编织造", "羽绒加工"}
)
# the registry's older enterprises carry organization codes from before 2015 (digits); the
# younger ones the regulator's "MA1" series
OLD_REGISTRATIONS = frozenset({"mianfang", "sanjian", "luqiao", "baoan", "bingyu", "jingmi"})

# Where the workers come from (GB/T 2260 region codes, as their ID numbers were issued): locals
# and migrants from Anhui, Henan, Sichuan, Guizhou and northern Jiangsu.
ORIGINS = {
    "local": ("320581",),  # 常熟市
    "anhui": ("341221", "341222", "341225", "341226", "341623", "341322", "341524"),  # 临泉 太和 阜南 颍上 利辛 萧县 金寨
    "henan": ("411525", "411528", "411623", "411625", "411627", "411522"),  # 固始 息县 商水 郸城 太康 光山
    "sichuan": ("511321", "511322", "511323", "511621", "510722", "512021"),  # 南部 营山 蓬安 岳池 三台 安岳
    "guizhou": ("522422", "522425", "522426", "522427", "520324"),  # 大方 织金 纳雍 威宁 正安
    "north_jiangsu": ("320722", "320723", "320826", "321322", "321324", "320324", "320922"),  # 东海 灌云 涟水 沭阳 泗洪 睢宁 滨海
}  # fmt: skip
ORIGIN_WEIGHTS = {
    # trade: weights of the origins above, in their order
    "construction": (1, 4, 3, 2, 1, 4),
    "garment": (4, 3, 2, 2, 2, 2),
    "other": (6, 2, 1, 1, 1, 2),
    "driver": (3, 2, 2, 1, 1, 3),
}
AGES = {"construction": (30, 58), "garment": (19, 50), "other": (21, 55), "driver": (25, 55)}
MALE_NAMES = [
    "王建国",
    "张伟",
    "刘洋",
    "杨磊",
    "黄强",
    "吴军",
    "孙涛",
    "马超",
    "胡斌",
    "何勇",
    "罗平",
    "高峰",
    "李春生",
    "赵红军",
    "徐海兵",
    "朱正华",
    "彭光明",
    "邓小兵",
    "冯志强",
    "田茂林",
    "龙国富",
    "杨昌明",
    "孔祥林",
    "蔡永刚",
    "姚德全",
    "汪海洋",
    "程小龙",
    "任国庆",
    "张继红",
    "王德发",
    "刘长江",
    "李玉龙",
    "陈金山",
    "赵立军",
    "侯建设",
    "熊伟",
    "罗家旺",
    "石明亮",
    "潘振华",
    "金小虎",
]
FEMALE_NAMES = [
    "李秀英",
    "陈静",
    "赵敏",
    "周丽",
    "徐芳",
    "朱红",
    "郭玲",
    "林娜",
    "王桂兰",
    "刘翠萍",
    "张小燕",
    "杨丽娟",
    "吴春花",
    "黄梅",
    "宋玉梅",
    "谢雪琴",
    "龙秀珍",
    "顾秀英",
    "陆美华",
    "丁桂芳",
    "孟凡荣",
    "秦晓丽",
    "袁玉兰",
    "邱红梅",
    "张翠兰",
    "王小琴",
    "李凤霞",
    "陈巧云",
    "刘彩霞",
    "杨春燕",
    "周金凤",
    "吴晓梅",
    "赵玉芬",
    "孙丽华",
    "许爱萍",
    "马兰英",
    "韦秀梅",
    "冉小芳",
    "罗玉琼",
    "钱惠英",
    "殷雪芳",
    "季秀兰",
]
PHONE_PREFIXES = (
    "135",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "180",
    "187",
    "188",
)
STORIES = {
    # key: kind, category, title ({n} workers, {m} months, {c} the contractor), workers (from, to),
    # months in arrears (from, to) or None, claim in months of wages (from, to)
    "season_arrears": (CaseKind.arrears, Category.remuneration,
                       "羽绒服旺季赶工后拖欠{n}名车缝工{m}个月计件工资", (12, 60), (1, 3), None),
    "piece_rate": (CaseKind.dispute, Category.remuneration,
                   "计件单价调整后工资降低，要求补发差额", (1, 3), None, (1, 2)),
    "overtime": (CaseKind.dispute, Category.remuneration,
                 "羽绒服生产旺季连续加班，加班费未足额支付", (1, 4), None, (1, 3)),
    "idle_pay": (CaseKind.dispute, Category.remuneration,
                 "淡季停工期间未按规定支付{n}名职工生活费", (10, 30), None, (1, 2)),
    "season_dismissal": (CaseKind.dispute, Category.dismissal,
                         "旺季结束后以淡季减产为由解除劳动合同，要求支付赔偿金", (1, 2), None, (4, 10)),
    "garment_insurance": (CaseKind.dispute, Category.social_insurance,
                          "入职三年未依法缴纳社会保险，要求补缴", (1, 3), None, (2, 4)),
    "outsourced_arrears": (CaseKind.arrears, Category.remuneration,
                           "外发加工点负责人拖欠{n}名缝纫工{m}个月工资", (10, 20), (1, 2), None),
    "night_shift": (CaseKind.dispute, Category.working_conditions,
                    "纺织车间夜班津贴及年休假争议", (1, 3), None, (1, 2)),
    "textile_injury": (CaseKind.dispute, Category.injury_compensation,
                       "挡车工工伤医疗费及停工留薪期工资争议", (1, 1), None, (6, 14)),
    "transfer": (CaseKind.dispute, Category.contract,
                 "调岗降薪变更劳动合同争议", (1, 2), None, (2, 4)),
    "press_injury": (CaseKind.dispute, Category.injury_compensation,
                     "冲床操作工手指受伤，工伤待遇争议", (1, 1), None, (8, 16)),
    "service_period": (CaseKind.dispute, Category.other,
                       "培训服务期违约金争议", (1, 1), None, (1, 2)),
    "dispatch": (CaseKind.dispute, Category.employment_relationship,
                 "劳务派遣工要求确认与用工单位的劳动关系", (1, 2), None, (1, 3)),
    "no_contract": (CaseKind.dispute, Category.remuneration,
                    "未签订书面劳动合同，要求支付二倍工资", (1, 2), None, (3, 8)),
    "driver": (CaseKind.dispute, Category.employment_relationship,
               "挂靠车辆驾驶员要求确认劳动关系", (1, 1), None, (2, 4)),
    "heat": (CaseKind.dispute, Category.working_conditions,
             "高温津贴及年休假工资争议", (1, 4), None, (1, 1)),
    "security_insurance": (CaseKind.dispute, Category.social_insurance,
                           "保安员要求补缴社会保险", (1, 3), None, (2, 4)),
    "cleaner_overtime": (CaseKind.dispute, Category.remuneration,
                         "保洁员延长工作时间未支付加班费", (1, 3), None, (1, 2)),
    "misconduct": (CaseKind.dispute, Category.dismissal,
                   "以严重违反规章制度为由解除劳动合同，职工要求支付赔偿金", (1, 1), None, (4, 8)),
    "site_arrears": (CaseKind.arrears, Category.remuneration,
                     "项目完工后拖欠{n}名农民工{m}个月工资", (12, 60), (2, 4), None),
    "contractor": (CaseKind.arrears, Category.remuneration,
                   "包工头{c}（自然人，无施工资质）承包劳务后拖欠{n}名农民工{m}个月工资",
                   (10, 24), (2, 3), None),
    "site_injury": (CaseKind.dispute, Category.injury_compensation,
                    "工地高处坠落受伤，工伤医疗费及停工留薪期工资争议", (1, 1), None, (10, 20)),
    "not_labour": (CaseKind.dispute, Category.other,
                   "小区业主与物业公司服务费纠纷", (1, 1), None, (1, 1)),
}  # fmt: skip
# The demo's cases: the state each is driven to, its employer (key), its story and when it came
# in ("peak": the weeks before the last Spring Festival, when construction arrears pile up).
# Every state appears, closed cases with each kind of ending, every street and town has cases.
PLAN = [
    ("reported", "shunda", "driver", None),
    ("reported", "guangdian", "dispatch", None),
    ("reported", "anzhuang", "site_arrears", None),
    ("reported", "jinxiu", "overtime", None),
    ("reported", "baoan", "security_insurance", None),
    ("reported", "xueling", "season_arrears", None),
    ("accepted", "zhilian", "no_contract", None),
    ("accepted", "shangya", "overtime", None),
    ("accepted", "dianti", "transfer", None),
    ("accepted", "lenglian", "heat", None),
    ("accepted", "yurong", "piece_rate", None),
    ("mediating", "bingyu", "season_arrears", None),
    ("mediating", "hengji", "site_arrears", None),
    ("mediating", "huashang", "garment_insurance", None),
    ("mediating", "xinsheng", "no_contract", None),
    ("mediating", "canyin", "no_contract", None),
    ("mediating", "yucheng", "outsourced_arrears", None),
    ("mediating", "qipei", "press_injury", None),
    ("agreement", "hanmei", "piece_rate", None),
    ("agreement", "wuye", "cleaner_overtime", None),
    ("agreement", "jingbian", "night_shift", None),
    ("agreement", "shunda", "heat", None),
    ("agreement", "zhilian", "service_period", None),
    ("agreement", "bingyu", "idle_pay", None),
    ("failed", "mianfang", "textile_injury", None),
    ("failed", "luqiao", "site_injury", None),
    ("failed", "guangdian", "transfer", None),
    ("failed", "shangya", "season_dismissal", None),
    ("referred", "jingmi", "press_injury", None),
    ("referred", "xinsheng", "no_contract", None),
    ("referred", "yuanlin", "site_arrears", None),
    ("referred", "hanmei", "garment_insurance", None),
    ("closed:performed", "sanjian", "contractor", "peak"),
    ("closed:performed", "hongyuan", "site_arrears", "peak"),
    ("closed:performed", "luqiao", "site_arrears", "peak"),
    ("closed:performed", "hengji", "site_arrears", "peak"),
    ("closed:performed", "yucheng", "season_arrears", None),
    ("closed:performed", "baoan", "security_insurance", None),
    ("closed:ruling:worker_won", "anzhuang", "site_arrears", "peak"),
    ("closed:ruling:partly", "yuanlin", "site_arrears", "peak"),
    ("closed:ruling:employer_won", "qipei", "misconduct", None),
    ("closed:ruling:mediated_in_arbitration", "jingmi", "transfer", None),
    ("closed:withdrawn", "sanjian", "site_arrears", "peak"),
    ("closed:withdrawn", "canyin", "heat", None),
    ("closed:rejected", "shunda", "driver", None),
    ("closed:rejected", "wuye", "not_labour", None),
]
# the natural-person team leader (包工头) of the contractor case: no credit code, so the case's
# respondent is the general contractor, liable to pay first (wage-payment regulation art. 30)
CONTRACTOR = ("陈大海", "341222197203154414", "13805231876")
REJECTIONS = {
    "driver": "挂靠车辆驾驶员与物流公司之间系车辆挂靠经营关系，不属于劳动争议受案范围，已告知向人民法院起诉。",
    "not_labour": "系业主与物业服务企业之间的服务合同纠纷，不属于劳动争议受案范围，已告知向人民法院起诉。",
}  # fmt: skip


# --- office hours -------------------------------------------------------------------------------

# when a union office is open (China time), on the working days of the official calendar
OFFICE_HOURS = ((time(8, 30), time(11, 30)), (time(13, 30), time(17, 30)))


def in_office_hours(moment: datetime) -> bool:
    """Whether a person at a union office could act at `moment`."""
    local = ensure_utc(moment).astimezone(local_zone())
    return is_working_day(local.date()) and any(
        start <= local.time().replace(tzinfo=None) <= end for start, end in OFFICE_HOURS
    )


def office_moment(moment: datetime) -> datetime:
    """`moment` if it falls in office hours, else the next moment that does (UTC)."""
    zone = local_zone()
    local = ensure_utc(moment).astimezone(zone)
    while True:
        if is_working_day(local.date()):
            for start, end in OFFICE_HOURS:
                opens = datetime.combine(local.date(), start, tzinfo=zone)
                closes = datetime.combine(local.date(), end, tzinfo=zone)
                if local < opens:
                    return ensure_utc(opens)
                if local <= closes:
                    return ensure_utc(local)
        local = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)


def last_office_moment(moment: datetime) -> datetime:
    """`moment` if it falls in office hours, else the last moment before it that does (UTC)."""
    zone = local_zone()
    local = ensure_utc(moment).astimezone(zone)
    while True:
        if is_working_day(local.date()):
            for start, end in reversed(OFFICE_HOURS):
                opens = datetime.combine(local.date(), start, tzinfo=zone)
                closes = datetime.combine(local.date(), end, tzinfo=zone)
                if local > closes:
                    return ensure_utc(closes)
                if local >= opens:
                    return ensure_utc(local)
        local = datetime.combine(local.date() - timedelta(days=1), time(23, 59), tzinfo=zone)


def at_office(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` China time on `day`, or on the next working day if `day` is not one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return ensure_utc(datetime.combine(day, time(hour, minute), tzinfo=local_zone()))


def working_day_before(day: date) -> date:
    """`day` if it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def demo_spring_festival(now: datetime) -> date:
    """The Spring Festival whose run-up the demo's construction arrears peak shows: the last
    one at least a week before `now`."""
    today = local_date(now)
    festival = spring_festival(today.year)
    return festival if festival <= today - timedelta(days=7) else spring_festival(today.year - 1)


# --- identifiers --------------------------------------------------------------------------------

CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(rng: random.Random, old: bool) -> str:
    """A Changshu company's code: "91" (a company, the market regulator), region 320581, an
    organization code passing GB 11714 (digits for older registrations, "MA1…" after 2015)."""
    if old:
        body = "1421" + "".join(rng.choice("0123456789") for _ in range(4))
    else:
        body = "MA1" + "".join(rng.choice(CODE_ALPHABET) for _ in range(5))
    return make_credit_code("91", REGION, body)


def _id_number(rng: random.Random, region: str, born: date, male: bool) -> str:
    """GB 11643: region, birth date, a serial whose last digit is odd for men, the check digit."""
    serial = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)


def _trade(sector: str | None) -> str:
    if sector in CONSTRUCTION_SECTORS:
        return "construction"
    return "garment" if sector in GARMENT_SECTORS else "other"


def _worker(rng: random.Random, trade: str, on: date, names_used: set[str]) -> dict:
    """A worker of `trade` as of `on`: name, ID number (their origin's region, an age the trade
    employs), phone, and whether they are a migrant worker."""
    origin = rng.choices(list(ORIGINS), weights=ORIGIN_WEIGHTS[trade])[0]
    male = rng.random() < {"construction": 0.95, "garment": 0.2, "driver": 1}.get(trade, 0.55)
    pool = [n for n in (MALE_NAMES if male else FEMALE_NAMES) if n not in names_used]
    name = rng.choice(pool or (MALE_NAMES if male else FEMALE_NAMES))
    names_used.add(name)
    low, high = AGES[trade]
    born = on - timedelta(days=rng.randint(low * 365 + 10, high * 365))
    return {
        "worker_name": name,
        "worker_id_number": _id_number(rng, rng.choice(ORIGINS[origin]), born, male),
        "worker_phone": rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
        "is_migrant": origin != "local",
    }


def _hundreds(amount: float) -> int:
    return max(100, int(round(amount / 100.0)) * 100)


# --- loading ------------------------------------------------------------------------------------


def demo_logins() -> list[tuple[str, str, str]]:
    orgs = dict([CITY])
    for code, name, _place, _roads, children in TOWNS:
        orgs[code] = name
        orgs.update(dict(children))
    return [(u, role.value, orgs[org]) for u, _d, role, org in USERS]


def _loaded() -> bool:
    """The demo is there: its city, or the fictional city of the demo before it (whose logins
    are the same)."""
    return (
        db.session.scalar(select(Organization.id).where(Organization.code.in_([CITY[0], "JC"])))
        is not None
    )


def load_demo(password: str | None = None, now: datetime | None = None) -> tuple[bool, list]:
    """Load the demo once; returns (created?, logins). With `password`, every demo user gets it."""
    if _loaded():
        if password:
            for user in db.session.scalars(
                select(User).where(User.username.in_([u[0] for u in USERS]))
            ):
                user.set_password(password)
            db.session.commit()
        _load_circuit_court_and_meetings(last_office_moment(utcnow()))
        # a demo loaded before the worker services gets them now, once
        users = {u.username: u for u in db.session.scalars(select(User))}
        _load_advocate_team(last_office_moment(now or utcnow()), users)
        _load_hardship_and_legal_aid(last_office_moment(now or utcnow()), users)
        return False, demo_logins()
    now = now or utcnow()
    office_now = last_office_moment(now)  # the last moment a person could have acted
    rng = random.Random(2026)
    orgs = _load_orgs()
    users = _load_users(orgs, password or DEMO_PASSWORD)
    enterprises = _load_enterprises(orgs)
    db.session.commit()
    _load_advocate_team(office_now, users)  # before the cases: only trained advocates are assigned
    _load_cases(rng, now, orgs, users, enterprises)
    load_demo_incident(now)
    load_demo_projects(office_now)  # a construction project (docs/enterprise-file.md)
    load_demo_notices(office_now)  # (docs/enterprise-file.md)
    _load_merged_collective_case(now, users, enterprises)
    _bring_alerts_up_to_date(office_now, users)
    _load_circuit_court_and_meetings(office_now)
    _load_hardship_and_legal_aid(office_now, users)
    load_demo_returns(now)  # a town's submitted and approved return, and a draft (docs/returns.md)
    load_demo_surveys(now)
    return True, demo_logins()


DEMO_INCIDENT_PLACE = "海虞镇政府南门广场"
DEMO_SUBCONTRACTOR = "常熟市恒基建筑劳务有限公司"


def load_demo_incident(now: datetime) -> None:
    """One ended mass incident with its full report chain (verbal, written, follow-up, final),
    recorded as it would be: the advocate's quick form, the reports as they were made, the
    mediator completing the record and ending it, all through the real services with
    back-dated moments in office hours. Adds nothing when it is there already
    (docs/incidents.md)."""
    from mediation.incidents import services as incidents

    if (
        db.session.scalar(select(Incident.id).where(Incident.place == DEMO_INCIDENT_PLACE).limit(1))
        is not None
    ):
        return
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_(["xh_advocate", "xh_mediator"]))
    )}  # fmt: skip
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == DEMO_SUBCONTRACTOR))
    if len(users) < 2 or enterprise is None:
        return
    advocate, mediator = users["xh_advocate"], users["xh_mediator"]
    # a working day followed by another, both over before now: the gathering starts at nine
    day = working_day_before(local_date(now) - timedelta(days=3))
    while not is_working_day(day + timedelta(days=1)):
        day = working_day_before(day - timedelta(days=1))
    started = at_office(day, 9, 0)
    next_day = at_office(day + timedelta(days=1), 0)
    minutes = lambda n: started + timedelta(minutes=n)  # noqa: E731
    incident = incidents.create_incident(advocate, {
        "enterprise_id": enterprise.id, "place": DEMO_INCIDENT_PLACE,
        "started_at": started.isoformat(), "learned_at": minutes(10).isoformat(),
        "participants": 46, "behaviours": ["gathering", "petition"], "cause": "wage_arrears",
        "description": "恒基建筑劳务的农民工因项目工资拖欠未结清，到镇政府门口聚集讨薪。",
    }, now=minutes(15))  # fmt: skip
    chain = [
        (advocate, "verbal", minutes(25), "phone",
         "已电话报告市总工会值班室：约46名农民工在镇政府南门聚集讨薪，现场秩序尚可。"),
        (mediator, "written", minutes(100), "document",
         "书面报告已报市总：起因为劳务分包方拖欠工资约3个月，涉及46人，镇工会已到场劝导。"),
        (mediator, "follow_up", next_day + timedelta(hours=9), "phone",
         "续报：总包单位同意先行垫付一半工资，工人已返回工地，未再聚集。"),
    ]  # fmt: skip
    for who, kind, at, channel, content in chain:
        incidents.add_report(incident.id, who, {
            "kind": kind, "at": at.isoformat(), "channel": channel, "content": content,
        }, now=at)  # fmt: skip
    ended = next_day + timedelta(hours=15)
    incidents.update_incident(incident.id, mediator, {
        "status": "ended", "ended_at": ended.isoformat(),
        "demands": "结清所欠工资，明确剩余工资支付时间。",
        "measures": "镇工会现场劝导；约谈总包和分包单位；协调总包单位垫付工资。",
        "nature": "因欠薪引发的劳动者群体性讨薪，诉求合理，方式基本理性。",
        "trend": "工资垫付到位后情绪平稳，已全部返岗。",
        "escalation_risk": "若剩余工资未在约定日期前支付，可能再次聚集，规模约50人。",
        "impact": "镇政府门前交通短时受阻，未发生冲突。",
    }, now=ended)  # fmt: skip
    at = next_day + timedelta(hours=16, minutes=30)
    incidents.add_report(incident.id, mediator, {
        "kind": "final", "at": at.isoformat(), "channel": "document",
        "content": "终报：欠薪已全部结清，事件平息，已建立该项目工资支付周报制度。",
    }, now=at)  # fmt: skip


# the twelve workers of the merged collective case
SITE_WORKERS = [
    "周德胜", "吴海军", "郑国强", "冯志刚", "陈永福", "褚建平",
    "卫长青", "蒋友成", "沈金宝", "韩春林", "杨立新", "朱满仓",
]  # fmt: skip
COLLECTIVE_SITE = "常熟市宏远建设工程有限公司"


def _load_merged_collective_case(
    now: datetime, users: dict[str, User], enterprises: list[Enterprise]
) -> None:
    """Twelve workers of one building site who called the hotline one by one on one working
    day, merged into one collective case with three elected representatives
    (docs/collective.md). Its own random numbers, so the other demo cases stay as they were."""
    from mediation.cases import merging, roster

    rng = random.Random(1919)
    site = next(e for e in enterprises if e.name == COLLECTIVE_SITE)
    org = db.session.get(Organization, site.organization_id)
    assert org is not None  # (an enterprise's organization)
    mediator = users[_mediator_of(org)]
    day = working_day_before(local_date(now) - timedelta(days=4))
    merged_on = at_office(day + timedelta(days=1), 10)
    roster_on = at_office(local_date(merged_on) + timedelta(days=1), 10)
    reports = []
    received = at_office(day, 8, 45)
    for n in range(12):
        if n:
            received = office_moment(received + timedelta(minutes=rng.randint(20, 50)))
        owed = rng.randint(12, 19) * 500
        worker = _worker(rng, "construction", local_date(received), set(SITE_WORKERS))
        report = services.create_case(
            mediator,
            {
                "kind": CaseKind.arrears.value, "category": Category.remuneration.value,
                "enterprise_id": site.id, "handling_org_id": org.id,
                **worker, "worker_name": SITE_WORKERS[n], "workers_involved": 1,
                "is_migrant": True, "is_construction": True,
                "title": f"{site.name}常福安置房项目工人反映被拖欠两个月工资",
                "claim_amount": str(owed), "arrears_months": 2, "channel": Channel.hotline.value,
                "reported_at": received.isoformat(),
            },
            now=received,
        )  # fmt: skip
        reports.append(report)
    survivor = reports[0]
    merged = merging.merge_cases(
        survivor.id, mediator, {"case_ids": [r.id for r in reports[1:]], "version": survivor.version},
        now=merged_on,
    )  # fmt: skip
    workers = [roster.worker_as_dict(w) for w in merged.workers]
    for worker in workers[:3]:  # elected at the first meeting
        worker["representative"] = True
    roster.replace_roster(
        merged.id, mediator,
        {"workers": [_roster_input(w) for w in workers], "version": merged.version},
        now=roster_on,
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
    """Run the sweep as the scheduler would have, then let the Haiyu officer acknowledge what
    reached their desk, so the demo shows open, acknowledged and climbed alerts at every level.
    `now` is a moment in office hours."""
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
    for code, name, _place, _roads, children in TOWNS:
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
            email=f"{username}@demo.cs-union.example",
        )
        user.set_password(password)
        users[username] = user
    db.session.add_all(users.values())
    db.session.flush()
    return users


def _load_enterprises(orgs: dict[str, Organization]) -> list[Enterprise]:
    rng = random.Random(320581)
    places = {code: (place, roads) for code, _n, place, roads, _c in TOWNS}
    result = []
    for index, (key, name, org_code, sector, ownership, rep, headcount) in enumerate(
        ENTERPRISES, 1
    ):
        place, roads = places[
            org_code[: org_code.rfind("-")] if org_code.count("-") > 1 else org_code
        ]
        result.append(
            Enterprise(
                name=name,
                credit_code=_credit_code(rng, key in OLD_REGISTRATIONS),
                organization_id=orgs[org_code].id,
                address=f"江苏省常熟市{place}{rng.choice(roads)}{rng.randint(1, 388)}号",
                sector=sector,
                ownership=ownership,
                legal_representative=rep,
                headcount=headcount,
                has_union=index % 3 != 0,
                # every other employer has a contact: the hearing reminder reaches it
                **(
                    {
                        "contact_person": "人事部",
                        "contact_phone": f"0512{rng.randint(5100, 5299)}{rng.randint(0, 9999):04d}",
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


def _user_at(town: str, role: Role, *, within: bool = False) -> str | None:
    """The demo user of `role` at the town union `town` (`within`: or one of its grassroots
    unions)."""
    return next(
        (
            u
            for u, _d, r, org in USERS
            if r == role and (org == town or (within and org.startswith(town + "-")))
        ),
        None,
    )


def _mediator_of(org: Organization) -> str:
    name = _user_at(_town_code(org), Role.mediator)
    assert name is not None  # every town has a mediator
    return name


def _load_cases(rng, now, orgs, users, enterprises) -> None:
    by_key = {key: e for (key, *_rest), e in zip(ENTERPRISES, enterprises, strict=True)}
    latest = last_office_moment(now)
    festival = demo_spring_festival(now)
    names_used: set[str] = set()
    for index, (target, key, story, when) in enumerate(PLAN):
        enterprise = by_key[key]
        org = db.session.get(Organization, enterprise.organization_id)
        assert org is not None  # (an enterprise's organization)
        town = _town_code(org)
        actor = users[_mediator_of(org)]
        officer = users[_user_at(town, Role.officer) or "city_officer"]
        advocate = _user_at(town, Role.advocate, within=True)
        kind, category, title, (low, high), months_range, claim_months = STORIES[story]
        trade = _trade(enterprise.sector)
        workers = rng.randint(low, high)
        months = rng.randint(*months_range) if months_range else None
        wage = {"construction": rng.randint(70, 95), "garment": rng.randint(55, 75)}.get(
            trade, rng.randint(45, 70)
        ) * 100  # a month's wage
        claim = _hundreds(workers * wage * (months or rng.uniform(*(claim_months or (1, 1)))))
        state = target.split(":")[0]
        if when == "peak":  # the weeks before the Spring Festival
            day = festival - timedelta(days=rng.randint(8, 55))
        else:  # older cases have travelled further
            age_days = {"reported": rng.randint(0, 5), "accepted": rng.randint(3, 12),
                        "mediating": rng.randint(6, 35)}.get(state, rng.randint(25, 160))  # fmt: skip
            day = local_date(now) - timedelta(days=age_days)
        received = _office_time(rng, day)
        while received > latest:  # today's office hours have not come yet
            day = working_day_before(local_date(received) - timedelta(days=1))
            received = _office_time(rng, day)
        clock = min(office_moment(received + timedelta(minutes=rng.randint(10, 180))), latest)
        worker = _worker(rng, "driver" if story == "driver" else trade, local_date(received),
                         names_used)  # fmt: skip
        facts = title.format(n=workers, m=months or 1, c=CONTRACTOR[0])
        description = "申请人陈述：" + facts + "，多次与单位协商未果，请求工会协调解决。"
        if story == "contractor":
            description = (
                f"申请人陈述：{enterprise.name}将其承建的海虞镇安置房项目木工劳务分包给无施工资质的"
                f"自然人{CONTRACTOR[0]}（包工头，身份证号{CONTRACTOR[1]}，电话{CONTRACTOR[2]}），"
                f"{CONTRACTOR[0]}拖欠{workers}名农民工{months}个月工资后失去联系。依据《保障农民工工资"
                "支付条例》第三十条，请求由总承包单位先行清偿。"
            )
        payload = {
            "kind": kind.value,
            "category": category.value,
            "enterprise_id": enterprise.id,
            "handling_org_id": org.id,
            **worker,
            "workers_involved": workers,
            "is_construction": trade == "construction",
            "title": f"{enterprise.name}{facts}",
            "description": description,
            "claim_amount": str(claim),
            "channel": rng.choice(list(Channel)).value,
            "received_at": received.isoformat(),
            "infringement_known_at": (local_date(received) - timedelta(days=rng.randint(10, 200)))
            .isoformat(),
            "owner_absconded": story == "season_arrears" and state == "reported",
        }  # fmt: skip
        if kind == CaseKind.arrears:
            payload["is_migrant"] = True
        if months is not None:
            payload["arrears_months"] = months
        case = services.create_case(actor, payload, now=clock)

        def step(
            days: float, trigger: str, data: dict | None = None, who=actor, case_id=case.id
        ) -> None:
            nonlocal clock
            moved = clock + timedelta(days=days, minutes=rng.randint(5, 240))
            clock = min(office_moment(moved), latest)
            services.fire_trigger(case_id, trigger, who, data or {}, now=clock)

        if index % 2 == 0 and advocate is not None and target != "closed:rejected":
            services.assign_advocate(case.id, actor, users[advocate].id, now=clock)
        if story == "contractor":
            services.add_note(case.id, actor, {"kind": "visit", "body": (
                f"到项目部核实：{CONTRACTOR[0]}系自然人，无营业执照和建筑施工资质，以个人名义承接木工劳务；"
                "项目未按规定通过工资专用账户代发工资。已约谈总包单位项目经理。")}, now=clock)  # fmt: skip
        if target == "closed:rejected":
            step(1, "reject", {"reason": REJECTIONS[story]})
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
                who = users[advocate] if index % 2 == 0 and advocate is not None else actor
                services.add_note(case.id, who,
                                  {"kind": "visit", "body": "走访企业及工人宿舍，核实考勤与工资发放记录。"},
                                  now=min(office_moment(clock + timedelta(days=1)), latest))  # fmt: skip
            continue
        if state in ("failed", "referred") or target.startswith("closed:ruling"):
            step(
                rng.uniform(3, 9),
                "fail_mediation",
                {"reason": "双方对金额分歧较大，经两次调解未能达成一致。"},
            )
            if state == "failed":
                continue
            step(rng.uniform(1, 3), "refer", {
                "referral_target": ReferralTarget.arbitration.value,
                "referral_reference": f"常劳人仲案字〔{local_date(clock).year}〕第{rng.randint(100, 999)}号",
            })  # fmt: skip
            if state == "referred":
                continue
            result = RulingResult(target.split(":")[2])
            step(rng.uniform(30, 44), "record_ruling", {
                "result": result.value, "amount": f"{_award(rng, result, claim):.2f}",
            }, who=officer)  # fmt: skip
            continue
        gap = rng.uniform(3, 11)
        agreed = _hundreds(claim * rng.uniform(0.8, 1.0))
        due = working_day_before(local_date(clock) + timedelta(days=gap + rng.randint(10, 30)))
        payer = "总承包单位先行清偿" if story == "contractor" else "单位"
        step(gap, "record_agreement", {
            "terms": f"{payer}于{due.isoformat()}前一次性支付{agreed}元，双方就本争议再无其他纠纷。",
            "agreement_amount": f"{agreed:.2f}",
            "agreement_due_on": due.isoformat(),
        })  # fmt: skip
        if state == "agreement":
            continue
        step(rng.uniform(5, 25), "confirm_performance", {"paid_amount": f"{agreed:.2f}"})


def _office_time(rng: random.Random, day: date) -> datetime:
    """A random moment of the office hours of `day`, or of the next working day."""
    minutes = rng.randint(0, 419)  # 180 in the morning, 240 in the afternoon
    if minutes < 180:
        return at_office(day, 8, 30) + timedelta(minutes=minutes)
    return at_office(day, 13, 30) + timedelta(minutes=minutes - 180)


def _award(rng: random.Random, result: RulingResult, claim: int) -> int:
    """An award that agrees with the result: the whole claim when the worker wins, a part of it
    when partly or mediated in arbitration, nothing when the employer wins or it is dismissed."""
    if result == RulingResult.worker_won:
        return claim
    if result in (RulingResult.partly, RulingResult.mediated_in_arbitration):
        return _hundreds(claim * rng.uniform(0.5, 0.85))
    return 0


# --- the circuit court and joint meetings (docs/circuit-court-and-meetings.md) --------------------

DEMO_POINT = "虞山职工维权流动法庭"


def _load_circuit_court_and_meetings(now: datetime) -> None:
    """A hearing point at Yushan with a held and a scheduled hearing, and a meeting with the
    city government whose action items are one done and one overdue. Driven through the
    services at `now`, a moment in office hours; nothing is added when the point exists
    already."""
    from mediation.cases.enums import State
    from mediation.cases.models import Case, CaseEvent
    from mediation.hearings import services as hearings
    from mediation.hearings.models import HearingPoint
    from mediation.meetings import services as meetings

    if db.session.scalar(select(HearingPoint.id).where(HearingPoint.name == DEMO_POINT)):
        return
    users = {u.username: u for u in db.session.scalars(select(User))}
    town = db.session.scalar(select(Organization).where(Organization.code == "CS-YS"))
    if town is None or "city_officer" not in users or "dc_mediator" not in users:
        return
    point = hearings.create_point(users["city_officer"], {
        "name": DEMO_POINT, "organization_id": town.id, "partner_kind": "court",
        "partner_name": "常熟市人民法院虞山人民法庭", "address": "常熟市虞山街道黄河路18号职工服务中心",
    })  # fmt: skip
    mediator = users["dc_mediator"]
    open_cases = list(db.session.scalars(
        select(Case).where(Case.handling_org_id.in_(
            select(Organization.id).where(Organization.code.like("CS-YS%"))),
            Case.state.in_([State.accepted, State.mediating])).order_by(Case.id)
    ))  # fmt: skip
    # the held hearing: after the case's last event, ended two hours later, all in the past
    for case in open_cases:
        last = db.session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.seq.desc()).limit(1))  # fmt: skip
        if last is None:
            continue
        start = at_office(local_date(ensure_utc(last)) + timedelta(days=1), 9, 0)
        if start + timedelta(hours=3) > now:
            continue
        held = hearings.schedule_hearing(mediator, case.id, {
            "point_id": point.id, "kind": "mediation", "starts_at": start.isoformat(),
            "duration_minutes": 120, "note": "邀请法庭法官现场指导调解"},
            now=office_moment(ensure_utc(last) + timedelta(minutes=1)))  # fmt: skip
        hearings.record_outcome(mediator, held.id, {
            "outcome": "none", "workers_attending": case.workers_involved,
            "outcome_note": "双方就支付期限仍有分歧，约定下次继续调解"},
            now=start + timedelta(hours=2, minutes=20))  # fmt: skip
        open_cases.remove(case)
        break
    if open_cases:
        coming = at_office(local_date(now) + timedelta(days=3), 14)
        hearings.schedule_hearing(mediator, open_cases[0].id, {
            "point_id": point.id, "kind": "trial", "starts_at": coming.isoformat(),
            "duration_minutes": 150}, now=now)  # fmt: skip

    today = local_date(now)
    held_on = working_day_before(today - timedelta(days=40))
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
        "due_on": working_day_before(held_on + timedelta(days=10)).isoformat()}, now=now)  # fmt: skip
    meetings.set_item_status(users["city_officer"], meeting.id, done.id, {"status": "done"},
                             now=now)  # fmt: skip
    arrears = db.session.scalar(select(Case).where(Case.kind == CaseKind.arrears)
                                .order_by(Case.id).limit(1))  # fmt: skip
    meetings.add_action_item(users["city_officer"], meeting.id, {
        "title": "督促重点企业清偿拖欠农民工工资", "owner_body": "hrss",
        "due_on": working_day_before(today - timedelta(days=5)).isoformat(),
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
    introductory training, so the cases' assignments pass the training rule. Once only; `now`
    is a moment in office hours, the trainings were held on working days."""
    from mediation.advocates import services as team
    from mediation.advocates.models import TrainingSession

    if db.session.scalar(select(TrainingSession.id).limit(1)) is not None:
        return
    admin = users["admin"]
    advocates = [users[name] for name in ADVOCATE_PROFILES if name in users]
    if not advocates:
        return
    today = local_date(now)
    for advocate in advocates:
        specialties, days = ADVOCATE_PROFILES[advocate.username]
        team.update_profile(admin, advocate.id, {
            "specialties": specialties,
            "recruited_on": working_day_before(today - timedelta(days=days)).isoformat(),
        }, now=now)  # fmt: skip
    city = users["city_officer"].organization_id
    team.create_training(admin, {
        "topic": "维权志愿者入门培训：劳动争议调解基础与走访规范", "kind": "introductory",
        "held_on": working_day_before(today - timedelta(days=200)).isoformat(), "hours": "6",
        "trainer": "市总法律工作部 陈敏", "organization_id": city,
        "attendee_ids": [a.id for a in advocates],
    })  # fmt: skip
    team.create_training(admin, {
        "topic": "建筑领域欠薪线索发现与证据固定", "kind": "specialised",
        "held_on": working_day_before(today - timedelta(days=40)).isoformat(), "hours": "3",
        "trainer": "常熟市劳动人事争议仲裁院 刘仲裁员", "organization_id": city,
        "attendee_ids": [a.id for a in advocates if a.username != "ng_advocate"],
    })  # fmt: skip


def _load_hardship_and_legal_aid(now: datetime, users: dict[str, User]) -> None:
    """Hardship files opened from arrears cases' workers (with festival and school aid) and
    legal-aid referrals of the failed and referred cases. Once only; `now` is a moment in
    office hours, aid was given and referrals made on working days."""
    from mediation.cases.enums import State
    from mediation.cases.models import Case
    from mediation.hardship import services as hardship
    from mediation.hardship.models import HardshipFile
    from mediation.legalaid import services as legal_aid

    if db.session.scalar(select(HardshipFile.id).limit(1)) is not None:
        return
    if not all(u[0] in users for u in USERS):
        return
    today = local_date(now)
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
        mediator = users[_mediator_of(case.handling_org)]
        kind, level, income, household = stories[index % len(stories)]
        values = hardship.prefill_from_case(mediator, case.id)
        review = today + timedelta(days=20) if index == 0 else None  # a reminder to show
        file = hardship.open_file(mediator, {
            **{k: v for k, v in values.items() if v not in ("", None)},
            "hardship_type": kind, "level": level, "income_per_head": income,
            "household_size": 3 + index % 2, "household": household,
            "certificate_number": f"常工困证〔{today.year}〕{index + 1:03d}号",
            **({"review_due_on": review.isoformat()} if review else {}),
        }, now=now)  # fmt: skip
        hardship.record_aid(mediator, file.id, {
            "given_on": working_day_before(today - timedelta(days=30 + index)).isoformat(),
            "kind": "festival", "amount": "1000.00", "source": "市总工会送温暖专项资金",
            "campaign": f"{today.year}年元旦春节送温暖", "approved_by": users["city_officer"].display_name,
        }, now=now)  # fmt: skip
        if kind == "school_costs":
            hardship.record_aid(mediator, file.id, {
                "given_on": working_day_before(today - timedelta(days=90)).isoformat(),
                "kind": "education", "amount": "3000.00", "source": "金秋助学基金",
                "campaign": "金秋助学", "approved_by": users["dc_officer"].display_name,
            }, now=now)  # fmt: skip
    referable = db.session.scalars(
        select(Case).where(Case.state.in_([State.failed, State.referred])).order_by(Case.id)
    ).all()
    for index, case in enumerate(referable[:3]):
        mediator = users[_mediator_of(case.handling_org)]
        referral = legal_aid.refer(mediator, case.id, {
            "referred_on": working_day_before(today - timedelta(days=20 - index)).isoformat(),
            "provider": ["union_centre", "justice_centre", "lawyer"][index],
            "provider_name": ["常熟市总工会职工法律援助中心", "常熟市法律援助中心",
                              "江苏虞枫律师事务所"][index],
            "stage": "arbitration", "workers": case.workers_involved,
        }, now=now)  # fmt: skip
        if index == 0:
            legal_aid.update_referral(mediator, referral.id, {
                "accepted": True, "lawyer": "王律师", "stage": "enforcement", "result": "won",
                "amount_recovered": f"{(case.claim_amount_fen or 0) * 0.8 / 100:.2f}",
            }, now=now)  # fmt: skip
