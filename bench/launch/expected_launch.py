"""What thousands of expected people who are not the launcher cost a launch, in one process.

    .venv/bin/python bench/launch/expected_launch.py [LAUNCHES] [EXPECTED]

profile_launch.py's launches (Flask's test client, a fresh SQLite instance, returning
learners), first with nobody expected on the platform, then with EXPECTED people
(default 5,000: half named by email only, half by LMS user id) none of whom launches.
Prints CPU per launch POST and per ``known_for_launch`` for both, and SQLite's plan for
the launch's read.
"""
from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(Path.cwd()))  # the tree measured: run from its root

from driver import BenchPlatform, serve_platform_jwks  # noqa: E402

import adapter.persistence.launch_reads as launch_reads  # noqa: E402
from adapter.config import Settings  # noqa: E402
from adapter.persistence.expected_people_store import expect_person  # noqa: E402
from adapter.services.platforms import PlatformSpec, register_platform  # noqa: E402
from adapter.web import create_app  # noqa: E402
from adapter.web.app_components import components  # noqa: E402

LAUNCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 600
EXPECTED = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
read_cpu = [0.0]
known_for_launch = launch_reads.known_for_launch


def measured(*args, **kwargs):
    started = time.process_time()
    try:
        return known_for_launch(*args, **kwargs)
    finally:
        read_cpu[0] += time.process_time() - started


launch_reads.known_for_launch = measured


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lms = BenchPlatform(issuer=f"http://127.0.0.1:{port}")
    serve_platform_jwks(lms, port)
    instance = Path(tempfile.mkdtemp(prefix="bench-expected-"))
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance),
                                         "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}))
    with app.app_context():
        engine = components().engine
        platform_id = register_platform(engine, PlatformSpec(
            issuer=lms.issuer, client_id=lms.client_id, auth_login_url=lms.auth_login_url,
            key_set_url=lms.jwks_url, deployment_ids=(lms.deployment_id,)))

    def launch(user: int) -> float:
        client = app.test_client()
        r = client.get("/lti/login", query_string={
            "iss": lms.issuer, "login_hint": f"learner-{user}", "target_link_uri": "http://localhost/lti/launch",
            "client_id": lms.client_id, "lti_deployment_id": lms.deployment_id})
        q = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}
        token = lms.sign(lms.claims(user, q["nonce"]))
        started = time.process_time()
        r = client.post("/lti/launch", data={"id_token": token, "state": q["state"]})
        spent = time.process_time() - started
        assert r.status_code == 200 and b"Giving feedback" in r.data, r.data[:400]
        return spent

    def launches(label: str) -> None:
        for user in range(20):
            launch(user)
        read_cpu[0] = 0.0
        spent = sum(launch(n % 500) for n in range(LAUNCHES))
        print(f"{label:28s} launch POST {spent / LAUNCHES * 1e6:7.0f} µs   known_for_launch"
              f" {read_cpu[0] / LAUNCHES * 1e6:6.1f} µs")

    launches("nobody expected")
    with engine.begin() as conn:
        for n in range(EXPECTED):
            expect_person(conn, platform_id, source="import", now=time.time(), email=f"waiting{n}@example.org",
                          **({"user_id": f"waiting-{n}"} if n % 2 else {}))
    launches(f"{EXPECTED} expected elsewhere")
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        plan = cursor.execute("EXPLAIN QUERY PLAN " + launch_reads._KNOWN_NO_PLACEMENT["sqlite"], {
            "platform_id": platform_id, "deployment_id": lms.deployment_id, "context_id": "c", "resource_link_id": "r",
            "sub": "learner-1", "email": "learner1@example.org", "placement": None}).fetchall()
    print("\n".join(row[-1] for row in plan if "expected_people" in row[-1] or "people" in row[-1]))


if __name__ == "__main__":
    main()
