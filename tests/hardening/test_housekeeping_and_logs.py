"""The worker forgets expired sessions and pending logins; no log line holds a one-time
token or a secret — the demo's request log included."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from adapter.logging_setup import redact_every_log
from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.lti_stores import SqlLoginStore
from adapter.persistence.session_store import create_session
from adapter.persistence.tables import used_logins, web_sessions
from adapter.services.admin_access import issue_admin_link
from adapter.worker import Worker, default_jobs
from lti.storage import PendingLogin


def login(state: str, expires_at: float) -> PendingLogin:
    return PendingLogin(state=f"sealed-{state}", login_id=state, nonce=f"nonce-{state}",
                        issuer="https://lms.example.org", client_id="c1", browser_binding="b", expires_at=expires_at)


def test_the_worker_forgets_expired_sessions_and_used_logins(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    now = time.time()
    with engine.begin() as conn:
        for lifetime in (-60, 3600):  # ended a minute ago; still open
            create_session(conn, now=now, lifetime=lifetime, app_role="learner", app_roles=["learner"], launch={})
    logins = SqlLoginStore(engine)
    for login_id, expires_at in (("long-expired", now - 2 * 3600),
                                 ("just-expired", now - 60),  # kept an hour: a late replay still reads as one
                                 ("open", now + 300)):
        assert logins.consume_login(login(login_id, expires_at), now - 3 * 3600)

    worker = Worker(default_jobs(engine, None), idle_wait=0.05).start()
    try:
        deadline = time.monotonic() + 60  # a bound on the wait only: the purge runs as the worker starts
        while True:
            with engine.connect() as conn:
                sessions = conn.execute(select(web_sessions.c.expires_at)).scalars().all()
                states = set(conn.execute(select(used_logins.c.login_id)).scalars())
            if (len(sessions) == 1 and "long-expired" not in states) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        worker.stop()
        worker.join(5)
    assert len(sessions) == 1 and sessions[0] > now
    assert states == {"just-expired", "open"}


def test_the_tools_request_log_never_holds_a_sign_in_token(peers, caplog):
    token = issue_admin_link(peers.engine, time.time())
    with caplog.at_level(logging.INFO):
        answer = requests.get(f"{peers.tool_url}/admin/sign-in/{token}", allow_redirects=False)
    assert answer.status_code in (200, 302, 303)
    lines = [record.getMessage() for record in caplog.records]
    assert any("/admin/sign-in/[redacted]" in line for line in lines), lines  # werkzeug's own line is there
    assert token not in caplog.text


def test_secrets_in_messages_and_tracebacks_are_scrubbed_in_plain_logs(caplog):
    redact_every_log()  # every entry point does this through bootstrap()
    log = logging.getLogger("coachbridge.test")
    with caplog.at_level(logging.INFO):
        log.info("posting with Authorization: Bearer abc.def-123 and password=hunter2")
        try:
            raise RuntimeError("LRS said: client_secret=s3cr3t and /lti/register/inv-token-42 was used")
        except RuntimeError:
            log.exception("delivery failed")
    for secret in ("abc.def-123", "hunter2", "s3cr3t", "inv-token-42"):
        assert secret not in caplog.text
    assert "Bearer [redacted]" in caplog.text and "/lti/register/[redacted]" in caplog.text


def test_calendar_and_unsubscribe_tokens_are_scrubbed_from_request_lines(caplog):
    """werkzeug's line under ``coachbridge demo`` and any message quoting such a link."""
    redact_every_log()
    log = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO):
        log.info('127.0.0.1 - - "GET /calendar/Zx9_feed-Token1.ics HTTP/1.1" 200 -')
        log.info('127.0.0.1 - - "POST /unsubscribe/reminders/Un5ub-Token2 HTTP/1.1" 200 -')
    assert "Zx9_feed-Token1" not in caplog.text and "Un5ub-Token2" not in caplog.text
    assert "/calendar/[redacted]" in caplog.text and "/unsubscribe/reminders/[redacted]" in caplog.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(os.environ.get("COACHBRIDGE_TEST_DATABASE") == "postgresql",
                    reason="the demo runs on its own SQLite file")
def test_the_demo_request_log_never_holds_the_admin_sign_in_token(tmp_path):
    env = {**os.environ, "COACHBRIDGE_INSTANCE": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    ports = [free_port() for _ in range(3)]
    command = [sys.executable, "-m", "adapter.cli"]
    log_file = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen([*command, "demo", "--port", str(ports[0]), "--lms-port", str(ports[1]),
                             "--lrs-port", str(ports[2]), "--no-worker"], env=env, stdout=log_file,
                            stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2])
    try:
        tool = f"http://localhost:{ports[0]}"
        deadline = time.monotonic() + 60
        while "Press Ctrl+C" not in (tmp_path / "demo.log").read_text():
            assert demo.poll() is None and time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            time.sleep(0.1)
        link = subprocess.run([*command, "admin", "link", "--base-url", tool], env=env, capture_output=True,
                              text=True, check=True).stdout.strip()
        token = link.rsplit("/", 1)[1]
        assert requests.get(link, allow_redirects=False).status_code in (200, 302, 303)
        while "/admin/sign-in/" not in (tmp_path / "demo.log").read_text():
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        demo.terminate()
        demo.wait(10)
        log_file.close()
    output = (tmp_path / "demo.log").read_text()
    assert "/admin/sign-in/[redacted]" in output and token not in output
