"""Presentation of case inputs: field labels and the widgets of each trigger's form.

Trigger forms are derived from the trigger's payload schema, so a field added to a schema
appears in its form and the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import fields as mfields
from werkzeug.datastructures import MultiDict

from mediation.cases import schemas
from mediation.cases.workflow import Trigger
from mediation.core.fields import Money

FIELD_LABELS = {
    "kind": "案件类型",
    "category": "争议类别",
    "enterprise_id": "用人单位",
    "enterprise.name": "新单位名称",
    "enterprise.credit_code": "统一社会信用代码",
    "enterprise.address": "单位地址",
    "enterprise.legal_representative": "法定代表人",
    "worker_name": "劳动者代表姓名",
    "worker_phone": "联系电话",
    "worker_id_number": "身份证号码",
    "workers_involved": "涉及人数",
    "is_migrant": "农民工",
    "is_construction": "工程建设领域",
    "title": "案由摘要",
    "description": "情况说明",
    "claim_amount": "请求金额（元）",
    "arrears_months": "欠薪月数",
    "channel": "来源渠道",
    "received_at": "收到申请时间",
    "infringement_known_at": "知道权利受侵害日期",
    "employment_ended_at": "劳动关系终止日期",
    "owner_absconded": "老板跑路/失联",
    "incident_in_progress": "正在发生群体性事件",
    "handling_org_id": "承办单位",
    "mediator_id": "调解员",
    "reason": "理由",
    "note": "备注",
    "terms": "协议内容",
    "agreement_amount": "协议金额（元）",
    "agreement_due_on": "履行期限",
    "paid_amount": "已支付金额（元）",
    "referral_target": "移送机构",
    "referral_reference": "移送文号/受理编号",
    "result": "裁决结果",
    "amount": "裁决金额（元）",
    "body": "内容",
    "user_id": "志愿者",
    "version": "版本",
}

CHECKBOXES = ("is_migrant", "is_construction", "owner_absconded", "incident_in_progress")


@dataclass
class FormField:
    name: str
    label: str
    widget: str  # text, textarea, money, date, select, number
    required: bool
    choices: list[tuple[str, str]] | None = None


def trigger_form_fields(trigger: Trigger) -> list[FormField]:
    """The inputs of a trigger's form, from its payload schema (the optional note last)."""
    result = []
    schema = trigger.payload()
    for name, field in schema.fields.items():
        key = field.data_key or name
        if isinstance(field, Money):
            widget = "money"
        elif isinstance(field, mfields.Date):
            widget = "date"
        elif isinstance(field, mfields.Enum):
            widget = "select"
        elif isinstance(field, mfields.Integer):
            widget = "select"  # ids: the view supplies the choices
        else:
            length = next((v.max for v in field.validators if hasattr(v, "max")), None)
            widget = "textarea" if (length or 0) > schemas.SHORT_TEXT else "text"
        choices = field.enum.choices() if isinstance(field, mfields.Enum) else None
        result.append(FormField(key, FIELD_LABELS.get(key, key), widget, field.required, choices))
    result.sort(key=lambda f: f.name == "note")
    return result


def form_payload(form: MultiDict, *, drop: tuple[str, ...] = ("csrf_token",)) -> dict:
    """A submitted form as a payload: blank inputs are left out, as if not given."""
    return {
        key: value.strip() if isinstance(value, str) else value
        for key, value in form.items()
        if key not in drop and not (isinstance(value, str) and value.strip() == "")
    }


def case_form_payload(form: MultiDict, *, include_unchecked: bool) -> dict:
    """The new-case / edit form as a payload: nested new enterprise, checkbox booleans."""
    payload = form_payload(form)
    enterprise = {
        key.split(".", 1)[1]: payload.pop(key)
        for key in list(payload)
        if key.startswith("enterprise.")
    }
    if not payload.get("enterprise_id") and enterprise:
        payload["enterprise"] = enterprise
    for name in CHECKBOXES:
        if name in payload:
            payload[name] = True
        elif include_unchecked:
            payload[name] = False
    return payload
