"""``coachbridge serve`` in its own process, with a registered platform and a SCIM token,
for the SCIM peers (scim2-client, scim2-tester) to talk to over HTTP on 127.0.0.1.

Everything is set up through the CLI, as an operator would: ``platform add``, then
``scim token create`` whose last output line is the token.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.peers.postgres import _free_port

COACHBRIDGE = str(Path(sys.executable).parent / "coachbridge")


@dataclass
class ScimServer:
    base_url: str  # .../scim/v2
    token: str
    platform_id: int
    database_url: str
    environ: dict[str, str]
    process: subprocess.Popen

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([COACHBRIDGE, *args], env=self.environ, capture_output=True, text=True, timeout=60)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown (SIGTERM waits for its workers)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_scim_server(instance: Path, database_url: str) -> ScimServer:
    environ = {**os.environ, "COACHBRIDGE_INSTANCE": str(instance), "DATABASE_URL": database_url}
    environ.pop("COACHBRIDGE_PUBLIC_URL", None)

    def cli(*args: str) -> str:
        done = subprocess.run([COACHBRIDGE, *args], env=environ, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    added = cli("platform", "add", "--name", "HR-provisioned LMS", "--issuer", "https://lms.example.org",
                "--client-id", "scim-tests", "--auth-login-url", "https://lms.example.org/auth",
                "--jwks-url", "https://lms.example.org/jwks", "--deployment-id", "1")
    platform_id = int(re.fullmatch(r"platform (\d+) registered", added.strip()).group(1))
    token = cli("scim", "token", "create", "--platform", str(platform_id)).splitlines()[-1]
    port = _free_port()
    process = subprocess.Popen([COACHBRIDGE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--threads", "4", "--no-worker"], env=environ,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:  # not listening yet, or its worker still booting
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("coachbridge serve did not start")
        time.sleep(0.2)
    return ScimServer(f"http://127.0.0.1:{port}/scim/v2", token, platform_id, database_url, environ, process)
