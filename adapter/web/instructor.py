"""Pages for instructors and course designers: course progress, and Deep Linking."""
from __future__ import annotations

import time

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from adapter.domain.placement import KINDS, Placement
from adapter.domain.rules import RuleViolation
from adapter.domain.translatable import N_
from adapter.persistence import roster_store
from adapter.persistence.people_store import course_links
from adapter.services.coaching_views import course_page
from adapter.services.placements import place_activity
from lti.deep_linking import DeepLinkingError

from . import submitted
from .app_components import components, page_connection
from .auth import current_session, instructor_required
from .coaching_support import answer_refusals, catalog, current_viewer
from .roster import sync_current_course
from .tool_links import tool_url

bp = Blueprint("instructor", __name__, url_prefix="/instructor")
answer_refusals(bp)


@bp.route("/")
@instructor_required
def home():
    session = current_session()
    course, page = None, {"learners": 0, "activities": []}
    if session.context_pk:
        with page_connection() as conn:
            course = roster_store.course(conn, session.context_pk)
            page = course_page(conn, current_viewer())
    return render_template("instructor/home.html", course=course, **page)


@bp.route("/roster", methods=["POST"])
@instructor_required
def roster():
    return sync_current_course("instructor.home")


def _deep_link_launch() -> dict:
    launch = current_session().launch
    if launch.get("message_type") != "LtiDeepLinkingRequest" or not launch.get("deep_linking_settings"):
        abort(400, description=_("Open this page from your course editor's 'add activity' dialog."))
    return launch


def _course_links() -> dict[str, dict]:
    session = current_session()
    if not session.context_pk:
        return {}
    with page_connection() as conn:
        return course_links(conn, session.platform_id, session.context_pk)


@bp.route("/deep-link", methods=["GET", "POST"])
@instructor_required
def deep_link():
    launch = _deep_link_launch()
    links = _course_links()
    error = None
    if request.method == "POST":
        try:
            placement = Placement.place(submitted.placement(request.form), catalog(), set(links))
            session = current_session()
            answer = place_activity(components().engine, session.platform_id, session.context_pk, launch, placement,
                                    tool_url("lti.launch"), components().tool_keys.current(), time.time())
        except (RuleViolation, DeepLinkingError) as broken:
            error = broken if isinstance(broken, RuleViolation) else RuleViolation(
                N_("The LMS"), N_("%(field)s cannot take this placement: %(detail)s"), detail=str(broken))
        else:
            return render_template("instructor/deep_link_return.html", answer=answer, title=placement.title)
    return _deep_link_form(links, request.form, error)


@instructor_required
def deep_link_page():
    """The form as first shown: also the answer to the Deep Linking launch itself."""
    _deep_link_launch()
    return _deep_link_form(_course_links(), {}, None)


def _deep_link_form(links: dict[str, dict], form, error: RuleViolation | None):
    templates = sorted(catalog().by_key.values(), key=lambda t: (t.kind, t.title))
    return render_template("instructor/deep_link.html", kinds=KINDS, templates=templates, links=links,
                           form=form, error=error), 400 if error else 200
