"""Pages for instructors and course designers: the course, and Deep Linking."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select

from adapter.persistence.tables import contexts, memberships

from . import components
from .auth import current_session, role_required

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


@bp.route("/")
@role_required("instructor", "admin")
def home():
    session = current_session()
    course, members = None, 0
    if session.context_pk:
        with components().engine.connect() as conn:
            course = conn.execute(select(contexts).where(contexts.c.id == session.context_pk)).mappings().first()
            members = conn.execute(select(func.count()).select_from(memberships)
                                   .where(memberships.c.context_pk == session.context_pk)).scalar_one()
    return render_template("instructor/home.html", course=course, members=members)


@bp.route("/deep-link")
@role_required("instructor", "admin")
def deep_link():
    if current_session().launch.get("message_type") != "LtiDeepLinkingRequest":
        abort(400, description="Open this page from your course editor's 'add activity' dialog.")
    return render_template("instructor/deep_link.html")
