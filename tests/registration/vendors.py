"""Platforms shaped like Moodle, Canvas and Brightspace on one local server (and a few
misbehaving ones), and the steps of a Dynamic Registration from a registration link."""
from __future__ import annotations

import itertools
import re
import time
from html import unescape

import pytest
from flask import Flask, Response, jsonify, request
from sqlalchemy import func, select

from adapter.demo.local_server import ServerThread
from adapter.persistence.tables import deployments, platforms
from adapter.services.invitations import invite
from lti import claims as c
from tests.peers.lti_platform import browser
from tests.peers.vendor_platforms import brightspace_configuration, canvas_configuration, moodle_configuration

SECRET_PAGE = "TOP-SECRET-INTERNAL-PAGE"


class VendorPlatforms:
    """Moodle-, Canvas- and Brightspace-shaped platforms on one local server, and servers
    that redirect, answer too much, too slowly, or with a page that must not be shown."""

    def __init__(self):
        self.received: list[dict] = []
        self.requested: list[str] = []  # every path asked for, to prove what the tool did not fetch
        self.client_ids = itertools.count(10000000000017)
        app = Flask("vendor_platforms")

        @app.before_request
        def note_request():
            self.requested.append(request.path)

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

        @app.get("/moved/config")
        def moved():
            return "", 302, {"Location": base + "/moodle/mod/lti/openid-configuration.php"}

        @app.get("/huge/config")
        def huge():
            return jsonify({**moodle_configuration(base + "/huge"), "padding": "x" * 200_000})

        @app.get("/secret/config")
        def secret_error():
            return SECRET_PAGE, 500

        @app.get("/secret/page")
        def secret_page():
            return f"<html><body>{SECRET_PAGE}</body></html>"

        @app.get("/slow/config")
        def slow():
            def drip():  # a byte every 0.2 s: each read is quick, the whole answer is not
                for _ in range(50):
                    time.sleep(0.2)
                    yield b" "
            return Response(drip(), mimetype="application/json")

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


def invitation(peers) -> str:
    """A registration link, as `coachbridge platform invite` prints it."""
    return invite(peers.engine, peers.tool_url, time.time()).link


def open_registration(peers, client, config_url, token="reg-token", link=None):
    return client.get(link or invitation(peers), params={"openid_configuration": config_url,
                                                         "registration_token": token})


def confirm(peers, client, page):
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    return client.post(peers.tool_url + action, data={k: unescape(v) for k, v in fields.items()})


def register(peers, config_url, token="reg-token", link=None):
    client = browser()
    page = open_registration(peers, client, config_url, token, link)
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
