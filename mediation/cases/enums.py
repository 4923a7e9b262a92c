"""The coded vocabularies of a case (design.md §4). Codes are stored; labels are for people."""

from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    @property
    def label(self) -> str:
        return LABELS.get(self, self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class CaseKind(LabelledEnum):
    dispute = "dispute"
    arrears = "arrears"


class Category(LabelledEnum):
    employment_relationship = "employment_relationship"
    contract = "contract"
    dismissal = "dismissal"
    remuneration = "remuneration"
    social_insurance = "social_insurance"
    working_conditions = "working_conditions"
    injury_compensation = "injury_compensation"
    other = "other"

    @property
    def statistics_bucket(self) -> str:
        return STATISTICS_BUCKETS[self]


STATISTICS_BUCKETS = {
    Category.employment_relationship: "other",
    Category.contract: "change_of_contract",
    Category.dismissal: "rescission_termination",
    Category.remuneration: "remuneration",
    Category.social_insurance: "social_insurance",
    Category.working_conditions: "other",
    Category.injury_compensation: "other",
    Category.other: "other",
}

# Claims for which a worker may ask a court for a payment order (LDMAL art. 16).
PAYMENT_ORDER_CATEGORIES = frozenset({Category.remuneration, Category.injury_compensation})


class Channel(LabelledEnum):
    walk_in = "walk_in"
    hotline = "hotline"
    advocate = "advocate"
    online = "online"
    referral = "referral"
    inspection = "inspection"


class Outcome(LabelledEnum):
    not_accepted = "not_accepted"
    agreement_performed = "agreement_performed"
    withdrawn = "withdrawn"
    worker_won = "worker_won"
    employer_won = "employer_won"
    partly = "partly"
    mediated_in_arbitration = "mediated_in_arbitration"
    dismissed = "dismissed"


class ReferralTarget(LabelledEnum):
    arbitration = "arbitration"
    payment_order = "payment_order"
    labor_inspection = "labor_inspection"
    police = "police"
    court = "court"


class RulingResult(LabelledEnum):
    worker_won = "worker_won"
    employer_won = "employer_won"
    partly = "partly"
    mediated_in_arbitration = "mediated_in_arbitration"
    dismissed = "dismissed"


class WarningLevel(LabelledEnum):
    """Lowest to highest; the order of the members is the order of severity."""

    blue = "blue"
    yellow = "yellow"
    orange = "orange"
    red = "red"


class EventKind(LabelledEnum):
    created = "created"
    transition = "transition"
    edit = "edit"
    note = "note"
    visit = "visit"
    assignment = "assignment"
    attachment = "attachment"
    alert = "alert"
    acknowledgement = "acknowledgement"
    takeover = "takeover"


LABELS: dict[enum.Enum, str] = {
    CaseKind.dispute: "劳动争议",
    CaseKind.arrears: "欠薪",
    Category.employment_relationship: "确认劳动关系",
    Category.contract: "劳动合同订立、履行、变更",
    Category.dismissal: "解除、终止、辞退、辞职",
    Category.remuneration: "劳动报酬",
    Category.social_insurance: "社会保险",
    Category.working_conditions: "工时、休假、福利、培训、劳动保护",
    Category.injury_compensation: "工伤医疗费、经济补偿或赔偿金",
    Category.other: "其他",
    Channel.walk_in: "来访",
    Channel.hotline: "热线",
    Channel.advocate: "志愿者报告",
    Channel.online: "网上申请",
    Channel.referral: "转办",
    Channel.inspection: "排查发现",
    Outcome.not_accepted: "不予受理",
    Outcome.agreement_performed: "协议履行完毕",
    Outcome.withdrawn: "撤回",
    Outcome.worker_won: "劳动者胜诉",
    Outcome.employer_won: "用人单位胜诉",
    Outcome.partly: "双方部分胜诉",
    Outcome.mediated_in_arbitration: "仲裁调解结案",
    Outcome.dismissed: "驳回",
    ReferralTarget.arbitration: "劳动人事争议仲裁委员会",
    ReferralTarget.payment_order: "人民法院（支付令）",
    ReferralTarget.labor_inspection: "劳动保障监察",
    ReferralTarget.police: "公安机关",
    ReferralTarget.court: "人民法院",
    RulingResult.worker_won: "劳动者胜诉",
    RulingResult.employer_won: "用人单位胜诉",
    RulingResult.partly: "双方部分胜诉",
    RulingResult.mediated_in_arbitration: "仲裁调解结案",
    RulingResult.dismissed: "驳回",
    WarningLevel.blue: "蓝色预警",
    WarningLevel.yellow: "黄色预警",
    WarningLevel.orange: "橙色预警",
    WarningLevel.red: "红色预警",
    EventKind.created: "登记",
    EventKind.transition: "流转",
    EventKind.edit: "修改",
    EventKind.note: "进展记录",
    EventKind.visit: "走访记录",
    EventKind.assignment: "指派",
    EventKind.attachment: "证据",
    EventKind.alert: "预警",
    EventKind.acknowledgement: "预警签收",
    EventKind.takeover: "接管",
}
