"""The anchor: a minimal Flask LTI 1.3 tool on pylti1p3 2.0.0, set up as its README and
its Flask example recommend for production.

- launch data, nonces and state on the server, shared by every gunicorn worker:
  ``FlaskCacheDataStorage`` over Flask-Caching's Redis cache;
- the platform's public key set cached (``set_public_key_caching``) in that same cache;
- ``MAX_CONTENT_LENGTH`` set (pylti1p3 would parse any size of form otherwise);
- HTTPS as the app sees it (a TLS-terminating proxy in front sets the scheme), so its
  cookies get ``Secure; SameSite=None`` and its cache keys get the session-id prefix.

The launch POST validates (state cookie, nonce, registration, signature, deployment,
message), stores the launch in the cache and answers with the page, as pylti1p3's Flask
example does; ``/landing/`` restores a launch with ``from_cache`` for later pages — the
same two tool requests per launch as coachbridge.

Environment: ``PYLTI_BENCH_CONFIG`` (a JSON file in ``ToolConfDict`` form),
``PYLTI_BENCH_REDIS_URL``.
"""
from __future__ import annotations

import html
import json
import os
import secrets

from flask import Flask, abort, request
from flask_caching import Cache
from pylti1p3.contrib.flask import (FlaskCacheDataStorage, FlaskMessageLaunch, FlaskOIDCLogin,
                                    FlaskRequest)
from pylti1p3.tool_config import ToolConfDict

with open(os.environ["PYLTI_BENCH_CONFIG"]) as f:
    TOOL_CONF = ToolConfDict(json.load(f))


class HttpsBehindProxy:
    """What ProxyFix would set from X-Forwarded-Proto behind a TLS-terminating proxy."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = "https"
        return self.app(environ, start_response)


app = Flask(__name__)
app.config.update(
    SECRET_KEY=secrets.token_hex(32),
    MAX_CONTENT_LENGTH=1024 * 1024,
    SESSION_COOKIE_SECURE=True,
    SESSION_COOKIE_SAMESITE="None",
    CACHE_TYPE="RedisCache",
    CACHE_REDIS_URL=os.environ["PYLTI_BENCH_REDIS_URL"],
    CACHE_DEFAULT_TIMEOUT=600,
)
app.wsgi_app = HttpsBehindProxy(app.wsgi_app)  # type: ignore[method-assign]
cache = Cache(app)


def launch_data_storage() -> FlaskCacheDataStorage:
    return FlaskCacheDataStorage(cache)


@app.route("/login/", methods=["GET", "POST"])
def login():
    flask_request = FlaskRequest()
    target_link_uri = flask_request.get_param("target_link_uri")
    if not target_link_uri:
        abort(400)
    oidc_login = FlaskOIDCLogin(flask_request, TOOL_CONF, launch_data_storage=launch_data_storage())
    # enable_check_cookies() is left off: it answers with a JavaScript page that only a
    # real browser can get past, and adds a round trip.
    return oidc_login.redirect(target_link_uri)


@app.route("/launch/", methods=["POST"])
def launch():
    flask_request = FlaskRequest()
    message_launch = FlaskMessageLaunch(flask_request, TOOL_CONF, launch_data_storage=launch_data_storage())
    message_launch.set_public_key_caching(launch_data_storage(), cache_lifetime=7200)
    data = message_launch.get_launch_data()  # validates, then saves the launch in the cache
    # As pylti1p3's Flask example does: the page is the answer to the launch POST, and
    # later requests find the launch again with from_cache(launch_id) (see /landing/).
    return page(data, message_launch.get_launch_id())


@app.route("/landing/")
def landing():
    """A later page of the same launch: the launch data restored from the cache."""
    flask_request = FlaskRequest()
    launch_id = request.args.get("launch_id", "")
    message_launch = FlaskMessageLaunch.from_cache(launch_id, flask_request, TOOL_CONF,
                                                   launch_data_storage=launch_data_storage())
    return page(message_launch.get_launch_data(), launch_id)


def page(data: dict, launch_id: str) -> str:
    link = data.get("https://purl.imsglobal.org/spec/lti/claim/resource_link", {})
    title = html.escape(link.get("title", ""))
    return (f"<!doctype html><html lang=en><title>{title}</title><h1>{title}</h1>"
            f"<p>Signed in as {html.escape(data.get('name', ''))}</p>"
            f"<p><a href=\"/landing/?launch_id={html.escape(launch_id)}\">This activity</a></p>")
