"""The admin pages say whether an LRS may be reached at a private address and why, and
where the tool refused a connection (a private address, or through a proxy from the
environment), why statements wait, and the tool operator is told how to allow it (save
the endpoint); a platform admin, who cannot allow it, gets the plain reason only.

A real LRS (tests/xapi's FaultLrs) listens on 127.0.0.1; this tool does not allow private
addresses, so only the endpoint its operator saved reaches it."""
from __future__ import annotations

import dataclasses
import html
import re
import time

import pytest

from adapter.domain.admin_scope import AdminScope
from adapter.domain.commands import ConfigureLrs
from adapter.persistence import lrs_store
from adapter.persistence.outbox_store import enqueue
from adapter.services import lrs_settings
from adapter.worker import XapiDelivery, drain
from tests.xapi.forward_proxy import ForwardProxy
from tests.xapi.xapi_fault_lrs import FaultLrs

REFUSED = "its address is private, loopback or link-local, which this tool does not reach"
THROUGH_PROXY = ("it would go through the proxy named in HTTPS_PROXY or HTTP_PROXY, and this tool cannot check "
                 "the address the proxy connects to")
LIST_HINT = "To allow it, open this LRS under"
TEST_HINT = "Save this LRS below to allow the connection."
LRS_PAGE_HINT = "Open it and save it to allow the connection."
STATEMENT = {"id": "0b1c1a5e-3d2b-4c1e-9a57-0b6f7f1d2a91", "actor": {"mbox": "mailto:a@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"id": "https://coach.example.org/activities/1"}}


@pytest.fixture(scope="module")
def lrs():
    server = FaultLrs().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def endpoints(world, lrs) -> dict[str, int]:
    """Two endpoints at the LRS on 127.0.0.1: one the tool operator saved, one that counts
    as a platform admin's (as every endpoint saved before the address check did)."""
    ids = {}
    for name, by_operator in (("beside-the-tool", True), ("saved-before-upgrade", False)):
        checked = lrs_settings.check_form(world.engine, AdminScope.operator(), ConfigureLrs(
            platform_id=str(world.platform_id), name=name, endpoint=lrs.endpoint, auth_kind="none", username="",
            secret="", token_url="", client_id="", scope="", xapi_version="1.0.3", batch_size="10"), None)
        assert checked.errors == {}
        ids[name] = lrs_settings.save_endpoint(world.engine, dataclasses.replace(checked, set_by_operator=by_operator),
                                               None)
    return ids


def text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def row_of(page: str, name: str) -> str:
    return re.search(rf"<tr><td><a [^>]*>{name}</a>.*?</tr>", page, re.S).group(0)


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_the_list_says_which_endpoint_may_be_reached_at_a_private_address(world, endpoints, role):
    page = text(world.client(role).get("/admin/lrs"))
    assert "Private address allowed: saved by the tool operator" in row_of(page, "beside-the-tool")
    assert "Public addresses only" in row_of(page, "saved-before-upgrade")
    assert "Public addresses only" not in row_of(page, "beside-the-tool")


def test_the_edit_page_tells_the_operator_that_saving_allows_a_private_address(world, endpoints):
    hint = "Saving it here, as the tool operator, allows a private address."
    operators = text(world.client("operator").get(f"/admin/lrs/{endpoints['saved-before-upgrade']}"))
    assert "Public addresses only." in operators and hint in operators
    admins = text(world.client("admin").get(f"/admin/lrs/{endpoints['saved-before-upgrade']}"))
    assert "Public addresses only." in admins and hint not in admins
    own = text(world.client("operator").get(f"/admin/lrs/{endpoints['beside-the-tool']}"))
    assert "Private address allowed: saved by the tool operator." in own and hint not in own


def test_a_refused_connection_test_tells_only_the_operator_what_to_do(world, endpoints, lrs):
    path = f"/admin/lrs/{endpoints['saved-before-upgrade']}/test"
    operators = text(world.post("operator", path, {}))
    assert "Connection test: failed" in operators and REFUSED in operators and TEST_HINT in operators
    admins = text(world.post("admin", path, {}))
    assert "Connection test: failed" in admins and REFUSED in admins and TEST_HINT not in admins
    reached = text(world.post("operator", f"/admin/lrs/{endpoints['beside-the-tool']}/test", {}))
    assert "Connection test: the LRS answered" in reached and TEST_HINT not in reached
    assert lrs.requests == 0  # the refused ones never connected; the test sends no statement


@pytest.fixture(scope="module")
def one_statement_each(world, endpoints) -> None:
    """A statement queued for each endpoint and one delivery attempt: the operator's is
    delivered, the other refused (its statement waits)."""
    with world.engine.begin() as conn:
        for target in ("saved-before-upgrade", "beside-the-tool"):
            enqueue(conn, "xapi", target, f"m-{target}", {**STATEMENT, "id": STATEMENT["id"][:-2] + str(len(target))},
                    time.time(), source="reflection 1 v1")
    drain([XapiDelivery(world.engine, None)])


def test_the_delivery_page_tells_the_operator_how_to_allow_a_refused_address(world, one_statement_each):
    page = world.client("operator").get("/admin/delivery").get_data(as_text=True)
    refused_row = re.search(r"<tr><td[^>]*>[^<]*</td><td[^>]*>saved-before-upgrade</td>.*?</tr>", page, re.S).group(0)
    assert REFUSED in html.unescape(refused_row) and LIST_HINT in refused_row
    assert '<a href="/admin/lrs">LRS endpoints</a>' in refused_row
    assert page.count(LIST_HINT) == 1  # the operator's own endpoint was delivered to
    assert world.client("admin").get("/admin/delivery").status_code in (403, 404)


def test_the_lrs_pages_say_why_statements_wait_and_tell_the_operator_how_to_allow_it(world, endpoints,
                                                                                    one_statement_each):
    waiting = f"Statements wait: not connected: {REFUSED}."
    operators = text(world.client("operator").get("/admin/lrs"))
    refused_row = row_of(operators, "saved-before-upgrade")
    assert waiting in refused_row and LRS_PAGE_HINT in refused_row
    assert "Statements wait" not in row_of(operators, "beside-the-tool")
    admins = text(world.client("admin").get("/admin/lrs"))
    assert waiting in row_of(admins, "saved-before-upgrade") and LRS_PAGE_HINT not in admins
    edit = text(world.client("operator").get(f"/admin/lrs/{endpoints['saved-before-upgrade']}"))
    assert waiting in edit and TEST_HINT in edit
    assert "Statements wait" not in text(world.client("operator").get(f"/admin/lrs/{endpoints['beside-the-tool']}"))


def test_a_connection_refused_through_a_proxy_is_explained_as_well(world, endpoints, monkeypatch):
    proxy = ForwardProxy().start()
    for name in ("http_proxy", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    try:
        path = f"/admin/lrs/{endpoints['saved-before-upgrade']}/test"
        operators = text(world.post("operator", path, {}))
        assert "Connection test: failed" in operators and THROUGH_PROXY in operators and TEST_HINT in operators
        admins = text(world.post("admin", path, {}))
        assert THROUGH_PROXY in admins and TEST_HINT not in admins
        assert proxy.seen == []
        # The operator's own endpoint may use the proxy.
        reached = text(world.post("operator", f"/admin/lrs/{endpoints['beside-the-tool']}/test", {}))
        assert "Connection test: the LRS answered" in reached and len(proxy.seen) == 2
    finally:
        proxy.stop()


def test_where_the_server_allows_private_addresses_the_page_says_so(world, endpoints):
    with world.engine.connect() as conn:
        admins, operators = (lrs_store.get_endpoint(conn, endpoints[name])
                             for name in ("saved-before-upgrade", "beside-the-tool"))
    assert lrs_settings.private_address_allowed_by(admins, allow_private_addresses=True) == "server"
    assert lrs_settings.private_address_allowed_by(operators, allow_private_addresses=True) == "operator"
