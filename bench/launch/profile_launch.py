"""Profile coachbridge's launch path in one process (cProfile), without gunicorn.

    .venv/bin/python bench/launch/profile_launch.py [--launches 500] [--sort tottime]

Runs complete launches (login → id_token POST answered with the landing page) through
Flask's test client against a fresh SQLite instance: first without the profiler, printing
the CPU per request, then under cProfile. id_tokens are signed outside the measured and
profiled spans so the figures show the tool's own costs.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from driver import BenchPlatform, serve_platform_jwks  # noqa: E402

from adapter.config import Settings  # noqa: E402
from adapter.services.platforms import PlatformSpec, register_platform  # noqa: E402
from adapter.web import create_app  # noqa: E402
from adapter.web.app_components import components  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=500)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=45)
    args = parser.parse_args()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lms = BenchPlatform(issuer=f"http://127.0.0.1:{port}")
    server = serve_platform_jwks(lms, port)
    instance = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance),
                                         "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}))
    with app.app_context():
        register_platform(components().engine, PlatformSpec(
            issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_login_url,
            key_set_url=lms.jwks_url, deployment_ids=(lms.deployment_id,)))

    def one(user: int, sign: bool):
        client = app.test_client()
        r = client.get("/lti/login", query_string={
            "iss": lms.issuer, "login_hint": f"learner-{user}", "target_link_uri": "http://localhost/lti/launch",
            "client_id": lms.client_id, "lti_deployment_id": lms.deployment_id})
        assert r.status_code == 302, r.data[:300]
        q = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}
        return client, q

    def finish(client, q, token):
        r = client.post("/lti/launch", data={"id_token": token, "state": q["state"]})
        assert r.status_code == 200 and b"Giving feedback" in r.data, r.data[:400]  # the landing page itself

    for user in range(20):  # warm caches (JWKS, templates)
        client, q = one(user, True)
        finish(client, q, lms.sign(lms.claims(user, q["nonce"])))

    # CPU per request without the profiler: what each step costs the tool (plus the test client).
    cpu = {"login": 0.0, "launch": 0.0}
    for n in range(args.launches):
        user = n % 500
        t0 = time.process_time()
        client, q = one(user, False)
        cpu["login"] += time.process_time() - t0
        token = lms.sign(lms.claims(user, q["nonce"]))
        t0 = time.process_time()
        finish(client, q, token)
        cpu["launch"] += time.process_time() - t0
    print(f"{args.launches} launches without the profiler, CPU per request (test client included): "
          + ", ".join(f"{name} {1000 * seconds / args.launches:.2f} ms" for name, seconds in cpu.items()))

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    for n in range(args.launches):
        user = n % 500
        profiler.enable()
        client, q = one(user, False)
        profiler.disable()
        token = lms.sign(lms.claims(user, q["nonce"]))
        profiler.enable()
        finish(client, q, token)
        profiler.disable()
    print(f"{args.launches} launches under cProfile ({time.perf_counter() - t0:.1f} s wall)")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.limit)
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
