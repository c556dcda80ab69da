"""Who is asking: the server-side session behind the cookie, the domain's permission rules
as 401/403, and CSRF.

Cookies are ``SameSite=None; Secure; Partitioned`` because the tool lives in an LMS
iframe on another site: Chromium drops unpartitioned third-party cookies by default.
"""
from __future__ import annotations

import hmac
import re
import time
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, Callable

from flask import (
    Blueprint, Flask, Request, Response, abort, g, has_request_context, make_response, render_template, request,
)
from flask_babel import gettext
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.http import http_date

from adapter.domain import authorization
from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Asker, Decision
from adapter.domain.kept_answers import KeptAnswers
from adapter.persistence.session_store import WebSession, end_session, load_session
from adapter.services.askers import load_asker

from .app_components import components, page_connection
from .responses import default_header

if TYPE_CHECKING:
    from flask.ctx import _AppCtxGlobals

# "__Host-": the browser takes these cookies only from this host itself (Secure, Path=/, no
# Domain), so a sibling subdomain cannot plant its own session or browser id for the victim.
COOKIE_PREFIX = "__Host-"
SESSION_COOKIE = COOKIE_PREFIX + "cb_session"
# Launches are authenticated by the signed id_token and state; Dynamic Registration
# (no session yet) by its own double-submit token; SCIM by a bearer token, never a cookie;
# one-click unsubscribe links (RFC 8058, posted by mail clients) by the secret in the link,
# and they change only that preference.
CSRF_CHECKED_ELSEWHERE = frozenset({"lti", "registration", "scim", "mail_links"})
SCIM_PATHS = "/scim/v2/"  # also when no route matches (a 404 or 405 there is a SCIM error, not a CSRF one)
# The query/form field a cookieless session travels in (launches through platform storage).
URL_SESSION_PARAM = "cb_s"
BROWSER_COOKIE = COOKIE_PREFIX + "cb_browser"

bp = Blueprint("auth", __name__)


# The tool's cookie values: URL-safe tokens (or empty, to drop a cookie), which need no quoting.
_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


def set_cookie(response, name: str, value: str, max_age: int) -> None:
    """The header werkzeug's ``set_cookie`` writes for these attributes (a test compares them),
    without its per-call lookups, quoting and date formatting (a launch sets two cookies)."""
    if not _TOKEN.fullmatch(value):
        response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True,
                            samesite="None", partitioned=True)
        return
    response.headers.add("Set-Cookie", f"{name}={value}; Expires={_expires(int(time.time()) + max_age)}; "
                                       f"Max-Age={max_age}; Secure; HttpOnly; Path=/; SameSite=None; Partitioned")


@lru_cache(maxsize=16)  # the cookies set within one second share their expiry's text
def _expires(second: int) -> str:
    return http_date(second)


def current_session() -> WebSession | None:
    return g._get_current_object().get("web_session")  # ~0.2 µs; ``g.get`` through the proxy ~1 µs


def session_token() -> str | None:
    """The token of the current request's session (its cookie, or the cookieless URL one)."""
    return request.cookies.get(SESSION_COOKIE) or g.get("session_url_token")


def load_request_session(asked: Request, state: _AppCtxGlobals) -> None:
    """The session from its cookie; or, for a launch made without cookies (through
    platform storage), from the tool's own links and forms, which carry it then."""
    token = first_value(asked.cookies, SESSION_COOKIE)
    from_url = not token and asked.endpoint != "lti.launch"
    if from_url:
        token = first_value(asked.args, URL_SESSION_PARAM) or first_value(asked.form, URL_SESSION_PARAM)
    session = load_session(components().engine, token, time.time()) if token else None
    if session is not None and from_url:
        if not session.launch.get("session_in_urls"):
            session = None  # a cookie session never travels in URLs: a leaked link opens nothing
        elif asked.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
            # The tool's own links and forms carry it; another site's link carrying one is an
            # attacker fixing their session on a victim, who would then write into it.
            session = None
        else:
            state.session_url_token = token
    state.web_session = session


def first_value(values: MultiDict, key: str) -> str | None:
    """``values.get(key)``, without the exception werkzeug raises and catches when the key is
    missing (~1.5 µs; most requests carry no session in the cookie, the query or the form)."""
    return values.get(key) if key in values else None


def _keep_session_in_urls(endpoint: str, values: dict) -> None:
    """Every link and form the tool renders carries the cookieless session onwards."""
    token = g.get("session_url_token") if has_request_context() else None
    if token and endpoint != "static":
        values.setdefault(URL_SESSION_PARAM, token)


def check_csrf(asked: Request, state: _AppCtxGlobals) -> None:
    """Every state-changing request from a page carries the session's CSRF token."""
    if asked.method in ("GET", "HEAD", "OPTIONS") or (asked.blueprint or "") in CSRF_CHECKED_ELSEWHERE \
            or asked.path.startswith(SCIM_PATHS):
        return
    session = state.get("web_session")
    sent = asked.form.get("csrf_token") or asked.headers.get("X-CSRF-Token") or ""
    if session is None or not hmac.compare_digest(sent, session.csrf_token):
        abort(403, description=gettext("This form has expired or did not come from the tool. Please reload the page."))


# Framing is the point of an LTI tool, so no X-Frame-Options; everything else stays strict.
SECURE_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                  ("Cache-Control", "no-store"))


def add_secure_headers(response: Response, names: set[str]) -> Response:
    """Each of SECURE_HEADERS unless the view set it, in that order — ``headers.setdefault`` for
    each, asking the response's header ``names`` (lower-cased: ``responses.header_names``, kept
    up to date) instead (setdefault scans the headers three times and raises and catches an
    exception for every missing one: ~6 µs a response)."""
    for name, value in SECURE_HEADERS:
        default_header(response.headers, names, name, value)
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_keep_session_in_urls)

    app.add_template_global(csrf_field, "csrf")

    @app.context_processor
    def session_values():
        return {"web_session": current_session()}


def csrf_field() -> Markup:
    """A form's hidden CSRF field, ``{{ csrf() }}``: a global, so that the shared macros need
    no page context (templates import them without it, once, not per render). Made once per
    request and token (a form page asks 3–5 times), again when the request's session changes."""
    kept = g._get_current_object()
    session = kept.get("web_session")
    token = session.csrf_token if session else ""
    field = kept.get("csrf_field")
    if field is None or field[0] != token:
        field = kept.csrf_field = (token, Markup(f'<input type="hidden" name="csrf_token" value="{escape(token)}">'))
    return field[1]


def with_csrf_field(kept: KeptAnswers, key: tuple, render: Callable[[], str]) -> Markup:
    """A text rendered once per ``key`` and kept, with the asking request's CSRF field put in:
    the one per-session text of a kept page part (the header, a landing's content). Every value a
    page prints is escaped, so only ``csrf()`` prints an ``<input``: the text is kept split at the
    field it was rendered with."""
    field = csrf_field()
    parts = kept.get(key)
    if parts is None:
        parts = kept.keep(key, str(render()).split(field))
    return Markup(str.join(field, parts))


def asker() -> Asker | None:
    """Who is asking (None: no session), loaded on one connection the first time a request asks."""
    if "asker" not in g:
        session = current_session()
        if session is None:
            g.asker = None
        else:
            with page_connection() as conn:
                g.asker = load_asker(conn, session.person_id, session.platform_id, session.app_roles,
                                     session.context_pk, session.launch.get("signed_in_by"))
    return g.asker


def permitted(rule: Callable[[Asker], Decision]) -> Callable:
    """Only an asker the domain's ``rule`` allows gets in: its refusal is a 403 with the
    rule's reason; no session at all is a 401."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            allowed(rule)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def allowed(rule: Callable[..., Decision], *about) -> Asker:
    """The asker, when ``rule`` allows them (``about`` what: a platform, a record); else 401/403."""
    me = asker()
    if me is None:
        abort(401, description=gettext("Your session has ended. Please launch the tool again from your course."))
    decision = rule(me, *about)
    if not decision:
        abort(403, description=gettext(decision.reason))
    return me


def admin_scope() -> AdminScope | None:
    """Whose data the asking admin may touch: every platform, or their own."""
    me = asker()
    return me.admin_scope if me is not None else None


personal_pages = permitted(authorization.may_use_personal_pages)
manager_required = permitted(authorization.may_lead_team)
instructor_required = permitted(authorization.may_teach)
admin_required = permitted(authorization.may_administer)
operator_required = permitted(authorization.may_operate)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """End the session on the server (its token opens nothing afterwards) and drop the cookie."""
    token = session_token()
    if token and current_session() is not None:
        end_session(components().engine, token)
    g.web_session = g.session_url_token = None  # the page below carries no session onwards
    response = make_response(render_template("signed_out.html"))
    set_cookie(response, SESSION_COOKIE, "", max_age=0)
    return response
