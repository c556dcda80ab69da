"""``coachbridge outbox status | retry-dead | drain`` on the tool's database, and LRS
secrets sealed at rest when a key-encryption key is configured."""
from __future__ import annotations

import pytest

from adapter.cli import main
from adapter.config import Settings
from adapter.domain.admin_scope import AdminScope
from adapter.domain.commands import ConfigureLrs
from adapter.persistence import lrs_store
from adapter.persistence.key_cipher import KeyCipher, KeyEncryptionError
from adapter.services import lrs_settings
from adapter.web import create_app
from adapter.worker import XapiDelivery
from tests.xapi.xapi_fault_lrs import Fault

from .test_admin_pages import SECRET


@pytest.fixture
def engine(tmp_path):
    """A database per test here: drain's exit code speaks for every queue in it."""
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)})).extensions["coachbridge"].engine


@pytest.fixture
def cli_db(engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))


def status_line(out: str, target: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if f" {target} " in line)


def test_drain_delivers_what_is_due_and_fails_while_an_lrs_is_down(world, fault_lrs, cli_db, capsys):
    world.add_lrs("cli-lrs", fault_lrs.endpoint)
    world.reflect()
    world.check_in(private_notes="not for the LRS")
    assert main(["outbox", "drain"]) == 0
    out = capsys.readouterr().out
    assert status_line(out, "cli-lrs")[:5] == ["xapi", "cli-lrs", "0", "3", "0"] and len(fault_lrs.statements) == 3

    fault_lrs.go_down()
    world.reflect(confidence="2")
    assert main(["outbox", "drain"]) == 1
    captured = capsys.readouterr()
    assert status_line(captured.out, "cli-lrs")[2:5] == ["2", "3", "0"]
    assert "2 message(s) still pending" in captured.err


def test_status_and_retry_dead_per_target(world, fault_lrs, cli_db, capsys):
    world.add_lrs("cli-dead", fault_lrs.endpoint)
    world.reflect()
    fault_lrs.inject(Fault(status=400))
    assert main(["outbox", "drain"]) == 0  # dead is settled: nothing left pending
    main(["outbox", "status"])
    assert status_line(capsys.readouterr().out, "cli-dead")[2:5] == ["0", "0", "1"]
    assert main(["outbox", "retry-dead", "--channel", "xapi", "--target", "cli-other"]) == 0
    assert "0 dead message(s) requeued" in capsys.readouterr().out
    assert main(["outbox", "retry-dead", "--target", "cli-dead"]) == 0
    assert "1 dead message(s) requeued" in capsys.readouterr().out
    assert main(["outbox", "drain"]) == 0 and len(fault_lrs.statements) == 1


def test_secrets_are_sealed_at_rest_with_the_key_encryption_key(world, engine, fault_lrs):
    cipher = KeyCipher("k" * 40)
    checked = lrs_settings.check_form(engine, AdminScope.operator(), ConfigureLrs(
        platform_id=str(world.platform_id), name="sealed", endpoint=fault_lrs.endpoint, auth_kind="basic",
        username="u", secret=SECRET, xapi_version="2.0.0", batch_size="10"), None)
    assert checked.errors == {}
    endpoint_id = lrs_settings.save_endpoint(engine, checked, cipher)
    with engine.connect() as conn:
        endpoint = lrs_store.get_endpoint(conn, endpoint_id)
    assert endpoint.sealed_secret.startswith("fernet:") and SECRET not in endpoint.sealed_secret
    assert SECRET not in repr(endpoint)
    assert lrs_store.lrs_config(endpoint, cipher).auth.password == SECRET
    assert lrs_settings.check_connection(endpoint, cipher).ok
    assert "COACHBRIDGE_KEY_ENCRYPTION_KEY" in lrs_settings.check_connection(endpoint, None).message
    with pytest.raises(KeyEncryptionError):
        lrs_store.lrs_config(endpoint, None)
    # a worker without the key skips that LRS (and says so) instead of failing the others
    assert "sealed" not in [d.target for d in XapiDelivery(engine, None).deliverers()]
    assert "sealed" in [d.target for d in XapiDelivery(engine, cipher).deliverers()]


def test_the_connection_test_reports_an_unusable_proxy_setting(world, engine, monkeypatch):
    for name in ("http_proxy", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "ftp://proxy.invalid:21")
    endpoint_id = world.add_lrs("proxied", "http://lrs.example.invalid/xapi/")
    with engine.connect() as conn:
        endpoint = lrs_store.get_endpoint(conn, endpoint_id)
    check = lrs_settings.check_connection(endpoint, None)
    assert not check.ok and "unsupported scheme ftp" in check.message
