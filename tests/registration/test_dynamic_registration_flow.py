"""Dynamic Registration end to end over HTTP: the tool's /lti/register pages against the
demo LMS and against platforms shaped like Moodle, Canvas and Brightspace, each opened
from a registration link (invitation) a tool operator created."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from lti import claims as c
from tests.peers.lti_platform import browser, error_code
from tests.registration.vendors import (  # noqa: F401  (vendors: the fixture)
    confirm, invitation, open_registration, platform_count, register, stored, vendors,
)


def test_moodle_shaped_platform_registers_with_its_deployment(peers, vendors):
    page, done = register(peers, vendors.base + "/moodle/mod/lti/openid-configuration.php")
    assert vendors.base + "/moodle" in page.text and "moodle" in page.text
    assert done.status_code == 200
    assert "org.imsglobal.lti.close" in done.text
    document = vendors.received[-1]["document"]
    assert vendors.received[-1]["authorization"] == "Bearer reg-token"
    assert document["initiate_login_uri"] == peers.tool_url + "/lti/login"
    assert document["redirect_uris"] == [peers.tool_url + "/lti/launch"]
    assert document["jwks_uri"] == peers.tool_url + "/lti/jwks"
    assert document["token_endpoint_auth_method"] == "private_key_jwt"
    assert c.AGS_SCOPE_SCORE in document["scope"] and c.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY in document["scope"]
    assert document[c.TOOL_CONFIGURATION]["domain"] == urlsplit(peers.tool_url).netloc
    rows, deployed = stored(peers, vendors.base + "/moodle")
    assert len(rows) == 1
    row = rows[0]
    assert (row["auth_login_url"], row["key_set_url"], row["auth_token_url"]) == (
        vendors.base + "/moodle/mod/lti/auth.php", vendors.base + "/moodle/mod/lti/certs.php",
        vendors.base + "/moodle/mod/lti/token.php")
    assert row["registered_by"] == "dynamic" and not row["accept_new_deployments"]
    assert deployed[row["id"]] == ["12"]


def test_canvas_shaped_one_issuer_many_client_ids(peers, vendors):
    config = vendors.base + "/api/lti/security/openid-configuration"
    for token in ("token-a", "token-b"):
        assert register(peers, config, token)[1].status_code == 200
    rows, deployed = stored(peers, vendors.base)
    assert [r["client_id"] for r in rows] == ["10000000000017", "10000000000018"]
    # Canvas names no deployment: they are learnt from signed launches.
    assert all(r["accept_new_deployments"] and deployed[r["id"]] == [] for r in rows)
    assert rows[0]["token_audience"] == ""  # a bare-host authorization_server: the token URL is the audience


def test_brightspace_shaped_keeps_its_token_audience(peers, vendors):
    assert register(peers, vendors.base + "/bs/d2l/lti/dynamic-registration/configuration")[1].status_code == 200
    rows, deployed = stored(peers, vendors.base + "/bs")
    assert rows[0]["token_audience"] == vendors.base + "/bsapi/auth/token"
    assert deployed[rows[0]["id"]] == ["bs-deployment-1"]


def test_wrong_issuer_is_refused_and_nothing_stored(peers, vendors):
    before = platform_count(peers)
    page = open_registration(peers, browser(), vendors.base + "/impostor/config")
    assert page.status_code == 400 and error_code(page) == "issuer_mismatch"
    assert "https://moodle.example.org" in page.text
    assert platform_count(peers) == before


def test_unreachable_configuration_is_shown_plainly(peers):
    page = open_registration(peers, browser(), "http://127.0.0.1:9/nothing-listens-here")
    assert page.status_code == 502 and error_code(page) == "configuration_unreachable"


def test_platform_refusing_the_registration_stores_nothing(peers, vendors):
    before = platform_count(peers)
    page, done = register(peers, vendors.base + "/refusing/config")
    assert done.status_code == 400 and error_code(done) == "registration_refused"
    # The platform's OAuth error code is shown, never its free text (any server's words).
    assert "invalid_client_metadata" in done.text and "scope not allowed here" not in done.text
    assert platform_count(peers) == before


def test_confirmation_needs_the_form_token_from_the_same_browser(peers, vendors):
    client = browser()
    page = open_registration(peers, client, vendors.base + "/moodle/mod/lti/openid-configuration.php")
    forged = confirm(peers, browser(), page)  # another browser replays the form
    assert forged.status_code == 403 and error_code(forged) == "registration_form_expired"


def test_missing_openid_configuration(peers):
    page = browser().get(invitation(peers))
    assert page.status_code == 400 and error_code(page) == "openid_configuration_missing"


def test_demo_lms_registration_page_and_endpoint(peers):
    client = browser()
    # The demo LMS's "add a tool" page offers the invitation link the tool gave it at start.
    assert peers.lms.tool_registration_url.startswith(peers.tool_url + "/lti/register/")
    lms_page = client.get(peers.lms_url + "/admin/register-tool", params={"tool_url": invitation(peers)})
    src = unescape(re.search(r'<iframe title="Tool registration" src="([^"]+)"', lms_page.text).group(1))
    query = parse_qs(urlsplit(src).query)
    link = src.split("?")[0]
    page, done = register(peers, query["openid_configuration"][0], query["registration_token"][0], link)
    assert done.status_code == 200
    registration = peers.lms.tool_registrations[-1]
    rows, deployed = stored(peers, peers.lms.issuer)
    mine = [r for r in rows if r["client_id"] == registration["client_id"]]
    assert len(mine) == 1 and deployed[mine[0]["id"]] == [registration["deployment_id"]]
    # The invitation is spent: opening the link again fetches nothing and registers nothing.
    spent = open_registration(peers, browser(), query["openid_configuration"][0], "another-token", link)
    assert spent.status_code == 403 and error_code(spent) == "invitation_invalid"
    # The registration token is single-use at the LMS: a second registration with it is refused.
    again = register(peers, query["openid_configuration"][0], query["registration_token"][0])[1]
    assert again.status_code == 400 and error_code(again) == "registration_refused"
