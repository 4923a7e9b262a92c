"""Pages: an enterprise's surveys and their form (also on the enterprise's page, through the
`survey_panel` template helper), the spreadsheet import and the coverage report
(docs/enterprise-file.md "Labour-relations survey")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mediation.core.clock import local_date, utcnow
from mediation.core.errors import ValidationFailed
from mediation.core.i18n import _
from mediation.enterprises.models import Enterprise
from mediation.surveys import importer, services
from mediation.surveys.figures import figures, percent
from mediation.surveys.models import CollectiveContractType, LabourSurvey
from mediation.surveys.reports import GROUPINGS, coverage_report
from mediation.surveys.schemas import BOOLEAN_FIELDS, FIELDS

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

bp = Blueprint("surveys", __name__)


def _values_of(survey: LabourSurvey | None) -> dict[str, str]:
    """The form's values: a recorded survey's, or blank (a new year's survey starts from the
    last one's figures, which change little from year to year)."""
    if survey is None:
        return {}
    values: dict[str, str] = {}
    for name in FIELDS:
        value = getattr(survey, name)
        if name in BOOLEAN_FIELDS:
            values[name] = "1" if value else ""
        elif value is None:
            values[name] = ""
        else:
            values[name] = str(getattr(value, "value", value))
    values["as_of"] = local_date(utcnow()).isoformat()
    return values


def form_payload(form: Any) -> dict:
    """The form as the schema takes it: blanks omitted, boxes ticked or not."""
    payload: dict[str, Any] = {}
    for name in FIELDS:
        if name in BOOLEAN_FIELDS:
            payload[name] = form.get(name) == "1"
            continue
        text = (form.get(name) or "").strip()
        if text:
            payload[name] = text
        elif name == "collective_contract":
            payload[name] = None
    return payload


def _figures(survey: LabourSurvey):
    return figures(survey, today=local_date(utcnow()), threshold=services.threshold())


@bp.app_template_global()
def survey_panel(enterprise: Enterprise) -> dict:
    """What the enterprise's page shows of its surveys: the latest with its figures, and the
    form's values (the enterprise page's view stays below this package)."""
    if current_user.role not in services.SURVEY_USERS:
        return {"visible": False}
    _enterprise, surveys = services.surveys_of(current_user, enterprise.id)
    latest = surveys[0] if surveys else None
    return {
        "visible": True,
        "latest": latest,
        "figures": _figures(latest) if latest else None,
        "current_year": local_date(utcnow()).year,
        "values": _values_of(latest),
        "errors": {},
        "types": list(CollectiveContractType),
        "threshold": services.threshold(),
    }


@bp.app_template_filter("rate")
def rate_filter(value: Any) -> str:
    return percent(value)


@bp.route("/enterprises/<id:enterprise_id>/surveys", methods=["GET", "POST"])
@login_required
def surveys(enterprise_id: int) -> ResponseReturnValue:
    """The enterprise's surveys, year by year, and the form for this year's."""
    enterprise, recorded = services.surveys_of(current_user, enterprise_id)
    values = _values_of(recorded[0] if recorded else None)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = {name: (request.form.get(name) or "").strip() for name in FIELDS}
        try:
            services.record_survey(current_user, enterprise.id, form_payload(request.form))
        except ValidationFailed as exc:
            errors, status = exc.fields, 422
        else:
            flash(_("The survey is saved."), "success")
            return redirect(url_for("surveys.surveys", enterprise_id=enterprise.id))
    return render_template(
        "surveys/surveys.html",
        enterprise=enterprise,
        surveys=[(s, _figures(s)) for s in recorded],
        panel={"values": values, "errors": errors, "types": list(CollectiveContractType)},
        threshold=services.threshold(),
    ), status


@bp.route("/enterprises/surveys/import", methods=["GET", "POST"])
@login_required
def import_surveys() -> ResponseReturnValue:
    """Upload a spreadsheet of surveys: every row is written, or none (docs/enterprise-file.md
    "Import")."""
    services.require_user(current_user)
    columns = importer.COLUMNS
    if request.method == "GET":
        return render_template("surveys/import.html", columns=columns, checked=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("surveys/import.html", columns=columns, checked=None,
                               missing_file=True), 422  # fmt: skip
    data = upload.read(importer.MAX_BYTES + 1)
    if len(data) > importer.MAX_BYTES:
        checked = importer.Checked(fatal=_("The file is larger than 4 MB."))
    else:
        checked = importer.import_file(current_user, upload.filename, data)
    if checked.ok:
        flash(_("%(n)s surveys imported.", n=len(checked.rows)), "success")
        return redirect(url_for("surveys.import_surveys"))
    return render_template("surveys/import.html", columns=columns, checked=checked), 422


@bp.route("/reports/labour-contracts")
@login_required
def report() -> ResponseReturnValue:
    """Signing rates and collective-contract coverage by town, ownership and sector."""
    services.require_user(current_user)
    this_year = local_date(utcnow()).year
    year = request.args.get("year", this_year, type=int) or this_year
    if not 1990 <= year <= 2100:
        year = this_year
    return render_template(
        "surveys/report.html",
        report=coverage_report(current_user, year),
        groupings=GROUPINGS,
        years=range(this_year, this_year - 5, -1),
    )
