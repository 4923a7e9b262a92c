"""JSON API plumbing shared by every domain's `api.py` (docs/architecture.md "The API").

Each domain declares its operations on a `Blueprint` of its own, a flask-smorest blueprint under
`/api/v1`: `@bp.arguments` for the query string and the body, `@bp.response` for the answer,
`@bp.alt_response` for the errors particular to the operation, and `@authenticated` (session
cookie or bearer token, CSRF for cookie writes). `init_api` creates the flask-smorest `Api` that
builds the OpenAPI document from those declarations, so the document cannot drift from the
routes; this module serves it, with a page of it that needs no internet. Handlers stay thin: they
call the same services as the web pages.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any, NoReturn, cast

import flask_smorest
from apispec import BasePlugin
from flask import Blueprint as FlaskBlueprint
from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from mediation.core import fields as custom_fields
from mediation.core.errors import DomainError, ValidationFailed
from mediation.core.fields import shared_schema
from mediation.core.jsonio import JSONInputError, load_json
from mediation.core.pagination import MAX_PAGE
from mediation.core.schemas import StrictInteger
from mediation.extensions import csrf

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

# The user of the request being served, for response schemas that depend on who asks
# (allowed triggers, masked ID numbers).
request_user: contextvars.ContextVar = contextvars.ContextVar("api_request_user", default=None)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "server_error",
}
ERROR_MESSAGES = {
    400: "the request is malformed",
    401: "authentication required: a session or an `Authorization: Bearer` token",
    403: "your role may not do this",
    404: "Not found.",
    405: "this method is not allowed on this resource",
    409: "conflict",
    413: "the request body is too large",
    415: "unsupported content type",
    422: "The input is not valid.",
    429: "too many requests; slow down",
    500: "internal error",
}
# app.extensions keys: the function that answers a bearer token with its user; the document
TOKEN_LOADER = "mediation_api_token_loader"
SPEC = "mediation_api_spec"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiError(DomainError):
    """An error raised by the API layer itself (auth, parsing) with any status code."""

    def __init__(self, status: int, message: str | None = None, fields: dict | None = None):
        super().__init__(message or ERROR_MESSAGES.get(status, "error"), fields=fields)
        self.status_code = status
        self.code = ERROR_CODES.get(status, "error")


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(
    status: int, message: str | None = None, fields: dict | None = None, **extra: Any
) -> Response:
    body = {
        "code": ERROR_CODES.get(status, "error"),
        "message": message or ERROR_MESSAGES.get(status, "error"),
        "fields": fields or {},
    }
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mediation"'
    return response


def api_error_response(exc: BaseException) -> Response:
    """The one error shape for anything that goes wrong under /api/."""
    if isinstance(exc, DomainError):
        response = error_response(exc.status_code, exc.message, exc.fields, **exc.extra)
        if exc.status_code == 429 and exc.extra.get("retry_after"):
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response
    if isinstance(exc, CSRFError):
        return error_response(400, f"CSRF check failed: {exc.description}")
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        message = ERROR_MESSAGES.get(status)
        if status == 429:
            message = f"too many requests: {exc.description}"
        response = error_response(status, message)
        valid_methods = getattr(exc, "valid_methods", None)
        if status == 405 and valid_methods:
            response.headers["Allow"] = ", ".join(valid_methods)
        retry_after = getattr(exc, "retry_after", None)
        if status == 429 and retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response
    log.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(500)


# --- authentication ------------------------------------------------------------------------


def _authenticate() -> tuple[Any, bool]:
    """The user, and whether a bearer token (not the browser session) says who they are.

    A request with an `Authorization` header is judged by it alone: a bad token is 401 even
    when a session cookie is present, so a client never acts as someone it did not ask to be.
    """
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "use `Authorization: Bearer <token>`")
        user = current_app.extensions[TOKEN_LOADER](token.strip())
        if user is None:
            raise ApiError(401, "the token is unknown, expired or revoked")
        return user, True
    if current_user.is_authenticated:
        return current_user._get_current_object(), False
    raise ApiError(401)


def _check_csrf(bearer: bool) -> None:
    """Cookie-authenticated writes need the CSRF token (header X-CSRFToken), like forms do."""
    if bearer or request.method not in UNSAFE_METHODS:
        return
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def authenticated(fn: Callable) -> Callable:
    """Only for a signed-in caller (browser session or bearer token), who is passed as `user`.
    Put it right under `@bp.route`, so that 401 comes before any look at the input."""

    @wraps(fn)
    def view(*args: Any, **kwargs: Any) -> Any:
        user, bearer = _authenticate()
        _check_csrf(bearer)
        token = request_user.set(user)
        try:
            return fn(*args, user=user, **kwargs)
        finally:
            request_user.reset(token)

    return flask_smorest.Blueprint.doc(security=[{"bearer": []}])(view)


# --- input ---------------------------------------------------------------------------------


def json_body() -> dict:
    """The request's JSON object, or a 400/415 in the API's error shape."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        data = load_json(raw.decode("utf-8")) if raw else None
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    except JSONInputError as exc:
        raise ApiError(400, str(exc)) from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


class Parser(FlaskParser):
    """webargs as the API uses it: a query string is loaded with its schema (unknown parameters
    refused; errors are a 422 in the one shape). A body is documented by its schema but handed
    to the handler as the JSON object (an upload: the request's files): the service loads it
    with that schema after checking scope, role and state, as it does for the web forms, so an
    out-of-scope case is 404 whatever the body (404 → 403 → 409 → 422)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}

    def parse(
        self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any
    ) -> Any:
        if location == "json":
            return json_body()
        if location == "files":
            return request.files
        if isinstance(argmap, type):  # built once, not for every request
            argmap = shared_schema(argmap)
        return super().parse(argmap, req, location=location, **kwargs)

    def handle_error(
        self,
        error: ValidationError,
        req: Any,
        schema: Any,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> NoReturn:
        (messages,) = cast(dict[str, Any], error.messages).values()  # {location: messages}
        raise ValidationFailed(messages, "The query parameters are not valid.")


class Blueprint(flask_smorest.Blueprint):
    """A domain's API operations, under /api/v1. CSRF is checked by `authenticated`, for
    cookie-authenticated writes only; every exception, expected or not, answers in the error
    shape."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, name: str, import_name: str, **kwargs: Any) -> None:
        super().__init__(name, import_name, url_prefix=API_PREFIX, **kwargs)
        csrf.exempt(self)
        self.register_error_handler(Exception, api_error_response)


class PagingQuery(Schema):
    page = StrictInteger(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = StrictInteger(
        validate=validate.Range(min=1, max=10_000),
        metadata={"description": "capped at the server's API_MAX_PER_PAGE (100 by default)"},
    )


def per_page(query: dict) -> int:
    config = current_app.config
    return min(query.get("per_page") or config["API_DEFAULT_PER_PAGE"], config["API_MAX_PER_PAGE"])


# --- output --------------------------------------------------------------------------------


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    field_messages = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        data_key="fields",
        attribute="fields",
    )
    current_version = fields.Integer(metadata={"description": "on a version conflict"})
    current_state = fields.String(metadata={"description": "on a state conflict"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


_page_schemas: dict[type[Schema], type[Schema]] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """`{items, page, per_page, total, total_is_capped}` around an item schema (one class per
    item schema)."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (Schema,),
            {
                "items": fields.List(fields.Nested(item_schema), required=True),
                "page": fields.Integer(required=True),
                "per_page": fields.Integer(required=True),
                "total": fields.Integer(
                    required=True,
                    metadata={
                        "description": "the number of matching items; a lower bound when "
                        "`total_is_capped` is true"
                    },
                ),
                "total_is_capped": fields.Boolean(
                    required=True,
                    metadata={
                        "description": "true when the items were counted only up to a limit "
                        "(cases: CASES_COUNT_LIMIT, 1,000 by default, or the end of this page if "
                        "further): "
                        "there are more than `total`, and a next page"
                    },
                ),
            },
        )
    return _page_schemas[item_schema]


def file_response(media_types: tuple[str, ...]) -> dict:
    """`@bp.doc(responses={200: file_response(…)})`: an answer that is a file."""
    binary = {"type": "string", "format": "binary"}
    return {"description": "the file", "content": {m: {"schema": binary} for m in media_types}}


# --- the document --------------------------------------------------------------------------


class CommonErrors(BasePlugin):
    """Lists in every operation its path's parameters and the errors the plumbing itself may
    answer: 401 without a user, 404 for an unknown id in the path, 400/413/415/422 for a body,
    400/422 for a query string, 405 for another method. `@bp.alt_response` lists the rest, those
    of the services."""

    def path_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        parameters: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not parameters or not operations:
            return
        for operation in operations.values():
            operation["parameters"] = [*parameters, *operation.get("parameters", ())]
        parameters.clear()

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            codes = {405}
            if operation.setdefault("security", []):
                codes.add(401)
            if "{" in (path or ""):
                codes.add(404)
            if "requestBody" in operation:
                codes |= {400, 413, 415, 422}
            if any(p.get("in") == "query" for p in operation.get("parameters", ())):
                codes |= {400, 422}
            responses = operation.setdefault("responses", {})
            for code in codes - {int(c) for c in responses}:
                responses[code] = HTTPStatus(code).name  # smorest's response, ErrorSchema


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # an operation lists the errors it may answer

    def _register_error_handlers(self) -> None:
        """None: `api_error_response` renders every error under /api/ (core.web)."""


docs = FlaskBlueprint("api", __name__, url_prefix=API_PREFIX)
docs.register_error_handler(Exception, api_error_response)


def _spec() -> dict:
    """The document, built once per app: the operations are fixed when the app is built."""
    if SPEC not in current_app.extensions:
        api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
        current_app.extensions[SPEC] = api.spec.to_dict()
    return current_app.extensions[SPEC]


@docs.route("/openapi.json")
def openapi_document() -> Response:
    return jsonify(_spec())


@docs.route("/docs")
def docs_page() -> str:
    """A page of the document, served by the app itself (no internet needed)."""
    spec = _spec()
    return render_template("api/docs.html", spec=spec, schemas=spec["components"]["schemas"])


def init_api(app: Flask, *, user_for_token: Callable[[str], Any]) -> Api:
    """The flask-smorest `Api` (register each domain's `Blueprint` with it) and the document's
    routes; `user_for_token` answers a bearer token with its user, or None. Without
    OPENAPI_URL_PREFIX smorest serves no pages of its own (they would load scripts from the
    internet); `docs` serves the document and its page."""
    app.extensions[TOKEN_LOADER] = user_for_token
    api = Api(
        app,
        spec_kwargs={
            "title": "mediation API",
            "version": "1.0.0",
            "openapi_version": "3.0.3",
            "extra_plugins": [CommonErrors()],
            "info": {
                "description": (
                    "Labor-dispute mediation and wage-arrears early warning. Authenticate with "
                    "the browser session or `Authorization: Bearer <token>` from POST "
                    "/auth/tokens. Money is a decimal string in yuan, datetimes ISO 8601 with "
                    "offset, dates YYYY-MM-DD. Every error has the shape "
                    "{error: {code, message, fields}}."
                )
            },
        },
    )
    api.register_field(custom_fields.Money, "string", None)
    api.register_field(custom_fields.AwareDateTime, "string", "date-time")
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    app.register_blueprint(docs)
    return api
