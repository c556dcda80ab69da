"""The endpoints an LMS calls: login initiation, launch, and the tool's public keys.

Login and launch bind the state to the browser with the ``cb_browser`` cookie; inside an
LMS iframe whose browser drops it, through the LMS's client-side storage frame when the
LMS offers one (``lti_storage_target``), else with an offer to continue in a new window
(lti/client_storage.py decides; the pages are templates/lti/).
"""
from __future__ import annotations

import time
from typing import Mapping
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.utils import get_content_type

from adapter.metrics import record_launch
from adapter.persistence.database import reads_only, thread_connection
from adapter.services.launches import open_session
from adapter.services.navigation import landing
from lti import client_storage
from lti.errors import N_, Rejection, forbidden
from lti.keys import jwks_document
from lti.oidc import LOGIN_LIFETIME, LoginRedirect, new_browser_id, start_login

from .app_components import components
from .auth import BROWSER_COOKIE, SESSION_COOKIE, first_value, set_cookie
from .instructor import deep_link_page
from .tool_links import tool_url

bp = Blueprint("lti", __name__)

LANDING = {"learner": "learner.home", "manager": "manager.home", "instructor": "instructor.home",
           "admin": "admin.home"}


def rejected(rejection: Rejection):
    """The error page for a refused login or launch, its reason in the reader's language."""
    return render_template("error.html", code=rejection.code, reason=_(rejection.reason, **rejection.params),
                           status=rejection.status), rejection.status


# Marks the login initiation the tool sends back to itself to see whether its cookie stayed.
PROBE_PARAM = "cb_cookie_probe"


def login_url(params: Mapping[str, str], probe: bool = False) -> str:
    return tool_url("lti.login") + "?" + urlencode({**params, **({PROBE_PARAM: "1"} if probe else {})})


# What werkzeug makes of ``mimetype="text/html"``: made once, not per redirect.
_HTML = get_content_type("text/html", "utf-8")


def found(url: str):
    """A 302 to ``url`` with an empty body: the browser follows the Location and never shows
    one, so werkzeug's ``redirect`` would build and escape an HTML page for nothing. Still
    ``text/html``, so it carries the same Content-Security-Policy as before. The headers as a
    list with the type given: a dict and a mimetype take werkzeug's generic paths (~3 µs)."""
    return current_app.response_class(status=302, headers=[("Location", url)], content_type=_HTML)


@bp.route("/lti/login", methods=["GET", "POST"])
def login():
    asked = request._get_current_object()  # once: each read through Flask's proxy costs ~1 µs
    # A GET's values are its query's (werkzeug's ``values`` leaves a GET's body out).
    params = (asked.args if asked.method == "GET" else asked.values).to_dict()
    probed = params.pop(PROBE_PARAM, None) is not None
    cookie = first_value(asked.cookies, BROWSER_COOKIE)
    target = params.get("lti_storage_target")
    fetch_dest = asked.environ.get("HTTP_SEC_FETCH_DEST")  # headers.get raises and catches a KeyError when missing
    binding = client_storage.login_binding(bool(cookie), probed, fetch_dest, target)
    if binding == client_storage.PROBE:
        response = found(login_url(params, probe=True))
        set_cookie(response, BROWSER_COOKIE, new_browser_id(), max_age=int(LOGIN_LIFETIME))
        return response
    if binding == client_storage.NEW_WINDOW:
        return render_template("lti/login_storage.html", data=None, new_window_url=login_url(params))
    parts = components()
    through_storage = binding == client_storage.STORAGE
    browser_id = cookie or new_browser_id()  # with storage: the secret the platform frame keeps
    outcome = start_login(params, parts.registrations, parts.login_states, tool_url("lti.launch"), browser_id,
                          through_storage=through_storage)
    if isinstance(outcome, Rejection):
        return rejected(outcome)
    assert isinstance(outcome, LoginRedirect)
    if through_storage:
        data = client_storage.login_page(outcome.login, browser_id, outcome.url, target or "")
        return render_template("lti/login_storage.html", data=data, new_window_url=login_url(params))
    response = found(outcome.url)
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
    asked = request._get_current_object()  # once: each read through Flask's proxy costs ~1 µs
    form = asked.form
    id_token, state = form.get("id_token", ""), form.get("state", "")
    storage_value = first_value(form, client_storage.VALUE_FIELD)  # sent only through platform storage
    if storage_value is None and client_storage.is_storage_state(state):
        page = storage_launch_page(parts, id_token, state)
        if page is not None:
            return page
    if storage_value is not None and not client_storage.value_posted_by_tool(
            asked.headers.get("Sec-Fetch-Site"), asked.headers.get("Origin"),
            client_storage.web_origin(tool_url("lti.launch"))):
        record_launch("state_storage_cross_site")
        return rejected(forbidden("state_storage_cross_site",
                                  N_("This launch was not sent by coachbridge's own page. Please launch again.")))
    through_storage = storage_value is not None
    # One connection: the login is consumed (its one write) in the transaction that records
    # the launch and opens the session; the landing page is read on it after the commit. The consumption
    # comes last, so SQLite's write lock (taken at the transaction's first write) is held
    # for as few statements as possible; a launch that loses the race rolls back everything.
    # On SQLite a kept connection (no pool checkout and return per launch).
    with thread_connection(parts.engine) as conn:
        logins = parts.logins.within(conn)
        with conn.begin() as transaction:
            outcome = parts.validator.validate(id_token, state, first_value(asked.cookies, BROWSER_COOKIE),
                                               storage_value, logins=logins, consume=False)
            opened = None if isinstance(outcome, Rejection) else open_session(
                conn, outcome, parts.role_map, time.time(), parts.settings.session_lifetime,
                session_in_urls=through_storage)
            refused = opened and parts.validator.consume(outcome.login, logins)
            if refused:
                transaction.rollback()
                outcome, opened = refused, None
        if opened is None:
            assert isinstance(outcome, Rejection)
            record_launch(outcome.code)
            return rejected(outcome)
        record_launch("ok")
        reads_only(conn)  # the landing page's reads
        request_globals = g._get_current_object()  # flask.g, taken from its proxy once
        session = request_globals.web_session = opened.session  # the page is rendered for the session just opened
        if through_storage:
            request_globals.session_url_token = opened.token
        request_globals.saved_languages = opened.languages  # read with the launch (i18n.select_locale)
        section, request_globals.navigation, request_globals.asker = landing(
            conn, session.person_id, session.platform_id, session.app_roles, session.context_pk,
            session.launch.get("signed_in_by"), opened.no_team)
        request_globals.db_connection = conn
        view = deep_link_page if opened.message_type == "LtiDeepLinkingRequest" else current_app.view_functions[
            LANDING[section]]
        response = make_response(view())
    set_cookie(response, SESSION_COOKIE, opened.token, max_age=parts.settings.session_lifetime)
    return response


def storage_launch_page(parts, id_token: str, state: str):
    """For a login bound through platform storage: the page that reads the value back
    from the platform frame and posts it with the id_token (None: let the validator say
    why this state cannot be used)."""
    login = parts.login_states.open(state)
    if not client_storage.awaiting_value(state, None, login, time.time()) or parts.logins.login_used(login.login_id):
        return None
    registration = parts.registrations.find_registration(login.issuer, login.client_id)
    if registration is None:
        return None
    data = client_storage.launch_page(state, registration.auth_login_url, request.form.get("lti_storage_target"))
    return render_template("lti/launch_storage.html", data=data, id_token=id_token, state=state)


@bp.route("/lti/jwks")
@bp.route("/.well-known/jwks.json")
def jwks():
    response = jsonify(jwks_document(components().tool_keys.published()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
