"""Who may start a Dynamic Registration, and what the tool fetches for it: only from a
registration link a tool operator made (single use, expiring, stored hashed) or, if the
operator opened registration, into a pending platform nothing trusts yet; and then only
public addresses (unless allowed), no redirects, small answers, quickly, never echoed."""
from __future__ import annotations

import dataclasses
import logging
import re
import socket
import time
from html import unescape

import pytest
import requests
from sqlalchemy import select

from adapter.cli import main
from adapter.persistence.tables import platforms, registration_invitations
from adapter.services.invitations import invite
from lti.safe_fetch import FetchLimits, FetchRefused, fetch, is_public
from tests.peers.lti_platform import browser, error_code, operator_browser
from tests.registration.vendors import (  # noqa: F401  (vendors: the fixture)
    SECRET_PAGE, confirm, invitation, open_registration, platform_count, register, stored, vendors,
)

MOODLE = "/moodle/mod/lti/openid-configuration.php"


@pytest.fixture
def settings_of(peers, monkeypatch):
    """Change the running tool's settings for one test."""
    components = peers.app.extensions["coachbridge"]

    def change(**values):
        monkeypatch.setattr(components, "parts", dataclasses.replace(
            components.parts, settings=dataclasses.replace(components.parts.settings, **values)))
    return change


def test_without_a_registration_link_nothing_is_fetched(peers, vendors):
    before = len(vendors.requested)
    for url in (vendors.base + MOODLE, peers.tool_url + "/admin/"):  # an LMS's, or the tool's own page
        page = browser().get(peers.tool_url + "/lti/register", params={"openid_configuration": url})
        assert page.status_code == 403 and error_code(page) == "invitation_required"
    unknown = browser().get(peers.tool_url + "/lti/register/not-an-invitation",
                            params={"openid_configuration": vendors.base + MOODLE})
    assert unknown.status_code == 403 and error_code(unknown) == "invitation_invalid"
    assert len(vendors.requested) == before


def test_cli_invitation_works_once_and_only_its_hash_is_stored(peers, vendors, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", peers.engine.url.render_as_string(hide_password=False))
    assert main(["platform", "invite", "--days", "0"]) == 2
    assert main(["platform", "invite", "--base-url", peers.tool_url, "--note", "Acme Moodle"]) == 0
    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(re.escape(peers.tool_url) + r"/lti/register/[A-Za-z0-9_-]{40,}", link)
    token = link.rsplit("/", 1)[1]
    with peers.engine.connect() as conn:
        stored_rows = conn.execute(select(registration_invitations)).mappings().all()
    assert not any(token in str(value) for row in stored_rows for value in row.values())
    _, done = register(peers, vendors.base + MOODLE, link=link)
    assert done.status_code == 200
    before = len(vendors.requested)
    again = open_registration(peers, browser(), vendors.base + MOODLE, link=link)
    assert again.status_code == 403 and error_code(again) == "invitation_invalid"
    assert len(vendors.requested) == before
    with peers.engine.connect() as conn:
        used = conn.execute(select(registration_invitations.c.platform_id, platforms.c.client_id)
                            .join(platforms, platforms.c.id == registration_invitations.c.platform_id)
                            .where(registration_invitations.c.note == "Acme Moodle")).one()
    assert used.client_id == f"client-{len(vendors.received)}"  # the platform this link registered


def test_an_expired_invitation_is_refused(peers, vendors):
    expired = invite(peers.engine, peers.tool_url, time.time() - 3600, lifetime=60).link
    page = open_registration(peers, browser(), vendors.base + MOODLE, link=expired)
    assert page.status_code == 403 and error_code(page) == "invitation_invalid"


def test_operator_page_shows_a_new_link_once_and_withdraws_it(peers, vendors, monkeypatch, capsys):
    operator = operator_browser(peers, monkeypatch, capsys)
    page = operator.get(peers.tool_url + "/admin/invitations")
    token = unescape(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))
    refused = operator.post(peers.tool_url + "/admin/invitations",
                            data={"csrf_token": token, "note": "<Brightspace>\x00"})  # NUL: no field takes one
    assert refused.status_code == 400 and "NUL" in refused.text
    created = operator.post(peers.tool_url + "/admin/invitations",
                            data={"csrf_token": token, "note": "<Brightspace>\r\nsecond line"})
    assert created.status_code == 201 and "&lt;Brightspace&gt;  second line" in created.text
    link = unescape(re.search(r'<code>(http[^<]+/lti/register/[^<]+)</code>', created.text).group(1))
    assert link.startswith(peers.tool_url + "/lti/register/")
    listing = operator.get(peers.tool_url + "/admin/invitations")
    assert link not in listing.text and "waiting" in listing.text
    withdraw = re.findall(r'action="(/admin/invitations/\d+/withdraw)"', listing.text)[0]
    assert operator.post(peers.tool_url + withdraw, data={"csrf_token": token}).status_code == 200
    page = open_registration(peers, browser(), vendors.base + MOODLE, link=link)
    assert page.status_code == 403 and error_code(page) == "invitation_invalid"


def test_open_registration_waits_for_an_operator(peers, vendors, settings_of, monkeypatch, capsys):
    settings_of(open_registration=True)
    client = browser()
    page = client.get(peers.tool_url + "/lti/register", params={
        "openid_configuration": vendors.base + "/bs/d2l/lti/dynamic-registration/configuration",
        "registration_token": "reg-token"})
    assert page.status_code == 200 and "pending approval" in page.text
    done = confirm(peers, client, page)
    assert done.status_code == 200 and "approve" in done.text
    rows, _ = stored(peers, vendors.base + "/bs")
    pending = rows[-1]
    assert pending["pending"] and not pending["active"]
    login = {"iss": pending["issuer"], "client_id": pending["client_id"], "login_hint": "someone",
             "target_link_uri": peers.tool_url + "/lti/launch", "lti_deployment_id": "bs-deployment-1"}
    refused = browser().get(peers.tool_url + "/lti/login", params=login, allow_redirects=False)
    assert refused.status_code == 403  # no login, so no launch and no key fetch
    operator = operator_browser(peers, monkeypatch, capsys)
    assert main(["platform", "list"]) == 0
    assert '"status": "pending approval"' in next(line for line in capsys.readouterr().out.splitlines()
                                                  if f'"id": {pending["id"]},' in line)
    detail = operator.get(f"{peers.tool_url}/admin/platforms/{pending['id']}")
    assert "Approve this platform" in detail.text
    token = unescape(re.search(r'name="csrf_token" value="([^"]+)"', detail.text).group(1))
    operator.post(f"{peers.tool_url}/admin/platforms/{pending['id']}/active", data={"csrf_token": token, "active": "1"})
    approved = browser().get(peers.tool_url + "/lti/login", params=login, allow_redirects=False)
    assert approved.status_code == 302
    assert approved.headers["Location"].startswith(vendors.base + "/bs/d2l/lti/authenticate")


def test_private_addresses_are_refused_unless_allowed(peers, vendors, settings_of):
    settings_of(allow_private_addresses=False)
    link, before, count = invitation(peers), len(vendors.requested), platform_count(peers)
    page = open_registration(peers, browser(), vendors.base + MOODLE, link=link)
    assert page.status_code == 400 and error_code(page) == "fetch_refused" and "private" in page.text
    assert len(vendors.requested) == before and platform_count(peers) == count  # nothing was sent
    closed = open_registration(peers, browser(), "http://127.0.0.1:9/config", link=link)
    assert error_code(closed) == "fetch_refused"  # a closed port answers as an open one: no port scanning
    settings_of(allow_private_addresses=True)
    assert open_registration(peers, browser(), vendors.base + MOODLE, link=link).status_code == 200  # still usable


@pytest.mark.parametrize(("path", "code", "words"), [
    ("/moved/config", "fetch_refused", "redirect"),
    ("/huge/config", "fetch_refused", "larger than 64 KB"),
    ("/secret/config", "configuration_unreachable", "answered 500"),
    ("/secret/page", "configuration_invalid", "not JSON"),
])
def test_registration_fetches_are_fenced_and_never_echoed(peers, vendors, path, code, words):
    before = len(vendors.requested)
    page = open_registration(peers, browser(), vendors.base + path)
    assert page.status_code in (400, 502) and error_code(page) == code and words in page.text
    assert SECRET_PAGE not in page.text
    assert vendors.requested[before:] == [path]  # a redirect's target is not fetched


def test_connection_errors_are_not_described(peers):
    page = open_registration(peers, browser(), "http://127.0.0.1:9/nothing-listens-here")
    assert page.status_code == 502 and error_code(page) == "configuration_unreachable"
    assert "Errno" not in page.text and "refused" not in page.text and "HTTPConnectionPool" not in page.text


def test_a_name_that_resolves_elsewhere_when_connecting_is_caught_on_the_socket(vendors, monkeypatch):
    """DNS rebinding: the name looks public when checked, then points at loopback for the
    connection. No real resolver here answers that way, so the resolver is stood in for."""
    real = socket.getaddrinfo
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]])

    def rebinding(host, port, *args, **kwargs):
        return next(answers, None) or real("127.0.0.1", port, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    before = len(vendors.requested)
    port = vendors.base.rsplit(":", 1)[1]
    with pytest.raises(FetchRefused, match="private"):
        fetch("GET", f"http://rebinding.example:{port}{MOODLE}", FetchLimits())
    assert len(vendors.requested) == before


def test_a_slow_answer_is_cut_off(vendors):
    with pytest.raises((FetchRefused, requests.Timeout)):
        fetch("GET", vendors.base + "/slow/config", FetchLimits(allow_private_addresses=True, timeout=0.5))


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                                     "224.0.0.1"])
def test_private_loopback_and_link_local_addresses_are_not_public(address):
    assert not is_public(address)


def test_public_addresses_are_public():
    assert is_public("93.184.216.34") and is_public("2606:2800:220:1:248:1893:25c8:1946")


def test_a_registration_link_is_not_written_to_the_request_log(peers, caplog):
    caplog.set_level(logging.INFO, logger="coachbridge.requests")
    link = invitation(peers)
    browser().get(link)  # no openid_configuration: a 400, after the link was checked
    browser().get(peers.tool_url + "/lti/register")
    ours = [record for record in caplog.records if record.name == "coachbridge.requests"]  # the tool's own log
    assert {"/lti/register/[redacted]", "/lti/register"} <= {record.path for record in ours}
    assert link.rsplit("/", 1)[1] not in " ".join(str(record.__dict__) for record in ours)
