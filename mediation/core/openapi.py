"""The OpenAPI 3 document, generated from the operation registry and its marshmallow schemas
(apispec), and a human-readable page of it served by the app itself (no internet needed)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Response, jsonify, render_template
from marshmallow import Schema

from mediation.core import fields as custom_fields
from mediation.core.api import (
    API_PREFIX,
    ERROR_MESSAGES,
    OPERATIONS,
    ErrorSchema,
    Operation,
    bp,
)
from mediation.core.schemas import MAX_ID

PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _schema_name(schema: type[Schema] | Schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return name or cls.__name__


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, name in PATH_PARAM.findall(rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter in ("id", "int"):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return API_PREFIX + PATH_PARAM.sub(r"{\2}", rule), params


def _body(op: Operation) -> dict | None:
    if op.multipart:
        return {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": list(op.multipart),
                        "properties": {
                            name: {"type": "string", "format": "binary", "description": desc}
                            for name, desc in op.multipart.items()
                        },
                    }
                }
            },
        }
    if op.body is None:
        return None
    if isinstance(op.body, list):
        schema: Any = {
            "oneOf": [{"$ref": f"#/components/schemas/{_schema_name(s)}"} for s in op.body]
        }
    else:
        schema = op.body
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _responses(op: Operation) -> dict:
    responses: dict[str, Any] = {}
    if op.status == 204:
        responses["204"] = {"description": "done, no content"}
    elif op.response is not None:
        responses[str(op.status)] = {
            "description": "success",
            "content": {"application/json": {"schema": op.response}},
        }
    else:
        responses[str(op.status)] = {
            "description": "the file",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in op.response_media
            },
        }
    codes = set(op.errors)
    if op.body is not None or op.multipart:
        codes |= {400, 413, 415, 422}
    if op.auth:
        codes.add(401)
    if op.query is not None:
        codes |= {400, 422}
    if PATH_PARAM.search(op.rule):
        codes.add(404)
    codes.add(405)
    for code in sorted(codes):
        responses[str(code)] = {
            "description": ERROR_MESSAGES.get(code, "error"),
            "content": {"application/json": {"schema": "Error"}},
        }
    return responses


@cache
def build_spec() -> dict:
    """The document (built once per process: the operations are fixed at import time)."""
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="mediation API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={
            "description": (
                "Labor-dispute mediation and wage-arrears early warning. Authenticate with the "
                "browser session or `Authorization: Bearer <token>` from POST /auth/tokens. "
                "Money is a decimal string in yuan, datetimes ISO 8601 with offset, dates "
                "YYYY-MM-DD. Every error has the shape {error: {code, message, fields}}."
            )
        },
    )
    plugin.map_to_openapi_type(custom_fields.Money, "string", None)
    plugin.map_to_openapi_type(custom_fields.AwareDateTime, "string", "date-time")
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)

    for op in OPERATIONS:
        for schema in op.body if isinstance(op.body, list) else ():
            name = _schema_name(schema)
            if name not in spec.components.schemas:
                spec.components.schema(name, schema=schema)

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path, params = _openapi_path(op.rule)
        operation: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "description": op.description,
            "tags": [op.tag],
            "responses": _responses(op),
        }
        parameters = list(params)
        if op.query is not None:
            parameters.append({"in": "query", "schema": op.query})
        if parameters:
            operation["parameters"] = parameters
        body = _body(op)
        if body is not None:
            operation["requestBody"] = body
        operation["security"] = [{"bearer": []}] if op.auth else []
        paths.setdefault(path, {})[op.method] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.route("/openapi.json")
def openapi_document() -> Response:
    return jsonify(build_spec())


@bp.route("/docs")
def docs_page() -> str:
    spec = build_spec()
    return render_template("api/docs.html", spec=spec, schemas=spec["components"]["schemas"])
