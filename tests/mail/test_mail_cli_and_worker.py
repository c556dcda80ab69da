"""`coachbridge mail` (its commands in-process) and `coachbridge worker` (a process), against a real SMTP server:
settings from the command line (the password never printed), a test message, and a
worker killed while the server has not yet answered: nothing is lost, nothing doubled."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from adapter.cli import main
from adapter.persistence.tables import outbox

from .conftest import in_days

COACHBRIDGE = [sys.executable, "-m", "adapter.cli"]


def _env(database_url: str, tmp_path, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "COACHBRIDGE_INSTANCE": str(tmp_path), **extra}


def test_mail_set_show_and_test_from_the_command_line(database_url, tmp_path, smtp, monkeypatch, capsys):
    for name, value in _env(database_url, tmp_path, SMTP_PASSWORD="pa55-word-never-printed").items():
        monkeypatch.setenv(name, value)
    assert main(["mail", "set", "--host", "127.0.0.1", "--port", str(smtp.port), "--security", "none",
                 "--from", "coaching@example.org", "--username", "mailer", "--password-env", "SMTP_PASSWORD"]) == 0
    assert main(["mail", "show"]) == 0
    shown = capsys.readouterr().out.splitlines()[-1]
    assert json.loads(shown)["password"] == "set" and "pa55" not in shown
    assert main(["mail", "set", "--host", "127.0.0.1", "--port", "25", "--from", "not-an-address"]) == 2
    assert "From address" in capsys.readouterr().err
    assert main(["mail", "set", "--host", "127.0.0.1", "--port", str(smtp.port), "--security", "none",
                 "--from", "coaching@example.org"]) == 0  # aiosmtpd here takes no sign-in
    assert main(["mail", "test", "someone@example.org"]) == 0
    [message] = smtp.catcher.wait_for(1)
    assert message["Subject"] == "coachbridge test message" and message["X-Envelope-To"] == "someone@example.org"


def test_a_killed_worker_loses_and_doubles_nothing(team, smtp, database_url, tmp_path):
    team.ask_validation()
    team.check_in(next_on=in_days(4))  # three messages queued: the request and two invitations
    smtp.hold_after(1)  # the first is accepted; the worker then waits for the server's answer to the second
    env = _env(database_url, tmp_path)
    worker = subprocess.Popen([*COACHBRIDGE, "worker", "--lease", "2", "--idle-wait", "0.2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert smtp.catcher.holding.wait(60), "the worker never reached the second message"
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    smtp.release()
    assert len(smtp.messages) == 1
    time.sleep(2.1)  # the killed worker's lease lapses
    team.drain()
    with team.engine.connect() as conn:  # the three, and the digest the worker's reminder scan queued
        queued = conn.execute(select(outbox.c.message_id, outbox.c.status).where(outbox.c.channel == "mail")).all()
    assert len(queued) >= 3 and {status for _, status in queued} == {"delivered"}
    arrived = [m["Message-ID"] for m in smtp.catcher.wait_for(len(queued))]
    assert sorted(arrived) == sorted(message_id for message_id, _ in queued)  # each once
