"""The endpoints an LMS calls: login initiation, launch, and the tool's public keys."""
from __future__ import annotations

import time
from typing import Callable

from flask import Blueprint, current_app, g, jsonify, make_response, redirect, render_template, request, url_for

from adapter.metrics import record_launch
from adapter.services.launches import open_session
from lti.errors import Rejection
from lti.keys import jwks_document
from lti.oidc import LOGIN_LIFETIME, LoginRedirect, new_browser_id, start_login

from . import components
from .auth import BROWSER_COOKIE, SESSION_COOKIE, set_cookie

bp = Blueprint("lti", __name__)

LANDING = {"learner": "learner.home", "manager": "manager.home", "instructor": "instructor.home",
           "admin": "admin.home"}


def rejected(rejection: Rejection):
    return render_template("error.html", code=rejection.code, reason=rejection.reason,
                           status=rejection.status), rejection.status


def tool_url(endpoint: str) -> str:
    public = components().settings.public_url
    return public + url_for(endpoint) if public else url_for(endpoint, _external=True)


@bp.route("/lti/login", methods=["GET", "POST"])
def login():
    params = request.values.to_dict()
    browser_id = request.cookies.get(BROWSER_COOKIE) or new_browser_id()
    parts = components()
    outcome = start_login(params, parts.registrations, parts.logins, tool_url("lti.launch"), browser_id)
    if isinstance(outcome, Rejection):
        return rejected(outcome)
    assert isinstance(outcome, LoginRedirect)
    response = redirect(outcome.url, code=302)
    set_cookie(response, BROWSER_COOKIE, browser_id, max_age=int(LOGIN_LIFETIME))
    return response


@bp.route("/lti/launch", methods=["POST"])
def launch():
    """Validate the id_token, open the session, and answer with the landing page itself.

    No redirect: the page is the response to the form post (as LTI tools do), with the
    session cookie its links and forms use. Reloading it re-posts the used id_token, which
    is refused with "launch again from your course".
    """
    parts = components()
    outcome = parts.validator.validate(request.form.get("id_token", ""), request.form.get("state", ""),
                                       request.cookies.get(BROWSER_COOKIE))
    if isinstance(outcome, Rejection):
        record_launch(outcome.code)
        return rejected(outcome)
    record_launch("ok")
    opened = open_session(parts.engine, outcome, parts.role_map, time.time(), parts.settings.session_lifetime)
    g.web_session = opened.session  # the page is rendered for the session just opened
    response = make_response(landing_page(opened.message_type, opened.app_role)())
    set_cookie(response, SESSION_COOKIE, opened.token, max_age=parts.settings.session_lifetime)
    return response


def landing_page(message_type: str, app_role: str) -> Callable:
    """The view that renders the page a launch lands on; its own role checks apply."""
    if message_type == "LtiDeepLinkingRequest":
        from .instructor import deep_link_page  # instructor imports this module

        return deep_link_page
    return current_app.view_functions[LANDING[app_role]]


@bp.route("/lti/jwks")
@bp.route("/.well-known/jwks.json")
def jwks():
    response = jsonify(jwks_document(components().tool_keys.published()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
