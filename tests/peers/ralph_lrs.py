"""A real LRS for the tests: ralph (``ralph-malph[lrs]``) with its filesystem backend,
run as a subprocess with uvicorn on 127.0.0.1, on a port the OS picked.

Two things ralph needs that its defaults do not give (see
shared/testing-with-real-peers.md): its fs backend opens the data file in create mode,
so every POST after the first fails with 500 unless writes are switched to append
(:func:`create_app` does that before importing the app), and it needs an ``auth.json``
with basic-auth credentials, written here with a fast bcrypt cost.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import bcrypt
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def create_app():
    """uvicorn factory run inside the subprocess: the append fix, then ralph's app."""
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    from ralph.api import app

    return app


class RalphLrs:
    """Start with :meth:`start`, stop with :meth:`stop` (or use it as a context manager);
    ``endpoint`` is the xAPI base URL."""

    def __init__(self, work_dir: Path, username: str = "coachbridge") -> None:
        self.work_dir = Path(work_dir)
        self.username = username
        self.password = secrets.token_urlsafe(12)
        self.port: int | None = None
        self._process: subprocess.Popen | None = None
        self._log_path = self.work_dir / "ralph.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    def start(self, timeout: float = 60.0) -> None:
        data_dir = self.work_dir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        auth_file = self.work_dir / "auth.json"
        self._write_auth_file(auth_file)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "RALPH_APP_DIR": str(self.work_dir / "app"),
            "RALPH_AUTH_FILE": str(auth_file),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data_dir),
        }
        self._process, self.port = spawn_uvicorn(
            "tests.peers.ralph_lrs:create_app", factory=True, env=env, cwd=REPO_ROOT, log_path=self._log_path
        )
        try:
            wait_until_ready(self._process, f"http://127.0.0.1:{self.port}/__heartbeat__", timeout, self.log)
        except RuntimeError:
            self.stop()
            raise

    def __enter__(self) -> "RalphLrs":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)
            self._process = None

    def log(self) -> str:
        return self._log_path.read_text(errors="replace") if self._log_path.exists() else ""

    def _write_auth_file(self, path: Path) -> None:
        hashed = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(rounds=4)).decode("ascii")
        users = [
            {
                "username": self.username,
                "hash": hashed,
                "scopes": ["all"],
                "agent": {"objectType": "Agent", "account": {"homePage": "http://127.0.0.1", "name": self.username}},
            }
        ]
        path.write_text(json.dumps(users), encoding="utf-8")


def spawn_uvicorn(
    app: str, *, env: dict[str, str], cwd: Path, log_path: Path, factory: bool = False, workers: int = 1
) -> tuple[subprocess.Popen, int]:
    """Serve ``app`` ("module:attr") with uvicorn in a subprocess on 127.0.0.1.

    The socket is bound here on port 0 and handed over (``--fd``), so the port is free
    and known before the server starts, with no race against other test runs. uvicorn
    wraps an fd as a socket asyncio does not recognise as TCP, so it would not disable
    Nagle's algorithm on connections (each answer then waits ~40 ms for a delayed ACK);
    accepted connections inherit TCP_NODELAY from the listener, so it is set here.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    command = [
        sys.executable, "-m", "uvicorn", app, "--fd", str(listener.fileno()),
        "--log-level", "warning", "--no-access-log", *(["--factory"] if factory else []),
        *(["--workers", str(workers)] if workers > 1 else []),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(listener.fileno(),)
        )
    listener.close()
    return process, port


def wait_until_ready(process: subprocess.Popen, url: str, timeout: float, log) -> None:
    """Poll ``url`` until it answers 200; raise with the server's log if it dies or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout} s:\n{log()}")


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a server started here (and only it); kill it if it does not stop."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
