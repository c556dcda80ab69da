"""The coachbridge command: schema, keys and manual registration on a fresh SQLite file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from adapter.cli import main
from adapter.persistence.database import make_engine, migrations_current
from adapter.config import Settings
from adapter.web import create_app


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("COACHBRIDGE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def test_db_upgrade_creates_the_schema(instance, capsys):
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(f"sqlite:///{instance / 'coachbridge.db'}")
    assert {"platforms", "used_logins", "web_sessions"} <= set(inspect(engine).get_table_names())
    assert migrations_current(engine)
    assert main(["db", "upgrade"]) == 0  # idempotent


def test_keys_rotate_keeps_the_previous_key_published(instance, capsys):
    main(["keys", "rotate"])
    main(["keys", "rotate"])
    capsys.readouterr()
    main(["keys", "list"])
    kids = capsys.readouterr().out.split()
    assert len(kids) == 2
    client = create_app(Settings.from_env()).test_client()
    published = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert published == kids  # newest (the signing key) first, the retired one still there
    assert all("d" not in k for k in client.get("/lti/jwks").get_json()["keys"])  # never a private part


def test_platform_add_and_list(instance, capsys):
    main(["platform", "add", "--issuer", "https://canvas.instructure.com", "--client-id", "1000",
          "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
          "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks", "--deployment-id", "d1",
          "--deployment-id", "d2", "--name", "Canvas"])
    main(["platform", "add", "--issuer", "https://canvas.instructure.com", "--client-id", "2000",
          "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
          "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks"])
    capsys.readouterr()
    main(["platform", "list"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["client_id"], r["deployments"]) for r in rows] == [("1000", ["d1", "d2"]), ("2000", [])]


def test_platform_show_disable_enable(instance, capsys):
    main(["platform", "add", "--issuer", "https://lms.example", "--client-id", "c1",
          "--auth-login-url", "https://lms.example/auth", "--jwks-url", "https://lms.example/jwks"])
    assert main(["platform", "disable", "1"]) == 0
    capsys.readouterr()
    assert main(["platform", "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "issuer: https://lms.example" in shown and "active: False" in shown
    assert main(["platform", "enable", "1"]) == 0
    assert main(["platform", "show", "99"]) == 1


def test_commands_without_pages_never_load_flask(instance):
    """Only ``demo`` runs the web app; the others (a cron job, a worker) stay light."""
    script = ("import sys; from adapter.cli import main; "
              "codes = [main(['db', 'upgrade']), main(['platform', 'list']), main(['outbox', 'status'])]; "
              "print(codes, 'flask' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2],
                          env={**os.environ, "COACHBRIDGE_INSTANCE": str(instance)}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[0, 0, 0] False"
