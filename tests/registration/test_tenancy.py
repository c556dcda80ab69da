"""Each LMS is its own tenant: an LMS Administrator launch makes a platform admin of that
LMS only, whatever it tries against another one — including another client id of the same
issuer (Canvas cloud) — and only a tool operator registers or changes registrations.

Platform A is the demo LMS. Platform B is a second demo LMS served on its own port under
A's issuer with another client id and two deployments; its admin launches through the
second deployment."""
from __future__ import annotations

import re
import time
from html import unescape

import pytest
from sqlalchemy import delete, func, insert, select

from adapter.cli import main
from adapter.demo.lms import DemoLMS
from adapter.demo.local_server import ServerThread
from adapter.persistence import lrs_store
from adapter.persistence.report_summary_tables import NO_COURSE, report_course_facts
from adapter.persistence.tables import manager_links, people, platforms
from adapter.persistence.xapi_tables import lrs_endpoints, xapi_privacy
from adapter.reports.dated_facts import CONVERSATION
from adapter.services.platforms import PlatformSpec, register_platform
from tests.peers.lti_platform import auto_post_form, browser, full_launch, operator_browser

B_CLIENT = "coachbridge-canvas-b"
# A closed loopback port: saving runs a connection test, which must reach no other host.
LRS_FORM = {"endpoint": "http://127.0.0.1:9/xapi/", "auth_kind": "none", "xapi_version": "1.0.3",
            "batch_size": "10"}


def csrf(page) -> str:
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))


@pytest.fixture(scope="module")
def tenants(peers):
    """Platform B (same issuer as A, another client id, deployments dep-1 and dep-2), with
    an endpoint on A for B's admin to reach for, and a summary row so A shows in reports."""
    server = ServerThread(host="127.0.0.1")
    lms_b = DemoLMS(lms_url=peers.lms_url, tool_url=peers.tool_url, client_id=B_CLIENT, deployment_id="dep-2")
    server.app = lms_b.create_app()
    server.start()
    own = f"http://127.0.0.1:{server.port}"
    b_id = register_platform(peers.engine, PlatformSpec(
        issuer=peers.lms.issuer, client_id=B_CLIENT, auth_login_url=own + "/authorize", key_set_url=own + "/jwks",
        auth_token_url=own + "/token", name="Canvas B", deployment_ids=("dep-1", "dep-2")))
    with peers.engine.begin() as conn:
        a_id = conn.execute(select(platforms.c.id).where(platforms.c.issuer == peers.lms.issuer,
                                                         platforms.c.client_id == peers.lms.client_id)).scalar_one()
        endpoint_a = lrs_store.add_endpoint(conn, "tenancy-a", {**LRS_FORM, "platform_id": a_id, "username": "",
                                                                "token_url": "", "client_id": "", "scope": "",
                                                                "batch_size": 10}, "", time.time())
        summary_row = (report_course_facts.c.platform_id == a_id, report_course_facts.c.context_pk == NO_COURSE,
                       report_course_facts.c.kind == CONVERSATION, report_course_facts.c.bucket == 0)
        # The session's shared database may hold A's row already (other tests record conversations).
        added_summary = conn.execute(select(report_course_facts.c.n).where(*summary_row)).first() is None
        if added_summary:
            conn.execute(insert(report_course_facts).values(kind=CONVERSATION, platform_id=a_id,
                                                            context_pk=NO_COURSE, bucket=0, n=1, a=0, b=0, c=0, d=0))
    admin_b = browser()
    action, fields = auto_post_form(admin_b.get(lms_b.login_url("admin-ada", "rl-feedback")).text)
    assert admin_b.post(action, data=fields).status_code == 200
    admin_a = browser()
    assert full_launch(peers, "admin-ada", client=admin_a).status_code == 200
    yield {"a": a_id, "b": b_id, "endpoint_a": endpoint_a, "admin_a": admin_a, "admin_b": admin_b, "lms_b": lms_b}
    with peers.engine.begin() as conn:
        if added_summary:
            conn.execute(delete(report_course_facts).where(*summary_row))
        conn.execute(delete(lrs_endpoints).where(lrs_endpoints.c.id == endpoint_a))
    server.stop()


@pytest.fixture
def operator(peers, monkeypatch, capsys):
    return operator_browser(peers, monkeypatch, capsys)


def count(peers, table, *where) -> int:
    with peers.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_the_admin_of_b_launched_through_its_second_deployment_administers_b(peers, tenants):
    page = tenants["admin_b"].get(peers.tool_url + "/admin/")
    assert page.status_code == 200 and "Canvas B" in page.text
    assert "Demo LMS" not in page.text and B_CLIENT in page.text and f">{peers.lms.client_id}<" not in page.text
    assert tenants["admin_b"].get(f"{peers.tool_url}/admin/platforms/{tenants['b']}").status_code == 200


def test_listing_and_opening_another_platform_is_refused(peers, tenants):
    for admin, other in ((tenants["admin_b"], "a"), (tenants["admin_a"], "b")):
        assert admin.get(f"{peers.tool_url}/admin/platforms/{tenants[other]}").status_code == 404
    listing = tenants["admin_a"].get(peers.tool_url + "/admin/")
    assert "Demo LMS" in listing.text and "Canvas B" not in listing.text
    lrs_page = tenants["admin_b"].get(peers.tool_url + "/admin/lrs")
    assert "tenancy-a" not in lrs_page.text and f'id="identity-{tenants["a"]}"' not in lrs_page.text


def test_the_report_csv_holds_only_the_admins_platform(peers, tenants, operator):
    assert "Demo LMS" in operator.get(peers.tool_url + "/admin/reports.csv").text  # the row B must not see
    csv_b = tenants["admin_b"].get(peers.tool_url + "/admin/reports.csv")
    assert csv_b.status_code == 200 and "Demo LMS" not in csv_b.text
    page_b = tenants["admin_b"].get(peers.tool_url + "/admin/reports")
    assert f'<option value="{tenants["a"]}"' not in page_b.text and "Demo LMS" not in page_b.text
    target = tenants["admin_b"].post(peers.tool_url + "/admin/reports/targets", data={
        "csrf_token": csrf(page_b), "platform_id": str(tenants["a"]), "manager": "manager-mo",
        "measure": "conversations_held", "target": "5"})
    assert target.status_code == 400


def test_an_lrs_endpoint_or_privacy_on_another_platform_is_refused(peers, tenants):
    admin_b, a = tenants["admin_b"], tenants["a"]
    page = admin_b.get(peers.tool_url + "/admin/lrs/new")
    assert f'<option value="{a}"' not in page.text
    before = count(peers, lrs_endpoints)
    added = admin_b.post(peers.tool_url + "/admin/lrs/new", data={
        **LRS_FORM, "csrf_token": csrf(page), "platform_id": str(a), "name": "b-sneaks-onto-a"})
    assert added.status_code == 400 and "Choose the platform" in added.text
    assert count(peers, lrs_endpoints) == before
    with peers.engine.connect() as conn:
        privacy_before = conn.execute(select(xapi_privacy).where(xapi_privacy.c.platform_id == a)).all()
    privacy = admin_b.post(f"{peers.tool_url}/admin/lrs/privacy/{a}", data={
        "csrf_token": csrf(page), "identity_format": "mbox", "share_free_text": "1"})
    assert privacy.status_code == 404
    with peers.engine.connect() as conn:
        assert conn.execute(select(xapi_privacy).where(xapi_privacy.c.platform_id == a)).all() == privacy_before
    endpoint = f"{peers.tool_url}/admin/lrs/{tenants['endpoint_a']}"
    assert admin_b.get(endpoint).status_code == 404
    attempts = (("", {**LRS_FORM, "platform_id": str(tenants["b"])}), ("/test", {}), ("/active", {"active": "0"}))
    for path, data in attempts:
        assert admin_b.post(endpoint + path, data={**data, "csrf_token": csrf(page)}).status_code == 404, path
    with peers.engine.connect() as conn:
        row = conn.execute(select(lrs_endpoints).where(lrs_endpoints.c.id == tenants["endpoint_a"])).mappings().one()
    assert row["platform_id"] == a and row["active"]
    # Its own platform: the same forms work.
    own = admin_b.post(peers.tool_url + "/admin/lrs/new", data={
        **LRS_FORM, "csrf_token": csrf(page), "platform_id": str(tenants["b"]), "name": "b-own-lrs"})
    assert own.status_code == 200 and "Saved, but not turned on" in own.text  # nothing answers there
    assert admin_b.post(f"{peers.tool_url}/admin/lrs/privacy/{tenants['b']}", data={
        "csrf_token": csrf(page), "identity_format": "mbox"}).status_code == 200


def test_disabling_another_platform_or_registering_is_for_operators_only(peers, tenants):
    admin_b = tenants["admin_b"]
    assert "Disable this platform" not in admin_b.get(f"{peers.tool_url}/admin/platforms/{tenants['b']}").text
    page = admin_b.get(peers.tool_url + "/admin/relationships")  # any page with a form: the session's token
    for platform in ("a", "b"):
        refused = admin_b.post(f"{peers.tool_url}/admin/platforms/{tenants[platform]}/active",
                               data={"csrf_token": csrf(page), "active": "0"})
        assert refused.status_code == 403
    assert count(peers, platforms, platforms.c.active.is_(False), platforms.c.id.in_([tenants["a"], tenants["b"]])) == 0
    for path in ("/admin/platforms/new", "/admin/invitations", "/admin/delivery"):
        assert admin_b.get(peers.tool_url + path).status_code == 403, path
    takeover = admin_b.post(peers.tool_url + "/admin/platforms/new", data={
        "csrf_token": csrf(page), "issuer": peers.lms.issuer, "client_id": peers.lms.client_id,
        "auth_login_url": "https://evil.example/auth", "key_set_url": "https://evil.example/jwks"})
    assert takeover.status_code == 403
    assert count(peers, platforms, platforms.c.key_set_url == "https://evil.example/jwks") == 0


def test_importing_relationships_into_another_platform_is_refused(peers, tenants):
    admin_b = tenants["admin_b"]
    page = admin_b.get(peers.tool_url + "/admin/relationships")
    assert f'value="{tenants["a"]}"' not in page.text
    before = count(peers, manager_links)
    imported = admin_b.post(peers.tool_url + "/admin/relationships", data={
        "csrf_token": csrf(page), "platform_id": str(tenants["a"]),
        "csv_text": "learner_user_id,manager_user_id\nlearner-ana,learner-ben\n"})
    assert imported.status_code == 400 and count(peers, manager_links) == before
    own = admin_b.post(peers.tool_url + "/admin/relationships", data={
        "csrf_token": csrf(page), "platform_id": str(tenants["b"]),
        "csv_text": "learner_user_id,manager_user_id\nb-learner,b-manager\n"})
    assert own.status_code == 200 and count(peers, manager_links) == before + 1
    with peers.engine.connect() as conn:
        created = set(conn.execute(select(people.c.platform_id).where(people.c.sub.in_(["b-learner", "b-manager"])))
                      .scalars())
    assert created == {tenants["b"]}


def test_an_existing_registration_is_never_replaced(peers, tenants, operator, capsys):
    form = operator.get(peers.tool_url + "/admin/platforms/new")
    again = operator.post(peers.tool_url + "/admin/platforms/new", data={
        "csrf_token": csrf(form), "issuer": peers.lms.issuer, "client_id": B_CLIENT,
        "auth_login_url": "https://evil.example/auth", "key_set_url": "https://evil.example/jwks"})
    assert again.status_code == 409 and "already registered" in again.text
    assert main(["platform", "add", "--issuer", peers.lms.issuer, "--client-id", peers.lms.client_id,
                 "--auth-login-url", "https://evil.example/auth", "--jwks-url", "https://evil.example/jwks"]) == 1
    assert "already registered" in capsys.readouterr().err
    assert count(peers, platforms, platforms.c.key_set_url.like("https://evil.example/%")) == 0
    # B's admin still launches with B's own keys: nothing was overwritten.
    client = browser()
    action, fields = auto_post_form(client.get(tenants["lms_b"].login_url("learner-ana", "rl-feedback")).text)
    assert client.post(action, data=fields).status_code == 200


def test_disabling_a_platform_ends_its_admins_reach(peers, tenants, operator):
    admin_b, b = tenants["admin_b"], tenants["b"]
    token = csrf(operator.get(peers.tool_url + "/admin/relationships"))
    operator.post(f"{peers.tool_url}/admin/platforms/{b}/active", data={"csrf_token": token, "active": "0"})
    try:
        refused = admin_b.get(peers.tool_url + "/admin/lrs")  # the session from before
        assert refused.status_code == 403 and "registration with coachbridge is disabled" in refused.text
    finally:
        operator.post(f"{peers.tool_url}/admin/platforms/{b}/active", data={"csrf_token": token, "active": "1"})
    assert admin_b.get(peers.tool_url + "/admin/lrs").status_code == 200
