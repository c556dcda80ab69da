"""What every request pays outside the views, in one process: the request log line, a trivial
request through every hook, and the two requests of a launch.

    .venv/bin/python bench/launch/per_request.py [LAUNCHES]
    cd <tree of the old commit> && PYTHONPATH=$PWD <this tree>/.venv/bin/python <this tree>/bench/launch/per_request.py

Logging as ``coachbridge serve`` has it (JSON lines, secrets scrubbed), written to an unbuffered
file as under gunicorn with ``PYTHONUNBUFFERED=1``. Prints µs of CPU per request log line from
one thread and from four at once (the line's arguments built outside the measured span), then per
``GET /healthz`` through ``app.wsgi_app`` on a prepared environ (no test client), with and
without a query string: min of 5 × 2,000; last, ``LAUNCHES`` launches (default 600, after 20
warm-ups): the login GET and the id_token POST (answered with the landing page) through
``app.wsgi_app``, the body read from gunicorn's own ``Body`` as under ``coachbridge serve``, the
environ built and the id_token signed outside the measured span: µs of CPU per request, mean;
then as many ``GET /learner/`` with those launches' session cookies (a page with a session).
``DATABASE_URL`` in the environment (an empty database) for PostgreSQL instead of a fresh SQLite
file. Run the old and the new tree alternately (from the tree's root: ``driver`` is imported from
``bench/launch`` there).
"""
from __future__ import annotations

import io
import os
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from adapter.config import Settings
from adapter.logging_setup import configure_logging, redact_every_log
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import create_app
from adapter.web.app_components import components
from adapter.web.health import log
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import IterUnreader
from werkzeug.test import EnvironBuilder

sys.path[:0] = [str(Path.cwd()), str(Path.cwd() / "bench" / "launch")]  # the measured tree's driver
from driver import BenchPlatform, serve_platform_jwks  # noqa: E402

LOGIN_QUERY = ("iss=http%3A%2F%2F127.0.0.1%3A5000&login_hint=learner-1&target_link_uri=http%3A%2F%2Flocalhost"
               "%2Flti%2Flaunch&client_id=bench&lti_deployment_id=d1")


def line_cost(write_line, threads: int, lines: int = 5000) -> float:
    fields = [{"request_id": uuid.uuid4().hex, "method": "POST", "path": "/lti/launch", "status": 200,
               "duration_ms": 3.2} for _ in range(lines)]

    def work() -> None:
        for entry in fields:
            write_line(entry)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (time.process_time() - started) / (threads * lines) * 1e6


def request_cost(app, environ: dict, requests: int = 2000) -> float:
    started = time.process_time()
    for _ in range(requests):
        for _chunk in app.wsgi_app(dict(environ, **{"wsgi.input": io.BytesIO(b"")}), lambda *answer: None):
            pass
    return (time.process_time() - started) / requests * 1e6


def prepared(method: str, path: str, query: str = "", body: bytes = b"", cookie: str | None = None) -> dict:
    headers = {"User-Agent": "bench", "Host": "localhost", **({"Cookie": cookie} if cookie else {})}
    builder = EnvironBuilder(method=method, path=path, query_string=query, headers=headers,
                             content_type="application/x-www-form-urlencoded" if body else None)
    environ = builder.get_environ()
    builder.close()
    environ.update({"wsgi.input_terminated": True, "CONTENT_LENGTH": str(len(body)) if body else ""})
    return environ


def answered(app, environ: dict, body: bytes = b"") -> tuple[str, dict, bytes]:
    environ["wsgi.input"] = Body(LengthReader(IterUnreader([body]), len(body)))  # gunicorn's request body
    started: list = []
    page = b"".join(app.wsgi_app(environ, lambda status, headers, exc_info=None: started.extend((status, headers))))
    return started[0], dict(started[1]), page


def launch_cost(app, lms: BenchPlatform, launches: int, sessions: list[str]) -> tuple[float, float]:
    """Also keeps each launch's session cookie in ``sessions``."""
    spent = [0.0, 0.0]
    for n in range(-20, launches):
        user = n % 500
        environ = prepared("GET", "/lti/login", urlencode({
            "iss": lms.issuer, "login_hint": f"learner-{user}", "target_link_uri": "http://localhost/lti/launch",
            "client_id": lms.client_id, "lti_deployment_id": lms.deployment_id}))
        started = time.process_time()
        status, headers, _ = answered(app, environ)
        login = time.process_time() - started
        assert status.startswith("302"), status
        state = {k: v[0] for k, v in parse_qs(urlsplit(headers["Location"]).query).items()}
        body = urlencode({"id_token": lms.sign(lms.claims(user, state["nonce"])), "state": state["state"]}).encode()
        environ = prepared("POST", "/lti/launch", body=body, cookie=headers["Set-Cookie"].split(";")[0])
        started = time.process_time()
        status, headers, page = answered(app, environ, body)
        sessions.append(headers["Set-Cookie"].split(";")[0])
        if n >= 0:
            spent[0], spent[1] = spent[0] + login, spent[1] + time.process_time() - started
        assert status.startswith("200") and b"Giving feedback" in page, status
    return spent[0] / launches * 1e6, spent[1] / launches * 1e6


def page_cost(app, sessions: list[str], pages: int) -> float:
    """The learner page GET of the sessions the launches opened, one after another."""
    spent = 0.0
    for n in range(-20, pages):
        environ = prepared("GET", "/learner/", cookie=sessions[n % len(sessions)])
        started = time.process_time()
        status, _, page = answered(app, environ)
        if n >= 0:
            spent += time.process_time() - started
        assert status.startswith("200") and b"Giving feedback" in page, status
    return spent / pages * 1e6


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="per-request-"))
    sys.stderr = io.TextIOWrapper(open(work / "log.jsonl", "wb", buffering=0), write_through=True)
    configure_logging("INFO")
    redact_every_log()
    try:
        from adapter.logging_setup import info_line
        write_line = lambda fields: info_line(log, "request", fields)  # noqa: E731
    except ImportError:  # a tree from before info_line: the request hook called log.info
        write_line = lambda fields: log.info("request", extra=fields)  # noqa: E731
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    lms = BenchPlatform(issuer=f"http://127.0.0.1:{port}")
    jwks = serve_platform_jwks(lms, port)
    database = {"DATABASE_URL": os.environ["DATABASE_URL"]} if os.environ.get("DATABASE_URL") else {}
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(work), "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1",
                                        **database}))
    with app.app_context():
        register_platform(components().engine, PlatformSpec(
            issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_login_url,
            key_set_url=lms.jwks_url, deployment_ids=(lms.deployment_id,)))
    figures = [f"log line {threads} thread{'s' * (threads > 1)} {line_cost(write_line, threads):.1f}"
               for threads in (1, 4)]
    for name, query in (("GET /healthz", ""), ("GET /healthz?login's query", LOGIN_QUERY)):
        builder = EnvironBuilder(path="/healthz", query_string=query, headers={"User-Agent": "bench"})
        environ = builder.get_environ()
        builder.close()
        request_cost(app, environ, 200)
        figures.append(f"{name} {min(request_cost(app, environ) for _ in range(5)):.1f}")
    launches, sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 600, []
    login, launch = launch_cost(app, lms, launches, sessions)
    figures.append(f"launch: login GET {login:.0f}, id_token POST {launch:.0f}")
    figures.append(f"learner page GET with a session {page_cost(app, sessions, launches):.0f}")
    jwks.shutdown()
    print(f"µs CPU per request, {Path(create_app.__code__.co_filename).parents[2]}: " + "; ".join(figures),
          file=sys.__stdout__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
