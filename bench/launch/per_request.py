"""What every request pays outside the views, in one process: the request log line, and a trivial
request through every hook.

    .venv/bin/python bench/launch/per_request.py
    PYTHONPATH=<tree of the old commit> .venv/bin/python bench/launch/per_request.py

Logging as ``coachbridge serve`` has it (JSON lines, secrets scrubbed), written to an unbuffered
file as under gunicorn with ``PYTHONUNBUFFERED=1``. Prints µs of CPU per request log line from
one thread and from four at once (the line's arguments built outside the measured span), then per
``GET /healthz`` through ``app.wsgi_app`` on a prepared environ (no test client), with and
without a query string: min of 5 × 2,000. Run the old and the new tree alternately.
"""
from __future__ import annotations

import io
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from adapter.config import Settings
from adapter.logging_setup import configure_logging, redact_every_log
from adapter.web import create_app
from adapter.web.health import log
from werkzeug.test import EnvironBuilder

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
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(work)}))
    figures = [f"log line {threads} thread{'s' * (threads > 1)} {line_cost(write_line, threads):.1f}"
               for threads in (1, 4)]
    for name, query in (("GET /healthz", ""), ("GET /healthz?login's query", LOGIN_QUERY)):
        builder = EnvironBuilder(path="/healthz", query_string=query, headers={"User-Agent": "bench"})
        environ = builder.get_environ()
        builder.close()
        request_cost(app, environ, 200)
        figures.append(f"{name} {min(request_cost(app, environ) for _ in range(5)):.1f}")
    print(f"µs CPU per request, {Path(create_app.__code__.co_filename).parents[2]}: " + "; ".join(figures),
          file=sys.__stdout__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
