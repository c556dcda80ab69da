"""SCIM 2.0 endpoints (``/scim/v2``) for identity providers (Entra ID, Okta, …).

Authenticated by a bearer token per platform (never a session, so no CSRF form token);
every answer, errors included, is a SCIM document (``application/scim+json``)."""
from __future__ import annotations

import json
import time

from flask import Blueprint, Response, g, request
from scim2_models import Error, NotImplementedException, SCIMException, UnauthorizedException
from werkzeug.exceptions import HTTPException

from adapter.domain.rules import whole_number
from adapter.services import scim_documents as docs
from adapter.services.provisioning import BadRequest, Provisioner, response_parameters, search_request
from adapter.services.scim_tokens import platform_for_token

from .app_components import components

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
# Far above any user an identity provider sends (a few KB); a bigger body is refused unread.
MAX_BODY = 1024 * 1024


def scim_response(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype=docs.SCIM_MEDIA_TYPE)


def error_response(status: int, detail: str, scim_type: str | None = None) -> Response:
    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump()
    response = scim_response(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="coachbridge SCIM"'
    return response


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    platform_id = platform_for_token(components().engine, token, time.time()) if token else None
    if platform_id is None:
        raise UnauthorizedException(detail="A valid SCIM bearer token is required")
    length = request.content_length
    if (length is not None and length > MAX_BODY) or len(request.get_data(cache=True)) > MAX_BODY:
        return error_response(413, f"The request body is larger than {MAX_BODY} bytes")
    g.provisioner = Provisioner(components().engine, platform_id, request.url_root.rstrip("/") + bp.url_prefix)


def provisioner() -> Provisioner:
    return g.provisioner


def payload() -> object:
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth
        raise _Malformed from None


class _Malformed(Exception):
    pass


@bp.errorhandler(SCIMException)
def scim_refusal(error: SCIMException):
    body = error.to_error()
    return error_response(int(body.status or 400), body.detail or "", body.scim_type)


@bp.errorhandler(BadRequest)
def invalid_document(error: BadRequest):
    first = Error.from_validation_errors(error.error)[0]
    return error_response(int(first.status or 400), first.detail or "invalid SCIM document", first.scim_type)


@bp.errorhandler(_Malformed)
def malformed(error: _Malformed):
    return error_response(400, "The request body is not JSON", "invalidSyntax")


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    # A 400 from the checks every request passes (a NUL character in the document) is an invalid value.
    return error_response(error.code or 500, error.description or error.name,
                          "invalidValue" if error.code == 400 else None)


@bp.get("/ServiceProviderConfig")
def service_provider_config():
    return scim_response(docs.service_provider_config(provisioner().base_url))


@bp.get("/Schemas")
@bp.get("/Schemas/<path:schema_id>")
def schemas(schema_id: str | None = None):
    return _discovery(docs.schemas(provisioner().base_url), schema_id, "schema")


@bp.get("/ResourceTypes")
@bp.get("/ResourceTypes/<name>")
def resource_types(name: str | None = None):
    return _discovery(docs.resource_types(provisioner().base_url), name, "resource type")


def _discovery(documents: dict[str, dict], key: str | None, what: str) -> Response:
    if key is None:
        return scim_response(docs.list_response(list(documents.values()), len(documents), 1))
    if key not in documents:
        return error_response(404, f"no {what} {key}")
    return scim_response(documents[key])


def shown():
    return response_parameters(request.args.get("attributes"), request.args.get("excludedAttributes"))


@bp.get("/Users")
def list_users():
    start, count = _int_arg("startIndex", 1), _int_arg("count", docs.MAX_RESULTS)
    return scim_response(provisioner().search(request.args.get("filter"), start, count, shown()))


@bp.post("/Users/.search")
def search_users():
    query = search_request(payload())
    return scim_response(provisioner().search(query.filter, query.start_index or 1,
                                              docs.MAX_RESULTS if query.count is None else query.count, query))


def _int_arg(name: str, default: int) -> int:
    """RFC 7644 §3.4.2.4: a negative count means 0, a startIndex below 1 means 1."""
    value = request.args.get(name, "").strip()
    number = whole_number(value)
    return 0 if value.startswith("-") else default if number is None else number


@bp.post("/Users")
def create_user():
    body = provisioner().create(payload())
    response = scim_response(body, 201)
    response.headers["Location"] = body["meta"]["location"]
    return response


@bp.post("/.search")
def search_everything():
    """Only Users are served: a search across resource types is not offered (RFC 7644 §3.4.3)."""
    raise NotImplementedException(detail="search Users at /Users/.search")


@bp.get("/Users/<user_id>")
def get_user(user_id: str):
    return scim_response(provisioner().get(user_id, shown()))


@bp.put("/Users/<user_id>")
def replace_user(user_id: str):
    return scim_response(provisioner().replace(user_id, payload()))


@bp.patch("/Users/<user_id>")
def patch_user(user_id: str):
    return scim_response(provisioner().patch(user_id, payload()))


@bp.delete("/Users/<user_id>")
def delete_user(user_id: str):
    provisioner().delete(user_id)
    return Response(status=204)
