"""With ``HTTP_PROXY`` / ``HTTPS_PROXY`` set, the proxy resolves the LRS's name and
connects, where the tool cannot check the address. So an endpoint that may reach only
public addresses (a platform admin's) sends nothing through a proxy: its statements wait
with the reason, and go out once the tool operator vouches for it (``coachbridge lrs
trust``, or saving it on /admin/lrs); excepted from the proxy by ``NO_PROXY``, it connects
directly and its address is checked on the socket. The tool operator's own endpoint goes
through the proxy. A real forward proxy and a real LRS listen on 127.0.0.1."""
from __future__ import annotations

import json
import time

import pytest

from adapter.cli import main
from adapter.persistence import lrs_store
from adapter.persistence.delivery_view import waiting_reasons
from adapter.services import lrs_settings
from adapter.worker import XapiDelivery, drain
from lti.safe_fetch import public_only_pools
from tests.xapi.forward_proxy import ForwardProxy
from tests.xapi.xapi_fault_lrs import FaultLrs, self_signed_tls
from xapi.backoff import RetryPolicy
from xapi.lrs_client import LrsClient, LrsConfig
from xapi.oauth2 import OAuth2ClientCredentials
from xapi.outcomes import Retryable, Stored

THROUGH_PROXY = ("not connected: it would go through the proxy named in HTTPS_PROXY or HTTP_PROXY, and this "
                 "tool cannot check the address the proxy connects to")
QUICK_RETRY = RetryPolicy(base=0.01, cap=0.02)
STATEMENT = {"id": "7a1c1a5e-3d2b-4c1e-9a57-0b6f7f1d2a93", "actor": {"mbox": "mailto:a@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"id": "https://coach.example.org/activities/1"}}


@pytest.fixture
def proxy(monkeypatch):
    server = ForwardProxy().start()
    for name in ("http_proxy", "https_proxy", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("HTTPS_PROXY", server.url)
    yield server
    server.stop()


@pytest.fixture
def database(engine, monkeypatch):
    """The commands (``coachbridge lrs …``) use the bridge's database."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def disable_all(world, engine) -> None:
    with engine.begin() as conn:
        for endpoint in lrs_store.endpoints(conn, world.platform_id):
            lrs_store.set_endpoint_active(conn, endpoint.id, False, time.time())


def test_a_platform_admins_lrs_waits_instead_of_going_through_the_proxy_until_the_operator_trusts_it(
        world, database, fault_lrs, proxy, capsys):
    endpoint_id = world.add_lrs("behind-proxy", fault_lrs.endpoint, set_by_operator=False)
    world.reflect()
    assert drain([XapiDelivery(database, None, policy=QUICK_RETRY)]) == 0
    rows = world.outbox_rows("behind-proxy")
    assert rows and {(r["status"], r["last_error"]) for r in rows} == {("pending", THROUGH_PROXY)}
    assert proxy.seen == [] and fault_lrs.statements == {}
    with database.connect() as conn:
        last_error = waiting_reasons(conn)[("xapi", "behind-proxy")]["last_error"]
    assert lrs_settings.refused_to_connect(last_error)  # the delivery page's hint (tests/hardening)

    with database.connect() as conn:
        endpoint = lrs_store.get_endpoint(conn, endpoint_id)
    check = lrs_settings.check_connection(endpoint, None)
    assert not check.ok and check.refused and THROUGH_PROXY.removeprefix("not connected: ") in check.message
    assert proxy.seen == []

    # The operator vouches for it as it is now: from then on it goes through the proxy.
    assert main(["lrs", "trust", "behind-proxy", "--endpoint", "http://elsewhere.example.org/xapi/"]) == 1
    assert f"it names {fault_lrs.endpoint}" in capsys.readouterr().err
    assert main(["lrs", "trust", "behind-proxy", "--endpoint", fault_lrs.endpoint]) == 0
    assert "now counts as saved by the tool operator" in capsys.readouterr().out
    assert main(["lrs", "list"]) == 0
    listed = {e["name"]: e for e in map(json.loads, capsys.readouterr().out.splitlines())}
    assert listed["behind-proxy"]["private_address"] == "operator"
    time.sleep(0.05)  # the retry is due
    assert drain([XapiDelivery(database, None, policy=QUICK_RETRY)]) == len(rows)
    assert set(fault_lrs.statements) == {r["message_id"] for r in rows}
    assert ("POST", fault_lrs.endpoint + "statements") in proxy.seen
    disable_all(world, database)


def test_the_operators_own_lrs_goes_through_the_proxy(world, engine, fault_lrs, proxy):
    endpoint_id = world.add_lrs("operators-via-proxy", fault_lrs.endpoint, set_by_operator=True)
    with engine.connect() as conn:
        endpoint = lrs_store.get_endpoint(conn, endpoint_id)
    check = lrs_settings.check_connection(endpoint, None)
    assert check.ok and not check.refused
    assert [method for method, _ in proxy.seen] == ["GET", "GET"]  # about, then one statement read
    disable_all(world, engine)


def test_excepted_from_the_proxy_the_lrs_is_reached_directly_and_its_address_checked(fault_lrs, proxy, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fenced = LrsClient(LrsConfig(name="direct", endpoint=fault_lrs.endpoint), pool_classes=public_only_pools())
    outcome = fenced.post_statements([STATEMENT])
    assert isinstance(outcome, Retryable) and "its address is private, loopback or link-local" in outcome.reason
    check = fenced.check_connection()
    assert not check.ok and check.refused and "its address is private, loopback or link-local" in check.message
    assert proxy.seen == [] and fault_lrs.requests == 0


def test_https_through_the_proxy_is_refused_before_the_tunnel_is_asked_for(proxy, tmp_path, monkeypatch):
    tls, certificate = self_signed_tls(tmp_path)
    lrs = FaultLrs(tls=tls).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate)
    try:
        config = LrsConfig(name="tls", endpoint=lrs.endpoint)
        outcome = LrsClient(config, pool_classes=public_only_pools()).post_statements([STATEMENT])
        assert isinstance(outcome, Retryable) and outcome.reason == THROUGH_PROXY
        assert proxy.seen == [] and lrs.requests == 0
        # The operator's (no fence) tunnels through the same proxy to the same LRS.
        assert isinstance(LrsClient(config).post_statements([STATEMENT]), Stored)
        assert proxy.seen == [("CONNECT", f"127.0.0.1:{lrs.port}")] and set(lrs.statements) == {STATEMENT["id"]}
    finally:
        lrs.stop()


def test_an_oauth2_token_is_not_asked_for_through_the_proxy_either(fault_lrs, proxy):
    credentials = OAuth2ClientCredentials(token_url=f"{fault_lrs.endpoint}token", client_id="tool", client_secret="s")
    client = LrsClient(LrsConfig(name="token", endpoint=fault_lrs.endpoint, auth=credentials),
                       pool_classes=public_only_pools())
    outcome = client.post_statements([STATEMENT])  # the token is asked for first, and refused
    assert isinstance(outcome, Retryable) and outcome.reason == f"oauth2: token endpoint unreachable: {THROUGH_PROXY}"
    check = client.check_connection()
    assert not check.ok and check.refused and "the OAuth2 token request failed" in check.message
    assert proxy.seen == []
