"""API: cases, their transitions, timeline, notes and evidence (docs/architecture.md "The API").

Input goes through the same marshmallow schemas and services as the web pages; this module only
parses, calls a service and dumps. Output schemas live here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, send_file
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from mediation.accounts.models import Role, User
from mediation.cases import (
    attachments,
    clock_events,
    duplicates,
    merging,
    queries,
    referrals,
    roster,
    saved_filters,
    schemas,
    services,
    supervision,
    workflow,
)
from mediation.cases.access import load_payload
from mediation.cases.api_schemas import (
    TRANSITION_SCHEMAS,
    AttachmentListSchema,
    AttachmentSchema,
    CaseListQuery,
    CaseSchema,
    CaseSummarySchema,
    ClockListSchema,
    DuplicateListSchema,
    EventListSchema,
    EventSchema,
    RosterResponseSchema,
    case_summary,
    clock_item,
)
from mediation.cases.export import case_tables
from mediation.cases.queries import CaseFilterSchema
from mediation.cases.scope import get_readable_case, get_visible_case
from mediation.core.api import (
    ApiError,
    Blueprint,
    authenticated,
    file_response,
    page_of,
    per_page,
)
from mediation.core.db import read_only
from mediation.core.errors import PermissionDenied, ValidationFailed
from mediation.core.schemas import MAX_ID, Length, Range, StrictSchema, id_field
from mediation.core.tables import EXPORT_MEDIA, FORMAT_FIELD, download

# --- endpoints -----------------------------------------------------------------------------

bp = Blueprint("cases_api", __name__)


@bp.route("/cases", methods=["GET"])
@authenticated
@bp.arguments(CaseListQuery, location="query")
@bp.response(200, page_of(CaseSummarySchema))
@read_only
def list_cases(query: dict[str, Any], user: User) -> Any:
    """List cases in scope

    Filter, sort and page through the cases the caller may see; each item is a summary
    (`GET /cases/{id}` has the whole case). Matching cases are counted up to CASES_COUNT_LIMIT
    (1,000 by default) or the end of the asked page: beyond that `total` is that bound and
    `total_is_capped` is true."""
    page = queries.paginate_case_list(
        user, query, query["page"], per_page(query), current_app.config["CASES_COUNT_LIMIT"]
    )
    role = str(user.role)
    return jsonify(
        items=[case_summary(row, role) for row in page.items],
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        total_is_capped=page.total_is_capped,
    )


@bp.route("/cases", methods=["POST"])
@authenticated
@bp.arguments(schemas.CaseCreateSchema)
@bp.response(201, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def create_case(body: dict[str, Any], user: User) -> Any:
    """Register a case

    A new case in state `reported`; the immediate warning rules run in the same
    transaction, so a severe case's alerts exist when this answers."""
    return services.create_case(user, body)


@bp.route("/cases/<id:case_id>", methods=["GET"])
@authenticated
@bp.response(200, CaseSchema)
def get_case(user: User, case_id: int) -> Any:
    """One case

    With `allowed_triggers` for the caller and the `version` to send back with changes. A case
    taken over from the caller's union by a higher one is answered `read_only` (docs/security.md
    "Read-only access after a take-over")."""
    case, read_only = get_readable_case(user, case_id)
    case.read_only_for_caller = read_only  # type: ignore[attr-defined]
    return case


@bp.route("/cases/<id:case_id>", methods=["PATCH"])
@authenticated
@bp.arguments(schemas.CaseEditSchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def edit_case(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Edit a case's facts

    The body carries the `version` the client read; a stale version answers 409 with the
    current one and changes nothing."""
    get_visible_case(user, case_id, writing=True)
    return services.update_facts(case_id, user, body)


@bp.route("/cases/<id:case_id>/transitions", methods=["POST"])
@authenticated
@bp.arguments({"oneOf": TRANSITION_SCHEMAS})
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def transition(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Fire a lifecycle trigger

    `{trigger, version, …payload}`. Not allowed from the current state or a stale version
    → 409; the role may not → 403; bad payload → 422 with the fields named."""
    payload = dict(body)
    trigger = payload.pop("trigger", None)
    version = payload.pop("version", None)
    errors = {}
    if not isinstance(trigger, str) or not trigger:
        errors["trigger"] = ["Missing data for required field."]
    if version is None:
        errors["version"] = ["Missing data for required field."]
    elif isinstance(version, bool) or not isinstance(version, int) or version < 0:
        errors["version"] = ["Not a valid integer."]
    if errors:
        get_visible_case(user, case_id, writing=True)  # out of scope stays 404 whatever the body
        raise ValidationFailed(errors)
    return services.fire_trigger(case_id, trigger, user, payload, expected_version=version)


@bp.route("/cases/<id:case_id>/events", methods=["GET"])
@authenticated
@bp.response(200, EventListSchema)
def case_events(user: User, case_id: int) -> Any:
    """The case's timeline

    Every event, oldest first, with its hash (the audit chain). Also for a case taken over
    from the caller's union (read-only)."""
    case, _read_only = get_readable_case(user, case_id)
    return {"items": services.timeline(case)}


@bp.route("/cases/<id:case_id>/notes", methods=["POST"])
@authenticated
@bp.arguments(schemas.NoteSchema)
@bp.response(201, EventSchema)
def add_note(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Add a progress note or visit record

    Every role that can see the case may add one (`kind`: note or visit)."""
    get_visible_case(user, case_id, writing=True)
    return services.add_note(case_id, user, body)


@bp.route("/cases/<id:case_id>/attachments", methods=["GET"])
@authenticated
@bp.response(200, AttachmentListSchema)
def list_attachments(user: User, case_id: int) -> Any:
    """The case's evidence files"""
    return {"items": attachments.case_attachments(user, case_id)}


class UploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "the evidence file"})


@bp.route("/cases/<id:case_id>/attachments", methods=["POST"])
@authenticated
@bp.arguments(UploadSchema, location="files")
@bp.response(201, AttachmentSchema)
@bp.alt_response(409, response="CONFLICT")
def upload_attachment(files: dict[str, Any], user: User, case_id: int) -> Any:
    """Upload evidence

    multipart/form-data with one `file`. Size and type are limited (ATTACHMENT_MAX_BYTES;
    documents, images, audio); a refused upload stores nothing."""
    get_visible_case(user, case_id, writing=True)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "send the file as multipart/form-data")
    upload = files.get("file")
    if upload is None:
        raise ValidationFailed({"file": ["Missing data for required field."]})
    return attachments.add_attachment(case_id, user, upload.stream, upload.filename)


@bp.route("/cases/<id:case_id>/attachments/<id:attachment_id>", methods=["GET"])
@authenticated
@bp.doc(responses={200: file_response(attachments.CONTENT_TYPES)})
def download_attachment(user: User, case_id: int, attachment_id: int) -> Any:
    """Download evidence"""
    attachment, content = attachments.get_attachment(user, case_id, attachment_id)
    return send_file(
        content,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )


@bp.route("/cases/<id:case_id>/mediator", methods=["POST"])
@authenticated
@bp.arguments(schemas.AssignMediatorSchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def assign_mediator(body: dict[str, Any], user: User, case_id: int) -> Any:
    """(Re)assign the case's mediator

    `{mediator_id, version}`: an active mediator who can see the case (at its handling
    organization or above). Mediators, officers and administrators; open cases only; a stale
    version is 409."""
    return services.assign_mediator(case_id, user, body)


@bp.route("/cases/<id:case_id>/takeover", methods=["POST"])
@authenticated
@bp.arguments(schemas.TakeoverSchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def take_over(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Take the case over to one's organization

    `{version, reason}`: an officer (or administrator) whose organization is above the
    case's handling organization moves the open case to it; a mediator who cannot see it any
    more is unassigned and the alerts follow the case."""
    return services.take_over(case_id, user, body)


# --- roster, duplicates, merge and split (docs/collective.md; design.md §8a) -------------------


def _roster_answer(case: Any) -> dict:
    return {
        "items": list(case.workers),
        "version": case.version,
        "workers_involved": case.workers_involved,
        "claim_amount": case.claim_amount_fen,
        "representatives_missing": roster.representatives_missing(case),
    }


@bp.route("/cases/<id:case_id>/workers", methods=["GET"])
@authenticated
@bp.response(200, RosterResponseSchema)
def get_workers(user: User, case_id: int) -> Any:
    """The case's roster

    Each worker with what they are owed and paid and whether they are an elected
    representative; ID numbers are masked for advocates. Empty: a case without a roster (its
    single worker's fields and typed head-count)."""
    return _roster_answer(get_readable_case(user, case_id)[0])


@bp.route("/cases/<id:case_id>/workers", methods=["PUT"])
@authenticated
@bp.arguments(roster.RosterSchema)
@bp.response(200, RosterResponseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def put_workers(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Replace the case's roster

    `{workers: [...], version}`: all rows or none (422 names each bad row, `workers.3.id_number`).
    With a roster, `workers_involved` is its size and the claim the sum owed; a collective
    dispute's representatives are three to five (LDMAL art. 7). Stale version → 409."""
    get_visible_case(user, case_id, writing=True)
    return _roster_answer(roster.replace_roster(case_id, user, body))


@bp.route("/cases/<id:case_id>/duplicates", methods=["GET"])
@authenticated
@bp.response(200, DuplicateListSchema)
@read_only
def get_duplicates(user: User, case_id: int) -> Any:
    """Possible duplicates of the case

    Open cases in the caller's scope with the same employer and an overlapping category within
    DUPLICATE_WINDOW_DAYS (30 by default), or the same worker ID number or phone; most likely
    first, each with its score and reasons."""
    case = get_visible_case(user, case_id)
    return {"items": duplicates.find_duplicates(user, duplicates.probe_of(case))}


@bp.route("/cases/<id:case_id>/merge", methods=["POST"])
@authenticated
@bp.arguments(merging.MergeSchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def merge(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Merge other cases into this one

    `{case_ids, version}`: the cases close with the outcome `merged`, their workers join this
    case's roster (once per ID number) and both timelines record the link; the warning rules
    run in the same transaction. Answers the surviving case."""
    get_visible_case(user, case_id, writing=True)
    return merging.merge_cases(case_id, user, body)


@bp.route("/cases/<id:case_id>/split", methods=["POST"])
@authenticated
@bp.arguments(merging.SplitSchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def split(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Split a merged case off again

    `{case_id, version}`: the merged case reopens as a report and its workers leave this
    case's roster; both timelines record it. Answers this (the surviving) case."""
    get_visible_case(user, case_id, writing=True)
    return merging.split_case(case_id, user, body)


# --- clocks (cases/clocks.py; design.md §8a) --------------------------------------------------


@bp.route("/cases/<id:case_id>/application", methods=["POST"])
@authenticated
@bp.arguments(schemas.ApplicationSchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def record_application(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Record the application

    `{received_at, version}`: the mediation body received the worker's application (LDMAL
    art. 12). The statutory 15-day mediation period starts here, not at the report, and the
    limitation year is interrupted. 409 if an application is already recorded; 422 if it is
    before the report or in the future."""
    get_visible_case(user, case_id, writing=True)
    return clock_events.record_application(case_id, user, body)


@bp.route("/cases/<id:case_id>/clocks", methods=["GET"])
@authenticated
@bp.response(200, ClockListSchema)
def list_clocks(user: User, case_id: int) -> Any:
    """The case's clocks

    Each clock that applies (`acceptance`, `supervision` (local rules), `mediation`,
    `limitation`, `agreement`, `arbitration_acceptance`, `award`, `appeal`) with its state
    (`not_started`, `running`, `paused`, `ended`), the day it runs from, its legal last day
    (Civil Code counting: the start day not counted, a last day on a rest day moved to the next
    working day), whether that day is `provisional` (a year without an official holiday
    schedule), the events the law allows on it now and the events recorded on it."""
    case, _read_only = get_readable_case(user, case_id)
    events = services.timeline(case)
    return {"items": [clock_item(c, events) for c in clock_events.clocks_of(case)]}


@bp.route("/cases/<id:case_id>/clocks/<clock>/events", methods=["POST"])
@authenticated
@bp.arguments(schemas.ClockEventSchema)
@bp.response(200, ClockListSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def record_clock_event(body: dict[str, Any], user: User, case_id: int, clock: str) -> Any:
    """Interrupt, suspend, resume or extend a clock

    `{kind, at, reason, new_last_day?, resume_on?, consent?, evidence?, version}`. Only what the
    law allows for that clock: the limitation is interrupted (it runs again from `at`) or
    suspended and resumed; the local supervision clocks are suspended while waiting on a party
    (`resume_on`: the day they run again by themselves); the mediation period is extended only
    with both parties' consent (`consent: {worker: true, employer: true}`) up to a configured
    cap; the award once by at most 15 days. Anything else → 422 with the field named."""
    get_visible_case(user, case_id, writing=True)
    case = clock_events.record_clock_event(case_id, clock, user, body)
    events = services.timeline(case)
    return {"items": [clock_item(c, events) for c in clock_events.clocks_of(case)]}


@bp.route("/cases/<id:case_id>/arbitration", methods=["POST"])
@authenticated
@bp.arguments(schemas.ArbitrationSchema)
@bp.response(200, CaseSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def record_arbitration(body: dict[str, Any], user: User, case_id: int) -> Any:
    """Record the arbitration stage

    `{applied_on, decision?, decided_on?, award_on?, award_final?, version}`: the worker's own
    application to the commission (LDMAL art. 28), its decision on acceptance (5 days), the
    award (45 days from acceptance, once extendable by 15) and whether it is final. The warning
    engine tells the union when the worker may go to court. After failed mediation or a
    referral only."""
    get_visible_case(user, case_id, writing=True)
    return clock_events.record_arbitration(case_id, user, body)


# --- the lifecycle as data ---------------------------------------------------------------


class WorkflowStateSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    open = fields.Boolean(required=True)


class WorkflowTriggerSchema(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    from_ = fields.List(fields.String(), data_key="from", attribute="from", required=True)
    to = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    payload = fields.List(fields.String(), required=True)


class WorkflowSchema(Schema):
    states = fields.List(fields.Nested(WorkflowStateSchema), required=True)
    initial = fields.String(required=True)
    triggers = fields.List(fields.Nested(WorkflowTriggerSchema), required=True)


@bp.route("/workflow", methods=["GET"])
@authenticated
@bp.response(200, WorkflowSchema)
def get_workflow(user: User) -> Any:
    """The case lifecycle as data

    States, the initial state, and each trigger's sources, destination, roles and payload,
    from the one machine definition."""
    data = workflow.as_data()
    for item in data["states"] + data["triggers"]:
        item["label"] = str(item["label"])
    return data


# --- the case list as a spreadsheet -------------------------------------------------------


class CaseExportQuery(CaseFilterSchema):
    format = FORMAT_FIELD


@bp.route("/cases/export", methods=["GET"])
@authenticated
@bp.arguments(CaseExportQuery, location="query")
@bp.doc(responses={200: file_response(EXPORT_MEDIA)})
@bp.alt_response(403, response="FORBIDDEN")
def export_cases(query: dict[str, Any], user: User) -> Any:
    """Export the filtered case list

    The cases the list's filters select (same filters and order as `GET /cases`, no paging),
    as XLSX or CSV with Chinese headers. Not for advocates."""
    if user.role == Role.advocate:
        raise PermissionDenied("Advocates do not use the statistics and exports.")
    fmt = query.pop("format")
    return download(fmt, case_tables(user, query), "cases")


# --- the case list's tools: bulk assignment, saved filters (docs/case-list.md) ---------------


class BulkAssignSchema(StrictSchema):
    """`{case_ids, mediator_id}`, optionally `versions` (the version of each case, in the same
    order: a stale one refuses the whole request)."""

    case_ids = fields.List(
        id_field(),
        required=True,
        validate=Length(min=1, max=supervision.MAX_BULK_CASES),
    )
    mediator_id = id_field(required=True)
    versions = fields.List(fields.Integer(validate=Range(min=0, max=MAX_ID)))


class BulkAssignResultSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)


@bp.route("/cases/assign-mediator", methods=["POST"])
@authenticated
@bp.arguments(BulkAssignSchema)
@bp.response(200, BulkAssignResultSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND")
def assign_mediator_bulk(body: dict[str, Any], user: User) -> Any:
    """Assign one mediator to several cases, all or nothing

    Mediators, officers and administrators. Any case out of the caller's scope (or missing) is
    404 and nothing changes; any other refusal (a closed case, a stale version, a mediator who
    cannot see a case) is 422 with the reasons per case under `fields["cases.<id>"]`, and
    nothing changes either."""
    data = load_payload(BulkAssignSchema, body)  # (the body is checked by the service layer)
    ids, versions = data["case_ids"], data.get("versions")
    if versions is not None and len(versions) != len(ids):
        raise ValidationFailed({"versions": ["Give one version per case, in the same order."]})
    if len(set(ids)) != len(ids):
        raise ValidationFailed({"case_ids": ["A case is given twice."]})
    cases = services.assign_mediator_bulk(
        user, data["mediator_id"], dict(zip(ids, versions or [None] * len(ids), strict=True))
    )
    return {"items": cases}


class SavedFilterOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    query = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class SavedFilterListSchema(Schema):
    items = fields.List(fields.Nested(SavedFilterOut), required=True)


@bp.route("/saved-filters", methods=["GET"])
@authenticated
@bp.response(200, SavedFilterListSchema)
def list_saved_filters(user: User) -> Any:
    """The caller's saved filters of the case list

    Each `query` is the case list's query string (`GET /cases?{query}`), checked when saved;
    it is checked again whenever the web page opens it."""
    return {"items": saved_filters.saved_filters(user)}


@bp.route("/saved-filters", methods=["POST"])
@authenticated
@bp.arguments(saved_filters.SavedFilterSchema)
@bp.response(201, SavedFilterOut)
def create_saved_filter(body: dict[str, Any], user: User) -> Any:
    """Save a filter of the case list under a name

    `{name, query}`; a name already used replaces that filter's query. Unknown filters or
    values, or a filter given twice, are 422."""
    return saved_filters.save_filter(user, body)


@bp.route("/saved-filters/<id:filter_id>", methods=["DELETE"])
@authenticated
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
def delete_saved_filter(user: User, filter_id: int) -> Any:
    """Delete one of the caller's saved filters (another user's is 404)"""
    saved_filters.delete_filter(user, filter_id)
    return current_app.response_class(status=204)


# --- referrals between unions (docs/referrals.md) ----------------------------------------------


class UnionReferralSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.Function(lambda r: r.case.number, metadata={"type": "string"})
    from_org_id = fields.Integer(required=True)
    from_org_name = fields.Function(lambda r: r.from_org.name, metadata={"type": "string"})
    to_org_id = fields.Integer(required=True)
    to_org_name = fields.Function(lambda r: r.to_org.name, metadata={"type": "string"})
    note = fields.String(required=True)
    status = fields.Function(lambda r: r.status.value, metadata={"type": "string"})
    created_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class UnionReferralListSchema(Schema):
    items = fields.List(fields.Nested(UnionReferralSchema), required=True)


class UnionReferralDecisionSchema(StrictSchema):
    decision = fields.String(required=True, metadata={"enum": ["accept", "decline"]})
    note = fields.String(validate=Length(max=2000))


@bp.route("/referrals", methods=["GET"])
@authenticated
@bp.response(200, UnionReferralListSchema)
@bp.alt_response(403, response="FORBIDDEN")
def list_referrals(user: User) -> Any:
    """Referrals between unions

    The referrals sent or received by the unions of the caller's scope, newest first (at most
    200). Advocates are refused."""
    if user.role not in services.CASE_WRITERS:
        raise PermissionDenied("Your role may not see referrals.")
    return {"items": db_scalars(referrals.visible_referrals(user).limit(200))}


@bp.route("/referrals/<id:referral_id>/decision", methods=["POST"])
@authenticated
@bp.arguments(UnionReferralDecisionSchema)
@bp.response(200, UnionReferralSchema)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
def decide_referral(body: dict[str, Any], user: User, referral_id: int) -> Any:
    """Accept or decline a referral

    Only the receiving union: `accept` moves the case into its area, `decline` leaves it; a
    note goes on the case's timeline with the answer."""
    return referrals.decide_referral(referral_id, user, body)


def db_scalars(stmt: Any) -> list:
    from mediation.extensions import db

    return list(db.session.scalars(stmt))
