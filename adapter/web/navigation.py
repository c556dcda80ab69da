"""The navigation every page shows, and the nominations waiting for the viewer's answer.

Built from what the tool knows (current mentees, pending nominations), not from the
launch's roles alone; looked up once per page, only when the page is rendered."""
from __future__ import annotations

from flask import Flask, g, request
from sqlalchemy.exc import SQLAlchemyError

from adapter.services.navigation import Navigation, navigation_for

from .app_components import components
from .auth import current_session


def current_navigation() -> Navigation | None:
    session = current_session()
    if session is None:
        return None
    if "navigation" not in g:
        try:
            with components().engine.connect() as conn:
                g.navigation = navigation_for(conn, session.person_id, session.app_roles)
        except SQLAlchemyError:  # an error page while the database is down still renders
            g.navigation = navigation_for(None, None, session.app_roles)
    return g.navigation


def page_section() -> str:
    """The section the page belongs to: its blueprint's audience (admin_lrs and the other
    admin page modules → admin, manager_reports → manager)."""
    return (request.blueprint or "").partition("_")[0]


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"navigation": current_navigation, "page_section": page_section})
