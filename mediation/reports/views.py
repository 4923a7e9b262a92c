"""Reports pages: statistics with charts, exports (case list, statistics, watch list), the
enterprise watch list and the admin upload of hotline logs. Thin: parse, check access, call the
query layer (`stats`, `exports`, `watchlist`) or the importer, render."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, render_template, request
from flask_babel import format_currency, format_decimal, get_locale
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, ValidationError
from sqlalchemy import select

from mediation.accounts.models import Role
from mediation.cases.enums import CaseKind, Channel, State, WarningLevel
from mediation.core.clock import local_date, utcnow
from mediation.core.errors import PermissionDenied
from mediation.core.i18n import translate_field_errors
from mediation.core.messages import N_
from mediation.core.tables import download, export_format
from mediation.core.web import label
from mediation.enterprises.models import Ownership
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import organizations_in_subtree
from mediation.reports import api as reports_api
from mediation.reports import exports, stats
from mediation.reports.stats.incidents import incident_figures

bp = Blueprint("reports", __name__)

# the rows of the comparison table (`stats.COMPARED`): the page's money shows with its currency
COMPARED_LABELS = {
    **exports.COMPARED_LABELS,
    "wage_arrears_claimed": N_("Wages owed"),
    "wage_arrears_recovered": N_("Wages recovered"),
    "recovered": N_("Amount recovered"),
}
COMPARED_MONEY = frozenset(("wage_arrears_claimed", "wage_arrears_recovered", "recovered"))


def money(yuan: str | None) -> str:
    """An amount in yuan with the currency and thousands separators of the user's language
    (Babel); none as a dash. Exports keep numbers (`exports.py`)."""
    return "—" if yuan is None else format_currency(Decimal(yuan), "CNY")


def number(value: int | None) -> str:
    return "—" if value is None else format_decimal(value)


def percent(rate: float | None) -> str:
    return "—" if rate is None else format_decimal(rate * 100, format="#,##0.0") + "%"


def _require_staff() -> None:
    if current_user.role == Role.advocate:
        raise PermissionDenied("Advocates do not use the reports.")


def _organizations() -> list[Organization]:
    """The organizations a user may report on: the subtree of the user's organization (the
    whole network for administrators)."""
    if current_user.role == Role.admin:
        root = db.session.scalar(select(Organization.id).where(Organization.tier == Tier.city))
    else:
        root = current_user.organization_id
    return organizations_in_subtree(root) if root is not None else []


def _period_form(organizations: list[Organization]) -> tuple[dict, dict]:
    """(values, field errors) of the period and organization form."""
    raw = {k: v for k, v in request.args.items() if k in ("from", "to", "org") and v != ""}
    try:
        values = reports_api.SummaryQuery(unknown=EXCLUDE).load(raw)
    except ValidationError as exc:
        return raw, translate_field_errors(exc.messages_dict)
    if values.get("org") is not None and values["org"] not in {o.id for o in organizations}:
        return raw, translate_field_errors({"org": [N_("Not an organization you may see.")]})
    today = local_date(utcnow())
    values.setdefault("from_", today.replace(month=1, day=1))
    values.setdefault("to", today)
    if values["to"] < values["from_"]:
        return raw, translate_field_errors(
            {"to": [N_("The end of the period is before its start.")]}
        )
    return values, {}


@bp.route("/reports")
@login_required
def reports_page():
    _require_staff()
    organizations = _organizations()
    values, errors = _period_form(organizations)
    context = {"organizations": organizations, "errors": errors, "values": values}
    if errors:
        return render_template("reports/index.html", **context), 422
    period = stats.Period(values["from_"], values["to"])
    org_id = values.get("org")
    rollups = stats.Rollups(current_user, period, org_id)  # read once for the three
    # every part of the period and of the comparison periods at once (concurrently on
    # PostgreSQL)
    comparison = stats.compare(current_user, period, org_id, rollups=rollups)
    charts = stats.series(current_user, period, org_id, rollups=rollups)
    return render_template(
        "reports/index.html",
        **context,
        period=period,
        org_id=org_id,
        data=stats.report(current_user, period, org_id, rollups=rollups),
        towns=stats.by_town(current_user, period, org_id, rollups=rollups),
        charts=charts,
        incidents=incident_figures(current_user, period, org_id),
        comparison=comparison,
        compared_labels=COMPARED_LABELS,
        compared_rates=stats.RATES,
        compared_money=COMPARED_MONEY,
        ownership_labels={o.value: str(o.label) for o in Ownership},
        channel_labels={c.value: str(label(c)) for c in Channel},
        money=money,
        recovered_text=[money(amount) for amount in charts["recovered"]],
        number=number,
        percent=percent,
        money_locale=str(get_locale()).replace("_", "-"),
        buckets=stats.BUCKETS,
        bucket_labels=stats.BUCKET_LABELS,
        methods=stats.CLOSURE_METHODS,
        method_labels=stats.METHOD_LABELS,
        results=stats.CLOSURE_RESULTS,
        result_labels=stats.RESULT_LABELS,
        kinds=list(CaseKind),
        tiers=list(Tier),
        levels=list(WarningLevel),
        state_labels={s.value: str(label(s)) for s in State},
        level_labels={lv.value: str(label(lv)) for lv in WarningLevel},
        # legends follow the workflow and the severity, not the alphabet (tojson sorts keys)
        state_order=[s.value for s in State],
        level_order=[lv.value for lv in WarningLevel],
        export_args={
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            **({"org": org_id} if org_id else {}),
        },
    )


@bp.route("/reports/export")
@login_required
def reports_export():
    _require_staff()
    fmt = export_format()
    values, errors = _period_form(_organizations())
    if errors:
        abort(400)
    period = stats.Period(values["from_"], values["to"])
    tables = exports.stats_tables(current_user, period, values.get("org"))
    return download(fmt, tables, "stats")
