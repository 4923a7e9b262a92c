"""JSON API plumbing shared by every domain's `api.py` (docs/architecture.md "The API").

One blueprint under `/api/v1`. Each endpoint is declared with `@operation(...)`, which both
registers the Flask route and records what the OpenAPI document says about it (parameters, body,
responses and error codes), so the document cannot drift from the routes. The decorator does the
common work in one place: authentication (session cookie or bearer token), CSRF for cookie
writes, query-string validation, JSON body parsing, and dumping the result through the response
schema. Handlers stay thin: they call the same services as the web pages.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import HTTPException

from mediation.core.errors import DomainError, ValidationFailed
from mediation.core.fields import shared_schema
from mediation.core.pagination import MAX_PAGE
from mediation.extensions import csrf

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
csrf.exempt(bp)  # checked in `operation`, for cookie-authenticated writes only

# The user of the request being served, for response schemas that depend on who asks
# (allowed triggers, masked ID numbers).
request_user: contextvars.ContextVar[Any] = contextvars.ContextVar("api_request_user", default=None)

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
    404: "not found",
    405: "this method is not allowed on this resource",
    409: "conflict",
    413: "the request body is too large",
    415: "unsupported content type",
    422: "the input is not valid",
    429: "too many requests; slow down",
    500: "internal error",
}
# app.extensions key of the function that answers a bearer token with its user
TOKEN_LOADER = "mediation_api_token_loader"
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
        return error_response(exc.status_code, exc.message, exc.fields, **exc.extra)
    if isinstance(exc, CSRFError):
        return error_response(400, f"CSRF check failed: {exc.description}")
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        message = ERROR_MESSAGES.get(status)
        if status == 429:
            message = f"too many requests: {exc.description}"
        response = error_response(status, message)
        if status == 405 and (valid_methods := getattr(exc, "valid_methods", None)):
            response.headers["Allow"] = ", ".join(valid_methods)
        if status == 429 and (retry_after := getattr(exc, "retry_after", None)):
            response.headers["Retry-After"] = str(retry_after)
        return response
    log.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(500)


# Inside the API blueprint every exception, expected or not, answers in the error shape.
bp.register_error_handler(Exception, api_error_response)


# --- authentication ------------------------------------------------------------------------


def api_user() -> Any:
    """The authenticated user of this API request (set by `operation`)."""
    return g.get("api_user")


def _authenticate() -> Any:
    """Bearer token if the request carries one, otherwise the browser session.

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
        g.api_bearer = True
        return user
    if current_user.is_authenticated:
        g.api_bearer = False
        return current_user._get_current_object()
    raise ApiError(401)


def _check_csrf() -> None:
    """Cookie-authenticated writes need the CSRF token (header X-CSRFToken), like forms do."""
    if g.get("api_bearer") or request.method not in UNSAFE_METHODS:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    csrf.protect()


# --- input ---------------------------------------------------------------------------------


def json_body() -> dict:
    """The request's JSON object, or a 400/415 in the API's error shape."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


def load_query(schema_cls: type[Schema]) -> dict:
    try:
        return shared_schema(schema_cls, RAISE).load(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed(exc.messages, "the query parameters are not valid") from None


class PagingQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(
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


# --- the operation registry ----------------------------------------------------------------


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    description: str = ""
    query: type[Schema] | None = None
    body: type[Schema] | list[type[Schema]] | None = None
    multipart: dict[str, str] | None = None  # form field → description, for uploads
    response: type[Schema] | None = None
    response_media: tuple[str, ...] = ("application/json",)
    status: int = 200
    errors: tuple[int, ...] = ()
    auth: bool = True
    path_params: dict[str, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    description: str = "",
    query: type[Schema] | None = None,
    body: type[Schema] | list[type[Schema]] | None = None,
    multipart: dict[str, str] | None = None,
    response: type[Schema] | None = None,
    response_media: tuple[str, ...] = ("application/json",),
    status: int = 200,
    errors: tuple[int, ...] = (),
    auth: bool = True,
    read_only: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., ResponseReturnValue]]:
    """Declare an API endpoint. The handler receives `user` (when `auth`), `query` (when a query
    schema is given), `body` (the parsed JSON object, when a body schema is given) and the path
    arguments, and returns the object to dump with `response` (or a ready Response).
    `read_only` runs the request's statements without a transaction around them."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., ResponseReturnValue]:
        @wraps(fn)
        def view(**path_args: Any) -> ResponseReturnValue:
            kwargs: dict[str, Any] = dict(path_args)
            user = None
            if auth:
                user = _authenticate()
                g.api_user = user
                _check_csrf()
                kwargs["user"] = user
            token = request_user.set(user)
            try:
                if query is not None:
                    kwargs["query"] = load_query(query)
                if body is not None:
                    kwargs["body"] = json_body()
                result = fn(**kwargs)
                if isinstance(result, Response):
                    return result
                payload = shared_schema(response).dump(result) if response is not None else result
                return jsonify(payload), status
            finally:
                request_user.reset(token)

        if read_only:  # see mediation.core.db.read_only
            view.read_only = True  # type: ignore[attr-defined]  # a marker on the view function
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                method=method.lower(),
                rule=rule,
                endpoint=fn.__name__,
                summary=summary,
                tag=tag,
                description=description or (fn.__doc__ or "").strip(),
                query=query,
                body=body,
                multipart=multipart,
                response=response,
                response_media=response_media,
                status=status,
                errors=errors,
                auth=auth,
            )
        )
        return view

    return decorator


def init_api(app: Flask, *, user_for_token: Callable[[str], Any]) -> None:
    """Register the blueprint. Call it after every domain's API module has declared its
    operations (`create_app` imports them first); `user_for_token` answers a bearer token
    with its user, or None."""
    app.extensions[TOKEN_LOADER] = user_for_token
    app.register_blueprint(bp)
