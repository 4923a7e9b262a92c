"""API: tokens and the caller."""

from __future__ import annotations

from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, validate

from mediation.accounts.models import Role
from mediation.accounts.throttle import sign_in_attempt
from mediation.accounts.tokens import BadCredentials, issue_token_for, revoke_token
from mediation.core.api import ApiError, Blueprint, authenticated
from mediation.core.errors import ValidationFailed
from mediation.core.fields import EnumCode
from mediation.core.schemas import StrictSchema


class TokenRequestSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(
        validate=validate.Length(max=100), metadata={"description": "a label, e.g. the device"}
    )


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = EnumCode(Role, required=True)
    organization_id = fields.Integer(required=True)


bp = Blueprint("accounts_api", __name__)


@bp.route("/auth/tokens", methods=["POST"])
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
def create_token(body: dict):
    """Obtain a bearer token

    Exchange a username and password for a token (valid `API_TOKEN_TTL_HOURS`). The token
    is shown only in this answer. Failed attempts count with the web sign-in's: too many for
    this account from this address, or from this address at all, answer 429 with
    `Retry-After` (docs/security.md "Sign-in throttling")."""
    try:
        data = TokenRequestSchema().load(body)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from None
    user = sign_in_attempt(data["username"], data["password"], request.remote_addr)
    if user is None:
        raise BadCredentials("wrong username or password, or the account is deactivated")
    token, row = issue_token_for(user, name=data.get("name"))
    return {"token": token, "expires_at": row.expires_at}


@bp.route("/auth/tokens/current", methods=["DELETE"])
@authenticated
@bp.response(204)
@bp.alt_response(400, response="BAD_REQUEST")
def revoke_current_token(user):
    """Revoke the token of this request"""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise ApiError(400, "this request is not authenticated by a bearer token")
    revoke_token(token.strip())
    return current_app.response_class(status=204)


@bp.route("/me", methods=["GET"])
@authenticated
@bp.response(200, MeSchema)
def me(user):
    """The caller"""
    return user
