"""The demo LMS (adapter/demo/lms.py) in its own process under gunicorn (1 worker, gthread):
its services keep their state in memory, so one worker process with several threads.

Bench-only additions, here and not in the product: the tool's JWKS URL (one key set for
both contestants, which share the registration's client id), ``GET /bench/stats`` (token
requests, scores stored, the worker's pid) and ``POST /bench/reset`` (forget stored
scores between runs: the score endpoint scans every stored score on each post, so a
growing list would slow whichever contestant runs later).

``--fast-token-signing``: sign access tokens with the already-loaded key. As shipped,
lti1p3platform's ``get_access_token`` signs with ``Registration.encode_and_sign(payload,
pem)``, which parses the PEM (~40 ms of CPU) on every token request.

    python bench/ags/lms_server.py --port P --tool-url URL --tool-jwks URL [--threads 4]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flask import jsonify  # noqa: E402
from gunicorn.app.base import BaseApplication  # noqa: E402

from adapter.demo.lms import DemoLMS  # noqa: E402


def build_app(lms_url: str, tool_url: str, tool_jwks: str, fast_token_signing: bool):
    lms = DemoLMS(lms_url=lms_url, tool_url=tool_url)
    lms.registration.set_tool_key_set_url(tool_jwks)
    if fast_token_signing:
        key = lms.registration.signing_key

        def encode_and_sign(payload, private_key, headers=None, expiration=None):
            if expiration:
                payload.update({"iat": int(time.time()), "exp": int(time.time()) + expiration})
            return key.sign(payload, headers)

        lms.registration.encode_and_sign = encode_and_sign  # instance attribute shadows the staticmethod
    app = lms.create_app()

    @app.get("/bench/stats")
    def stats():
        return jsonify(token_requests=lms.services.token_requests, scores=len(lms.services.scores),
                       line_items=len(lms.services.line_items), pid=os.getpid())

    @app.post("/bench/reset")
    def reset():
        with lms.services.lock:
            lms.services.scores.clear()
        return jsonify(ok=True)

    return app


class Gunicorn(BaseApplication):
    def __init__(self, app, options):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tool-url", required=True)
    parser.add_argument("--tool-jwks", required=True)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--fast-token-signing", action="store_true")
    args = parser.parse_args()
    lms_url = f"http://127.0.0.1:{args.port}"
    app = build_app(lms_url, args.tool_url, args.tool_jwks, args.fast_token_signing)
    Gunicorn(app, {"bind": f"127.0.0.1:{args.port}", "workers": 1, "worker_class": "gthread",
                   "threads": args.threads, "accesslog": None, "errorlog": "-", "loglevel": "warning",
                   "keepalive": 5}).run()


if __name__ == "__main__":
    main()
