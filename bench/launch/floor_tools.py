"""Two floors for the launch benchmark: tools that answer a launch's two requests and do
no LTI work at all.

They show what the driver and gunicorn cost on their own, on the same machine and in the
same run: no tool that checks anything can beat them. Each answers the login with the
302 to the platform's authorization URL (fresh ``state`` and ``nonce``, a ``state`` cookie)
and the id_token POST with a page naming the activity, so the driver's checks pass; neither
verifies the token, stores a nonce or writes a session.

- ``wsgi_floor``: a bare WSGI callable, no framework.
- ``flask_floor``: the same two views in Flask.

Environment: ``FLOOR_AUTH_LOGIN_URL`` (the platform's authorization URL).
"""
from __future__ import annotations

import os
import secrets
from urllib.parse import parse_qsl, urlencode

from flask import Flask, make_response, redirect, request

AUTH_LOGIN_URL = os.environ["FLOOR_AUTH_LOGIN_URL"]
PAGE = b"<!doctype html><title>Giving feedback</title><h1>Giving feedback</h1>"


def authorization_redirect(args: dict[str, str]) -> tuple[str, str]:
    """The platform URL the login redirects to, and the state bound to the browser."""
    state = secrets.token_urlsafe(24)
    query = urlencode({"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                       "prompt": "none", "client_id": args["client_id"],
                       "redirect_uri": args["target_link_uri"], "login_hint": args["login_hint"],
                       "lti_message_hint": args.get("lti_message_hint", ""), "state": state,
                       "nonce": secrets.token_urlsafe(24)})
    return f"{AUTH_LOGIN_URL}?{query}", state


def wsgi_floor(environ, start_response):
    if environ["PATH_INFO"] == "/login/":
        location, state = authorization_redirect(dict(parse_qsl(environ.get("QUERY_STRING", ""))))
        start_response("302 Found", [("Location", location),
                                     ("Set-Cookie", f"state={state}; Secure; HttpOnly; SameSite=None")])
        return [b""]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    dict(parse_qsl(environ["wsgi.input"].read(length).decode()))  # read the form, as a tool must
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))])
    return [PAGE]


flask_floor = Flask(__name__)
flask_floor.config["MAX_CONTENT_LENGTH"] = 64 * 1024


@flask_floor.get("/login/")
def login():
    location, state = authorization_redirect(request.args.to_dict())
    response = redirect(location)
    response.set_cookie("state", state, secure=True, httponly=True, samesite="None")
    return response


@flask_floor.post("/launch/")
def launch():
    request.form["id_token"]  # read the form, as a tool must
    return make_response(PAGE)
