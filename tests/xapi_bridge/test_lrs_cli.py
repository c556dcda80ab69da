"""``coachbridge lrs list | add | test | enable | disable``: the admin page's LRS settings
from the command line, with the same checks and secrets that never show."""
from __future__ import annotations

import json

import pytest

from adapter.cli import main
from adapter.config import Settings
from adapter.web import create_app
from adapter.worker import XapiDelivery, drain

SECRET = "cli-s3cret-value"


@pytest.fixture
def engine(tmp_path, monkeypatch):
    """A database of its own, which the commands use (DATABASE_URL)."""
    engine = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)})).extensions["coachbridge"].engine
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def listed(capsys) -> dict[str, dict]:
    capsys.readouterr()  # what earlier commands printed
    assert main(["lrs", "list"]) == 0
    return {entry["name"]: entry for entry in map(json.loads, capsys.readouterr().out.splitlines())}


def test_add_test_disable_and_deliver(engine, fault_lrs, world, monkeypatch, capsys):
    monkeypatch.setenv("CLI_LRS_SECRET", SECRET)
    assert main(["lrs", "add", "--platform", str(world.platform_id), "--name", "cli-lrs", "--endpoint",
                 fault_lrs.endpoint, "--username", "coach", "--secret-env", "CLI_LRS_SECRET", "--batch-size", "20"]) == 0
    assert "(cli-lrs) added" in capsys.readouterr().out
    entry = listed(capsys)["cli-lrs"]
    assert (entry["auth"], entry["username"], entry["batch_size"], entry["secret"], entry["status"]) == (
        "basic", "coach", 20, "set", "active")

    assert main(["lrs", "test", "cli-lrs"]) == 0
    assert capsys.readouterr().out.strip() == (
        "cli-lrs: ok: about: speaks 1.0.3, 2.0.0; GET statements?limit=1 with the stored credentials and "
        "version 1.0.3: 200, credentials accepted")
    world.reflect()
    drain([XapiDelivery(engine, None)])
    assert len(fault_lrs.statements) == 1
    assert fault_lrs.last_headers["Authorization"].startswith("Basic ")  # the stored secret was used

    assert main(["lrs", "disable", str(entry["id"])]) == 0
    assert listed(capsys)["cli-lrs"]["status"] == "disabled"
    assert main(["lrs", "enable", "cli-lrs"]) == 0
    assert listed(capsys)["cli-lrs"]["status"] == "active"
    fault_lrs.go_down()
    assert main(["lrs", "test", "cli-lrs"]) == 1
    assert "cli-lrs: failed: nothing answered at" in capsys.readouterr().out


def test_add_reports_every_problem_and_stores_nothing(engine, world, monkeypatch, capsys):
    assert main(["lrs", "add", "--platform", "999", "--name", "bad name", "--endpoint", "ftp://lrs",
                 "--auth", "basic", "--batch-size", "0"]) == 2
    problems = capsys.readouterr().err
    for field in ("Platform:", "Name:", "xAPI endpoint:", "Username:", "Password or client secret:", "Batch size:"):
        assert field in problems
    assert main(["lrs", "add", "--platform", str(world.platform_id), "--name", "no-secret", "--endpoint",
                 "https://lrs.example.org/xapi/", "--username", "u", "--secret-env", "CLI_UNSET_VARIABLE"]) == 2
    assert "CLI_UNSET_VARIABLE is not set" in capsys.readouterr().err
    assert listed(capsys) == {}


def test_secrets_never_show(engine, world, monkeypatch, capsys):
    monkeypatch.setenv("CLI_LRS_SECRET", SECRET)
    assert main(["lrs", "add", "--platform", str(world.platform_id), "--name", "oauth-lrs", "--endpoint",
                 "https://lrs.example.org/xapi/", "--auth", "oauth2", "--token-url", "https://lrs.example.org/token",
                 "--client-id", "coachbridge", "--secret-env", "CLI_LRS_SECRET"]) == 0
    assert main(["lrs", "list"]) == 0
    assert main(["lrs", "test", "oauth-lrs"]) == 1  # no such host: the failure is shown, not the secret
    assert main(["lrs", "test", "9999"]) == 1
    out = capsys.readouterr()
    assert "oauth-lrs" in out.out and "no LRS endpoint 9999" in out.err
    assert SECRET not in out.out + out.err
