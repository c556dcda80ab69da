"""Admin access without an LMS, manual registration pages, and keys encrypted at rest."""
from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from adapter.cli import main
from adapter.config import ConfigurationError, Settings
from adapter.persistence.database import make_engine
from adapter.persistence.tables import tool_keys
from adapter.services.platforms import set_platform_active
from adapter.web import create_app
from tests.peers.lti_platform import browser, full_launch

SECRET = "a-very-long-secret-for-the-tests-0123456789"


def admin_link(capsys, base_url):
    assert main(["admin", "link", "--base-url", base_url]) == 0
    return capsys.readouterr().out.strip()


@pytest.fixture
def same_db(peers, monkeypatch):
    """The CLI pointed at the running tool's database."""
    monkeypatch.setenv("DATABASE_URL", peers.engine.url.render_as_string(hide_password=False))
    return peers


def csrf(page):
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))


def test_admin_link_signs_in_once(same_db, capsys):
    peers = same_db
    link = admin_link(capsys, peers.tool_url)
    assert link.startswith(peers.tool_url + "/admin/sign-in/")
    client = browser()
    page = client.get(link)
    assert page.status_code == 200 and page.url == peers.tool_url + "/admin/"
    assert "<h3>Registered platforms</h3>" in page.text  # under Settings, after the outcomes (issue 20)
    assert page.text.index('id="outcomes-heading"') < page.text.index("<h2>Settings</h2>")
    for path in ("/admin/lrs", "/admin/delivery", "/admin/relationships", "/admin/reports", "/admin/tool-config"):
        assert f'href="{path}"' in page.text and client.get(peers.tool_url + path).status_code == 200
    again = browser().get(link)
    assert again.status_code == 403 and "already used or has expired" in again.text


def test_admin_registers_an_lms_by_hand_and_disables_it(same_db, capsys):
    peers = same_db
    client = browser()
    client.get(admin_link(capsys, peers.tool_url))
    form_page = client.get(peers.tool_url + "/admin/platforms/new")
    token = csrf(form_page)
    bad = client.post(peers.tool_url + "/admin/platforms/new",
                      data={"csrf_token": token, "issuer": "not a url", "client_id": ""})
    assert bad.status_code == 400
    assert "Issuer must be a web address" in bad.text and "Client id is required" in bad.text
    created = client.post(peers.tool_url + "/admin/platforms/new", data={
        "csrf_token": token, "name": "Our <Moodle>", "issuer": "https://moodle.example.org", "client_id": "abc",
        "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
        "key_set_url": "https://moodle.example.org/mod/lti/certs.php", "auth_token_url": "",
        "deployment_ids": "1\n2"})
    assert created.status_code == 200 and "Our &lt;Moodle&gt;" in created.text and "1, 2" in created.text
    detail_url = created.url
    disabled = client.post(detail_url + "/active", data={"csrf_token": token, "active": "0"})
    assert "disabled: its launches are refused" in disabled.text
    no_csrf = client.post(detail_url + "/active", data={"active": "1"})
    assert no_csrf.status_code == 403


def test_disabled_platform_refuses_logins(same_db, capsys):
    peers = same_db
    main(["platform", "list"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    demo = next(r for r in rows if r["issuer"] == peers.lms.issuer and r["client_id"] == peers.lms.client_id)
    # Through the running tool's own engine, as the admin page does (the CLI is another
    # process: running servers see its change within the registration cache's TTL).
    assert set_platform_active(peers.engine, demo["id"], False)
    try:
        refused = browser().get(peers.lms.login_url("learner-ana", "rl-feedback"))
        assert refused.status_code == 403 and "registration_disabled" in refused.text
    finally:
        assert set_platform_active(peers.engine, demo["id"], True)
    assert full_launch(peers, "learner-ana").status_code == 200


def test_tool_config_page_and_cli(same_db, capsys):
    peers = same_db
    client = browser()
    client.get(admin_link(capsys, peers.tool_url))
    page = client.get(peers.tool_url + "/admin/tool-config")
    assert f"<code>{peers.tool_url}/lti/login</code>" in page.text
    assert "oidc_initiation_url" in page.text
    assert main(["tool-config", "--base-url", "https://coach.example.org", "--canvas-json"]) == 0
    config = json.loads(capsys.readouterr().out)
    assert config["oidc_initiation_url"] == "https://coach.example.org/lti/login"
    assert config["public_jwk_url"] == "https://coach.example.org/lti/jwks"
    assert config["extensions"][0]["privacy_level"] == "public"
    assert main(["tool-config", "--base-url", "https://coach.example.org"]) == 0
    assert "Domain: coach.example.org" in capsys.readouterr().out


def test_private_keys_are_encrypted_at_rest(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COACHBRIDGE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("COACHBRIDGE_KEY_ENCRYPTION_KEY", raising=False)
    main(["keys", "rotate"])  # stored before encryption was configured
    monkeypatch.setenv("COACHBRIDGE_KEY_ENCRYPTION_KEY", SECRET)
    main(["keys", "rotate"])
    client = create_app(Settings.from_env()).test_client()  # seals the older plaintext key on start
    engine = make_engine(f"sqlite:///{tmp_path / 'coachbridge.db'}")
    with engine.connect() as conn:
        stored = conn.execute(select(tool_keys.c.private_pem)).scalars().all()
    assert len(stored) == 2 and all(s.startswith("fernet:") and "PRIVATE KEY" not in s for s in stored)
    assert len(client.get("/lti/jwks").get_json()["keys"]) == 2
    monkeypatch.setenv("COACHBRIDGE_KEY_ENCRYPTION_KEY", "another-secret-that-is-long-enough-000000")
    capsys.readouterr()
    assert main(["keys", "list"]) == 2
    assert "encrypted with another COACHBRIDGE_KEY_ENCRYPTION_KEY" in capsys.readouterr().err


def test_production_refuses_to_start_without_the_encryption_key(tmp_path):
    settings = Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path), "COACHBRIDGE_ENV": "production"})
    with pytest.raises(ConfigurationError, match="COACHBRIDGE_KEY_ENCRYPTION_KEY"):
        create_app(settings)
    assert SECRET not in repr(Settings.from_env({"COACHBRIDGE_KEY_ENCRYPTION_KEY": SECRET}))


def test_serve_refuses_production_without_the_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COACHBRIDGE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("COACHBRIDGE_ENV", "production")
    monkeypatch.delenv("COACHBRIDGE_KEY_ENCRYPTION_KEY", raising=False)
    assert main(["serve"]) == 2
    assert "needs COACHBRIDGE_KEY_ENCRYPTION_KEY" in capsys.readouterr().err
