"""The LRS settings and delivery pages, over HTTP on the running tool: form checks,
secrets never shown back, the connection test (which sends no statement), privacy
options, dead messages with their reasons and the requeue button, CSRF, and who gets in."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import select

from adapter.persistence.outbox_store import SqlOutbox, enqueue, forget
from adapter.persistence.tables import outbox
from adapter.persistence.xapi_tables import lrs_endpoints
from tests.peers.lti_platform import browser, demo_platform_id, full_launch, operator_browser

SECRET = "pa55-word-never-shown-4b1e"


@pytest.fixture
def admin(peers, monkeypatch, capsys):
    """A browser signed in to the admin pages with a one-time link from the CLI."""
    return operator_browser(peers, monkeypatch, capsys)


def csrf(page) -> str:
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))


def add_form(peers, name: str, endpoint: str, **overrides) -> dict:
    return {"platform_id": str(demo_platform_id(peers)), "name": name, "endpoint": endpoint, "auth_kind": "basic",
            "username": "coachbridge", "secret": SECRET, "xapi_version": "1.0.3", "batch_size": "50", **overrides}


def test_form_checks_every_field(peers, admin):
    page = admin.get(peers.tool_url + "/admin/lrs/new")
    bad = admin.post(peers.tool_url + "/admin/lrs/new", data={
        "csrf_token": csrf(page), "platform_id": "999999", "name": "no spaces allowed", "auth_kind": "oauth2",
        "endpoint": "https://user:pw@lrs.example.org/xapi/", "token_url": "nope", "xapi_version": "0.95",
        "batch_size": "0"})
    assert bad.status_code == 400
    for message in ("Choose the platform", "Name is required", "without credentials", "Token URL must be",
                    "Client id is required", "Client secret is required", "xAPI version must be",
                    "Batch size must be"):
        assert message in bad.text, message


def test_add_edit_test_and_disable_an_endpoint_without_showing_its_secret(peers, admin, fault_lrs):
    page = admin.get(peers.tool_url + "/admin/lrs/new")
    created = admin.post(peers.tool_url + "/admin/lrs/new",
                         data={**add_form(peers, "admin-ok", fault_lrs.endpoint), "csrf_token": csrf(page)})
    assert created.status_code == 200 and "Saved." in created.text and SECRET not in created.text
    assert "currently set" in created.text
    with peers.engine.connect() as conn:
        assert conn.execute(select(lrs_endpoints.c.secret).where(lrs_endpoints.c.name == "admin-ok")).scalar() == SECRET
    taken = admin.post(peers.tool_url + "/admin/lrs/new",
                       data={**add_form(peers, "admin-ok", fault_lrs.endpoint), "csrf_token": csrf(page)})
    assert taken.status_code == 400 and "already used" in taken.text and SECRET not in taken.text

    edit_url = created.url.split("?")[0]
    tested = admin.post(edit_url + "/test", data={"csrf_token": csrf(created)})
    assert "Connection test: the LRS answered" in tested.text and "1.0.3, 2.0.0" in tested.text
    assert fault_lrs.requests == 0  # GET about and one read: no statement sent

    edited = admin.post(edit_url, data={**add_form(peers, "ignored", fault_lrs.endpoint, batch_size="25", secret=""),
                                        "csrf_token": csrf(created)})
    assert edited.status_code == 200 and 'value="25"' in edited.text and SECRET not in edited.text
    with peers.engine.connect() as conn:  # a blank secret keeps the stored one; the name never changes
        row = conn.execute(select(lrs_endpoints).where(lrs_endpoints.c.name == "admin-ok")).mappings().one()
    assert (row["secret"], row["batch_size"]) == (SECRET, 25)

    listing = admin.get(peers.tool_url + "/admin/lrs")
    assert "admin-ok" in listing.text and ">set<" in listing.text and SECRET not in listing.text
    disabled = admin.post(edit_url + "/active", data={"csrf_token": csrf(created), "active": "0"})
    assert "disabled (new records are not queued for it)" in disabled.text


def test_connection_test_reports_an_lrs_that_is_not_there(peers, admin):
    page = admin.get(peers.tool_url + "/admin/lrs/new")
    created = admin.post(peers.tool_url + "/admin/lrs/new",
                         data={**add_form(peers, "admin-down", "http://127.0.0.1:9/xapi/"), "csrf_token": csrf(page)})
    assert "Saved, but not turned on" in created.text  # an endpoint that never answered queues nothing
    assert "disabled (new records are not queued for it)" in created.text
    tested = admin.post(created.url.split("?")[0] + "/test", data={"csrf_token": csrf(created)})
    assert "Connection test: failed" in tested.text and "nothing answered at" in tested.text
    assert "Errno" not in tested.text and "ConnectionError" not in tested.text
    assert SECRET not in tested.text


def test_privacy_options_are_saved_per_platform(peers, admin):
    page = admin.get(peers.tool_url + "/admin/lrs")
    platform_id = demo_platform_id(peers)
    saved = admin.post(f"{peers.tool_url}/admin/lrs/privacy/{platform_id}",
                       data={"csrf_token": csrf(page), "identity_format": "mbox_sha1sum", "share_free_text": "1"})
    assert "Privacy options saved." in saved.text
    section = saved.text.split(f'id="identity-{platform_id}"')[1].split("</fieldset>")[0]
    assert 'value="mbox_sha1sum" selected' in section and "checked" in section
    refused = admin.post(f"{peers.tool_url}/admin/lrs/privacy/{platform_id}",
                         data={"csrf_token": csrf(page), "identity_format": "openid"})
    assert refused.status_code == 400
    reset = admin.post(f"{peers.tool_url}/admin/lrs/privacy/{platform_id}",
                       data={"csrf_token": csrf(page), "identity_format": "account"})
    assert reset.status_code == 200


def test_delivery_page_shows_dead_messages_and_requeues_them(peers, admin):
    with peers.engine.begin() as conn:
        enqueue(conn, "xapi", "admin-dead", "m-1", {"id": "m-1"}, time.time(), source="reflection 1 v1")
    box = SqlOutbox(peers.engine, "xapi")
    (row,) = box.claim_due("admin-dead", 10, _now())
    box.mark_dead(row.id, "400 rejected: <script>bad</script> actor is missing")
    page = admin.get(peers.tool_url + "/admin/delivery")
    assert "admin-dead" in page.text and "reflection 1 v1" in page.text
    assert "&lt;script&gt;bad&lt;/script&gt; actor is missing" in page.text
    requeued = admin.post(peers.tool_url + "/admin/delivery/retry-dead",
                          data={"csrf_token": csrf(page), "channel": "xapi", "target": "admin-dead"})
    assert "1 dead message requeued." in requeued.text
    box.mark_dead(box.claim_due("admin-dead", 10, _now())[0].id, "left dead for the next run")


@pytest.mark.parametrize("language, one, two", [
    ("en", "Requeue 1 dead message", "Requeue 2 dead messages"),
    ("de", "1 unzustellbare Nachricht erneut einreihen", "2 unzustellbare Nachrichten erneut einreihen"),
    ("es", "Volver a poner en cola 1 mensaje muerto", "Volver a poner en cola 2 mensajes muertos"),
    ("fr", "Remettre en file 1 message mort", "Remettre en file 2 messages morts")])
def test_the_requeue_button_counts_in_words_of_its_language(peers, admin, language, one, two):
    """One dead message or two: the singular or the plural, never a "(s)" form."""
    box = SqlOutbox(peers.engine, "xapi")
    for target, dead in ((f"plural-one-{language}", 1), (f"plural-two-{language}", 2)):
        with peers.engine.begin() as conn:
            for n in range(dead):
                enqueue(conn, "xapi", target, f"{target}-{n}", {"id": n}, time.time(), source=f"reflection {n} v1")
        for row in box.claim_due(target, 10, _now()):
            box.mark_dead(row.id, "400 rejected")
    page = admin.get(peers.tool_url + "/admin/delivery", headers={"Accept-Language": language}).text
    row_of = {target: page.split(f">{target}<")[1].split("</tr>")[0]
              for target in (f"plural-one-{language}", f"plural-two-{language}")}
    assert f">{one}</button>" in row_of[f"plural-one-{language}"]
    assert f">{two}</button>" in row_of[f"plural-two-{language}"]
    assert "(s)" not in page


def test_every_form_needs_the_csrf_token(peers, admin):
    for path in ("/admin/lrs/new", "/admin/lrs/privacy/1", "/admin/delivery/retry-dead"):
        assert admin.post(peers.tool_url + path, data={"identity_format": "account"}).status_code == 403


def test_people_who_are_not_admins_get_403(peers):
    learner = browser()
    assert full_launch(peers, "learner-ana", client=learner).status_code == 200
    for path in ("/admin/lrs", "/admin/lrs/new", "/admin/delivery"):
        assert learner.get(peers.tool_url + path).status_code == 403
    assert browser().get(peers.tool_url + "/admin/lrs").status_code == 401


def test_profile_is_served_as_json_ld_without_sign_in(peers):
    response = browser().get(peers.tool_url + "/xapi/profile")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/ld+json"
    profile = response.json()
    assert profile["id"] == "https://w3id.org/xapi/coachbridge" and profile["type"] == "Profile"
    assert any(c["id"].endswith("/extensions/confidence") for c in profile["concepts"])
    validated = next(t for t in profile["templates"] if t["id"].endswith("/templates/application-validated"))
    assert "The actor is the manager who decided" in validated["definition"]["en"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def waiting_messages(peers):
    """Two made-up messages in the session's shared outbox, cancelled and their payloads
    dropped afterwards (outbox.forget), even if the test fails. Deleting the rows instead
    would leave their payloads behind: SQLite reuses a deleted row's id, so a later test's
    real score would be claimed with this fake payload."""
    platform_id = demo_platform_id(peers)
    with peers.engine.begin() as conn:
        enqueue(conn, "xapi", "admin-slow", "m-2", {"id": "m-2"}, time.time(), source="reflection 2 v1")
        enqueue(conn, "ags", f"platform:{platform_id}", "s-1", {"id": "s-1"}, time.time(), source="validation 1 v1")
    yield platform_id
    with peers.engine.begin() as conn:
        forget(conn, conn.execute(select(outbox.c.id).where(outbox.c.message_id.in_(["m-2", "s-1"]))).scalars().all())


def test_delivery_page_says_why_messages_wait_and_names_the_gradebook(peers, admin, waiting_messages):
    box = SqlOutbox(peers.engine, "xapi")
    (row,) = box.claim_due("admin-slow", 10, _now())
    box.schedule_retry([row.id], _now() + timedelta(minutes=5), 1, "503 the LRS is busy")
    page = admin.get(peers.tool_url + "/admin/delivery").text
    assert "Last try failed: 503 the LRS is busy." in page and "Next try in" in page
    assert "Scores to an LMS gradebook" in page and f"platform:{waiting_messages}" not in page
