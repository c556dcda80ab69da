"""Dynamic Registration end to end over HTTP: the tool's /lti/register pages against the
demo LMS and against platforms shaped like Moodle, Canvas and Brightspace."""
from __future__ import annotations

import itertools
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import func, select

from adapter.demo.local_server import ServerThread
from adapter.persistence.tables import deployments, platforms
from lti import claims as c
from tests.peers.lti_platform import browser, error_code
from tests.peers.vendor_platforms import brightspace_configuration, canvas_configuration, moodle_configuration


class VendorPlatforms:
    """Moodle-, Canvas- and Brightspace-shaped platforms on one local server."""

    def __init__(self):
        self.received: list[dict] = []
        self.client_ids = itertools.count(10000000000017)
        app = Flask("vendor_platforms")
        self.server = ServerThread(app)
        self.base = f"http://127.0.0.1:{self.server.port}"
        base = self.base
        documents = {
            "/moodle/mod/lti/openid-configuration.php": moodle_configuration(base + "/moodle"),
            "/api/lti/security/openid-configuration": canvas_configuration(base, sso=base + "/sso",
                                                                           school=base + "/school"),
            "/bs/d2l/lti/dynamic-registration/configuration": brightspace_configuration(
                base + "/bs", auth=base + "/bsauth", api=base + "/bsapi"),
            "/impostor/config": {**moodle_configuration(base + "/impostor"), "issuer": "https://moodle.example.org"},
            "/refusing/config": {**moodle_configuration(base + "/refusing")},
        }

        @app.get("/<path:path>")
        def configuration(path):
            return jsonify(documents["/" + path])

        @app.post("/moodle/mod/lti/openid-registration.php")
        def moodle_register():
            return self.answer(deployment_id="12")

        @app.post("/school/api/lti/registrations")
        def canvas_register():
            return self.answer(client_id=next(self.client_ids))  # a number, and no deployment

        @app.post("/bs/d2l/lti/dynamic-registration/register")
        def brightspace_register():
            return self.answer(deployment_id="bs-deployment-1")

        @app.post("/refusing/mod/lti/openid-registration.php")
        def refuse():
            return jsonify(error="invalid_client_metadata", error_description="scope not allowed here"), 400

        self.server.start()

    def answer(self, deployment_id=None, client_id=None):
        document = request.get_json()
        self.received.append({"document": document, "authorization": request.headers.get("Authorization")})
        answer = {**document, "client_id": client_id or f"client-{len(self.received)}"}
        if deployment_id:
            answer[c.TOOL_CONFIGURATION] = {**document[c.TOOL_CONFIGURATION], "deployment_id": deployment_id}
        return jsonify(answer)


@pytest.fixture(scope="module")
def vendors():
    running = VendorPlatforms()
    yield running
    running.server.stop()


def open_registration(peers, client, config_url, token="reg-token"):
    return client.get(peers.tool_url + "/lti/register",
                      params={"openid_configuration": config_url, "registration_token": token})


def confirm(peers, client, page):
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return client.post(peers.tool_url + "/lti/register", data={k: unescape(v) for k, v in fields.items()})


def register(peers, config_url, token="reg-token"):
    client = browser()
    page = open_registration(peers, client, config_url, token)
    assert page.status_code == 200, page.text
    return page, confirm(peers, client, page)


def stored(peers, issuer):
    with peers.engine.connect() as conn:
        rows = conn.execute(select(platforms).where(platforms.c.issuer == issuer).order_by(platforms.c.id)
                            ).mappings().all()
        deployed = {r["id"]: sorted(conn.execute(select(deployments.c.deployment_id)
                                                 .where(deployments.c.platform_id == r["id"])).scalars())
                    for r in rows}
    return rows, deployed


def platform_count(peers):
    with peers.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(platforms)).scalar_one()


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
    assert "scope not allowed here" in done.text
    assert platform_count(peers) == before


def test_confirmation_needs_the_form_token_from_the_same_browser(peers, vendors):
    client = browser()
    page = open_registration(peers, client, vendors.base + "/moodle/mod/lti/openid-configuration.php")
    forged = confirm(peers, browser(), page)  # another browser replays the form
    assert forged.status_code == 403 and error_code(forged) == "registration_form_expired"


def test_missing_openid_configuration(peers):
    page = browser().get(peers.tool_url + "/lti/register")
    assert page.status_code == 400 and error_code(page) == "openid_configuration_missing"


def test_demo_lms_registration_page_and_endpoint(peers):
    client = browser()
    lms_page = client.get(peers.lms_url + "/admin/register-tool", params={"tool_url": peers.tool_url + "/lti/register"})
    src = unescape(re.search(r'<iframe title="Tool registration" src="([^"]+)"', lms_page.text).group(1))
    query = parse_qs(urlsplit(src).query)
    page, done = register(peers, query["openid_configuration"][0], query["registration_token"][0])
    assert done.status_code == 200
    registration = peers.lms.tool_registrations[-1]
    rows, deployed = stored(peers, peers.lms.issuer)
    mine = [r for r in rows if r["client_id"] == registration["client_id"]]
    assert len(mine) == 1 and deployed[mine[0]["id"]] == [registration["deployment_id"]]
    # The registration token is single-use at the LMS: a second registration with it is refused.
    again = register(peers, query["openid_configuration"][0], query["registration_token"][0])[1]
    assert again.status_code == 400 and error_code(again) == "registration_refused"
