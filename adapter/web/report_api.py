"""A read-only JSON API of the reports for BI tools (Power BI, Tableau, a script).

``Authorization: Bearer <token>`` with a token an admin created on /admin/reports/api-tokens;
it reads what that admin's scope reads, cut by the same small-group rule as the pages.
Described by an OpenAPI 3.1 document at /api/v1/openapi.json; every error is an RFC 9457
``application/problem+json``; each token gets ``PER_MINUTE`` requests a minute (429 beyond).
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, TooManyRequests, Unauthorized

from adapter.domain.authorization import Forbidden, NotFound
from adapter.persistence.platform_store import platform_choices
from adapter.persistence.report_api_store import scope_of_token
from adapter.reports.breakdowns import BY_MANAGER, BY_TEAM, as_dict, organisation_breakdown
from adapter.reports.trends import PERIODS, QUARTER, as_dict as trend_dict, organisation_trend

from .app_components import components
from .breakdown_pages import filters_from_url
from .coaching_support import now
from .report_api_document import openapi_document
from .coaching_support import today

bp = Blueprint("report_api", __name__, url_prefix="/api/v1")
PER_MINUTE = 60
_calls: dict[int, deque] = defaultdict(deque)
_lock = threading.Lock()


def problem(status: int, title: str, detail: str, headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json", headers=headers or {})


@bp.before_request
def authenticate():
    if request.endpoint == "report_api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    with components().engine.begin() as conn:
        found = scope_of_token(conn, token, now()) if token else None
    if found is None:
        raise Unauthorized("Send a live reports API token as 'Authorization: Bearer <token>'.")
    g.report_token_id, g.report_scope = found
    _count_call(found[0])
    return None


def _count_call(token_id: int) -> None:
    """A sliding minute per token (in this process: one worker's share of the limit)."""
    limit = current_app.config.get("REPORT_API_PER_MINUTE", PER_MINUTE)
    moment = time.monotonic()
    with _lock:
        calls = _calls[token_id]
        while calls and calls[0] <= moment - 60:
            calls.popleft()
        if len(calls) >= limit:
            raise TooManyRequests(f"At most {limit} requests a minute per token; try again shortly.")
        calls.append(moment)


@bp.errorhandler(HTTPException)
def http_problem(error: HTTPException):
    headers = {"WWW-Authenticate": 'Bearer realm="coachbridge reports"'} if error.code == 401 else \
        {"Retry-After": "60"} if error.code == 429 else None
    return problem(error.code or 500, error.name, error.description or error.name, headers)


@bp.errorhandler(NotFound)
def not_found(error: NotFound):
    return problem(404, "Not Found", str(error))


@bp.errorhandler(Forbidden)
def forbidden(error: Forbidden):
    return problem(403, "Forbidden", str(error))


def _filters():
    with components().engine.connect() as conn:
        return filters_from_url({p["id"] for p in platform_choices(conn, g.report_scope)})


@bp.get("/openapi.json")
def openapi():
    return Response(json.dumps(openapi_document(request.host_url.rstrip("/") + bp.url_prefix), indent=1),
                    mimetype="application/json")


@bp.get("/reports/by-<by>")
def breakdown(by: str):
    if by not in (BY_MANAGER, BY_TEAM):
        raise NotFound("no such breakdown: by-manager or by-team")
    filters = _filters()
    with components().engine.connect() as conn:
        return as_dict(organisation_breakdown(conn, g.report_scope, by, filters, today(),
                                              request.args.get("sort", ""), request.args.get("order") == "desc"))


@bp.get("/reports/over-time")
def over_time():
    kind = request.args.get("period", QUARTER)
    if kind not in PERIODS:
        raise NotFound("no such period: month or quarter")
    filters = _filters()
    with components().engine.connect() as conn:
        return trend_dict(organisation_trend(conn, g.report_scope, kind, filters, today()))
