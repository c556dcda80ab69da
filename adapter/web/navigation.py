"""The navigation every page shows, and the nominations waiting for the viewer's answer.

Built from what the tool knows (current mentees, pending nominations), not from the
launch's roles alone; looked up once per page, only when the page is rendered."""
from __future__ import annotations

from flask import Flask, Request, g, has_request_context, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from adapter.services.navigation import Navigation, navigation_for

from .app_components import page_connection
from .auth import current_session, with_csrf_field
from .kept_fragments import KeptFragments, page_input, plain_key
from .request_locale import current_locale


def _navigation_key(values: dict) -> tuple | None:
    """A kept page's key of the navigation it reads: every field, as plain data."""
    navigation = current_navigation()
    return (None,) if navigation is None else plain_key([navigation.sections, navigation.nominations])


@page_input(_navigation_key)
def current_navigation() -> Navigation | None:
    session = current_session()
    if session is None:
        return None
    kept = g._get_current_object()  # once: each use of Flask's proxy costs ~1 µs
    if "navigation" not in kept:
        try:
            with page_connection() as conn:
                kept.navigation = navigation_for(conn, session.person_id, session.app_roles)
        except SQLAlchemyError:  # an error page while the database is down still renders
            kept.navigation = navigation_for(None, None, session.app_roles)
    return kept.navigation


def page_section(asked: Request | None = None) -> str:
    """The section the page belongs to: its blueprint's audience (admin_lrs and the other
    admin page modules → admin, manager_reports → manager). ``asked``: the request, from a
    caller that has it."""
    return ((asked if asked is not None else request).blueprint or "").partition("_")[0]


_HEADER = "_page_header.html"


def _header_key(values: dict) -> tuple | None:
    """What the kept header depends on beside ``nav``'s sections (``values``: the render's, for
    its ``web_session``); None: rendered each time (a cookieless session's links carry its token)."""
    if not has_request_context() or g._get_current_object().get("session_url_token"):  # ~1 µs a proxy
        return None
    asked = request._get_current_object()
    return (current_locale(), asked.script_root, page_section(asked), bool(values.get("web_session")),
            asked.full_path if asked.method == "GET" else asked.path)


@page_input(_header_key)
@pass_context
def page_header(context: Context, nav: Navigation | None) -> Markup:
    """base.html's stylesheet links, skip link and header (the sections, the language switcher,
    sign-out), ~45 µs of every page's render. The same text for every page with the same
    language, sections, current section, path and script root: rendered once per those and kept
    (per template environment, with its other kept texts: ``KeptFragments.headers``), with the
    session's CSRF field put in where the template has it. Without a navigation (no session) or
    with a cookieless session (its links carry its token) it is rendered each time."""
    environment = context.environment
    key = _header_key(context) if nav is not None else None
    if key is None:
        return Markup(environment.get_template(_HEADER).render({**context.get_all(), "nav": nav}))
    key = (*key, tuple(nav.sections))
    kept = environment.extensions[KeptFragments.identifier].headers
    return with_csrf_field(kept, key, lambda: environment.get_template(_HEADER).render({**context.get_all(), "nav": nav}))


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"navigation": current_navigation, "page_section": page_section})
    app.add_template_global(page_header)
