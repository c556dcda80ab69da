"""Probes and metrics for operators: /healthz (the process answers), /readyz (the
database answers and its schema is current), /metrics (Prometheus), and one JSON log
line per request with its request id."""
from __future__ import annotations

import logging
import os
import random
import time

from typing import TYPE_CHECKING

from flask import Blueprint, Request, Response, jsonify

from adapter.logging_setup import info_line
from adapter.metrics import metrics_page
from adapter.persistence.database import migrations_current

from .app_components import components
from .responses import put_header

if TYPE_CHECKING:
    from flask.ctx import _AppCtxGlobals

bp = Blueprint("health", __name__)
log = logging.getLogger("coachbridge.requests")

# Paths whose last segment is a secret (one-time sign-in and registration links, unsubscribe
# links, calendar feed addresses) are logged without it.
SECRET_PATH_ENDPOINTS = {"admin_platforms.sign_in", "registration.confirm", "registration.register",
                         "mail_links.unsubscribe", "mail_links.calendar"}


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    engine = components().engine
    try:
        current = migrations_current(engine)  # reads the schema version: fails when the database is unreachable
    except Exception as error:  # any database failure means "not ready", said plainly
        return jsonify(status="unavailable", database="unreachable", reason=type(error).__name__), 503
    if not current:
        return jsonify(status="unavailable", database="ok", migrations="pending: run coachbridge db upgrade"), 503
    return jsonify(status="ok", database="ok", migrations="current")


@bp.route("/metrics")
def metrics():
    body, content_type = metrics_page(components().engine)
    return Response(body, content_type=content_type)


# A request's id only tells its log line from the others: unique, not secret (behind a trusted
# proxy the client picks it). Written as ``uuid.uuid4().hex`` writes it (version 4, RFC 4122
# variant), from a generator of the process's own, seeded from os.urandom, again in each forked
# worker: uuid4's getrandom call and UUID object were ~2 µs a request hot, ~6 in place.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)
_NOT_VERSION_OR_VARIANT = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4_RFC_4122 = (0x4000 << 64) | (0x8000 << 48)


def request_id_of(bits: int) -> str:
    """``uuid.UUID(int=bits, version=4).hex``."""
    return "%032x" % (bits & _NOT_VERSION_OR_VARIANT | _VERSION_4_RFC_4122)


# Run by request_hooks, which takes the request and ``g`` from Flask's proxies once for every rule.

def start_request(asked: Request, state: _AppCtxGlobals) -> None:
    state.request_started = time.perf_counter()
    # A client's id is kept only behind a trusted proxy, which sets it; otherwise make one
    # (and without a trusted proxy, the header is not even read).
    sent = asked.headers.get("X-Request-Id", "") if components().settings.trusted_proxies else ""
    state.request_id = sent if 0 < len(sent) <= 64 and sent.isprintable() else request_id_of(_ids.getrandbits(128))


def log_request(asked: Request, state: _AppCtxGlobals, response: Response, names: set[str]) -> Response:
    """The request id on the answer (``names``: its header names, ``responses.header_names``) and its log line."""
    request_id = state.get("request_id", "")
    put_header(response.headers, names, "X-Request-Id", request_id)
    path = asked.path
    if asked.endpoint in SECRET_PATH_ENDPOINTS and any((asked.view_args or {}).values()):
        path = path.rsplit("/", 1)[0] + "/[redacted]"
    info_line(log, "request", {"request_id": request_id, "method": asked.method, "path": path,
                               "status": response.status_code,
                               "duration_ms": round((time.perf_counter() - state.get("request_started", 0)) * 1000, 1)})
    return response

