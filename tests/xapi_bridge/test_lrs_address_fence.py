"""An LRS endpoint is checked for a private address when it is saved, but the address a
name resolves to may change afterwards (DNS rebinding, a changed record). So every
connection the worker and the connection test make to an LRS (statements, OAuth2 tokens,
``about``) is checked again when it is made: a private, loopback or link-local peer is
refused unless the tool operator saved the endpoint or allows such addresses. A refused
delivery waits, with a plain reason, and goes out once allowed: nothing is dropped."""
from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy import select

from adapter.domain.admin_scope import AdminScope
from adapter.domain.commands import ConfigureLrs
from adapter.persistence import lrs_store
from adapter.persistence.delivery_view import waiting_reasons
from adapter.persistence.tables import outbox
from adapter.services import lrs_settings
from adapter.worker import XapiDelivery, drain
from lti.safe_fetch import public_only_pools
from tests.xapi.xapi_fault_lrs import FaultLrs
from xapi.backoff import RetryPolicy
from xapi.lrs_client import LrsClient, LrsConfig
from xapi.oauth2 import OAuth2ClientCredentials
from xapi.outcomes import Retryable, Stored

NOT_PUBLIC = "not connected: its address is private, loopback or link-local, which this tool does not reach"
QUICK_RETRY = RetryPolicy(base=0.01, cap=0.02)
STATEMENT = {"id": "6f1c1a5e-3d2b-4c1e-9a57-0b6f7f1d2a90", "actor": {"mbox": "mailto:a@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"id": "https://coach.example.org/activities/1"}}


@pytest.fixture
def ipv6_lrs():
    lrs = FaultLrs(host="::1").start()
    yield lrs
    lrs.stop()


def pending_rows(world, target: str) -> list[dict]:
    return [row for row in world.outbox_rows(target) if row["status"] == "pending"]


def test_a_platform_admins_lrs_now_at_a_private_address_waits_and_goes_out_once_allowed(world, engine, fault_lrs):
    # Saved by a platform admin (when its name still resolved to a public address, say);
    # its address is now 127.0.0.1, the tool's own machine.
    world.add_lrs("moved-inside", fault_lrs.endpoint, set_by_operator=False)
    world.reflect()
    world.ask_validation()

    assert drain([XapiDelivery(engine, None, policy=QUICK_RETRY)]) == 0
    rows = world.outbox_rows("moved-inside")
    assert rows and {(r["status"], r["last_error"]) for r in rows} == {("pending", NOT_PUBLIC)}
    assert all(r["attempts"] == 1 for r in rows)  # tried, and scheduled again
    assert fault_lrs.requests == 0 and fault_lrs.statements == {}
    with engine.connect() as conn:  # what the delivery page shows for the queue
        assert waiting_reasons(conn)[("xapi", "moved-inside")]["last_error"] == NOT_PUBLIC

    time.sleep(0.05)  # the retry is due
    assert drain([XapiDelivery(engine, None, policy=QUICK_RETRY, allow_private_addresses=True)]) == len(rows)
    assert pending_rows(world, "moved-inside") == []
    assert set(fault_lrs.statements) == {r["message_id"] for r in rows}


def test_the_operators_own_lrs_beside_the_tool_is_delivered_to(world, engine, fault_lrs):
    checked = lrs_settings.check_form(engine, AdminScope.operator(), ConfigureLrs(
        platform_id=str(world.platform_id), name="beside-the-tool", endpoint=fault_lrs.endpoint, auth_kind="none",
        username="", secret="", token_url="", client_id="", scope="", xapi_version="1.0.3", batch_size="10"), None)
    assert checked.errors == {}
    endpoint_id = lrs_settings.save_endpoint(engine, checked, None)
    world.reflect()
    assert drain([XapiDelivery(engine, None)]) == 1
    assert len(fault_lrs.statements) == 1
    with engine.connect() as conn:
        endpoint = lrs_store.get_endpoint(conn, endpoint_id)
    assert lrs_settings.check_connection(endpoint, None).ok

    # A platform admin's edit (allowed to name a private address here) makes it theirs:
    # fenced again once the operator no longer allows private addresses.
    edited = lrs_settings.check_form(engine, AdminScope.of_platform(world.platform_id), ConfigureLrs(
        platform_id=str(world.platform_id), name="", endpoint=fault_lrs.endpoint, auth_kind="none", username="",
        secret="", token_url="", client_id="", scope="", xapi_version="1.0.3", batch_size="20"), endpoint, True)
    lrs_settings.save_endpoint(engine, edited, None, endpoint)
    with engine.connect() as conn:
        endpoint = lrs_store.get_endpoint(conn, endpoint_id)
    assert not endpoint.set_by_operator
    check = lrs_settings.check_connection(endpoint, None)
    assert not check.ok and "was not connected to: its address is private" in check.message
    assert lrs_settings.check_connection(endpoint, None, allow_private_addresses=True).ok
    with engine.begin() as conn:
        lrs_store.set_endpoint_active(conn, endpoint_id, False, time.time())


def test_statements_and_the_connection_test_to_the_ipv6_loopback_are_refused(ipv6_lrs):
    fenced = LrsClient(LrsConfig(name="v6", endpoint=ipv6_lrs.endpoint), pool_classes=public_only_pools())
    outcome = fenced.post_statements([STATEMENT])
    assert isinstance(outcome, Retryable) and outcome.reason == NOT_PUBLIC
    check = fenced.check_connection()
    assert not check.ok and check.message.startswith(f"{ipv6_lrs.endpoint} was not connected to: its address")
    assert ipv6_lrs.requests == 0
    # The same server answers a client that may reach it: the refusal was the fence's.
    allowed = LrsClient(LrsConfig(name="v6", endpoint=ipv6_lrs.endpoint),
                        pool_classes=public_only_pools(allow_private=True))
    assert allowed.check_connection().ok
    assert isinstance(allowed.post_statements([STATEMENT]), Stored) and set(ipv6_lrs.statements) == {STATEMENT["id"]}


def test_the_cloud_metadata_address_is_refused_for_statements_and_oauth2_tokens():
    metadata = "http://169.254.169.254/latest/"
    client = LrsClient(LrsConfig(name="metadata", endpoint=metadata), pool_classes=public_only_pools())
    outcome = client.post_statements([STATEMENT])
    assert isinstance(outcome, Retryable) and outcome.reason == NOT_PUBLIC

    token_at_metadata = OAuth2ClientCredentials(token_url=metadata + "token", client_id="tool", client_secret="s")
    client = LrsClient(LrsConfig(name="token", endpoint="https://lrs.example.org/xapi/", auth=token_at_metadata),
                       pool_classes=public_only_pools())
    outcome = client.post_statements([STATEMENT])  # the token is asked for first, and refused
    assert isinstance(outcome, Retryable) and outcome.reason == f"oauth2: token endpoint unreachable: {NOT_PUBLIC}"
    check = client.check_connection()
    assert not check.ok and NOT_PUBLIC in check.message


def test_a_name_that_resolves_inside_when_connecting_is_caught_on_the_socket(fault_lrs, monkeypatch):
    """DNS rebinding: the name looks public when checked, then points at loopback for the
    connection. No real resolver here answers that way, so the resolver is stood in for."""
    real = socket.getaddrinfo
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", fault_lrs.port))]])

    def rebinding(host, port, *args, **kwargs):
        return next(answers, None) or real("127.0.0.1", port, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    client = LrsClient(LrsConfig(name="rebound", endpoint=f"http://lrs.rebinding.example:{fault_lrs.port}/xapi/"),
                       pool_classes=public_only_pools())
    outcome = client.post_statements([STATEMENT])
    assert isinstance(outcome, Retryable) and outcome.reason == NOT_PUBLIC
    assert fault_lrs.requests == 0


def test_the_outbox_rows_keep_their_statements_while_refused(world, engine, fault_lrs):
    world.add_lrs("kept-while-refused", fault_lrs.endpoint, set_by_operator=False)
    world.reflect()
    for _ in range(3):
        drain([XapiDelivery(engine, None, policy=QUICK_RETRY)])
        time.sleep(0.03)
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.status, outbox.c.attempts).where(
            outbox.c.target == "kept-while-refused")).all()
    assert [(status, attempts >= 3) for status, attempts in rows] == [("pending", True)]
    with engine.begin() as conn:
        for endpoint in lrs_store.endpoints(conn, world.platform_id):
            lrs_store.set_endpoint_active(conn, endpoint.id, False, time.time())
