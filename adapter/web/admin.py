"""Pages for administrators: the registered platforms, and relationship imports.

Two kinds of admin use these pages (see adapter/domain/admin_scope.py): a tool operator
sees every platform, a platform admin only their own; each view reads ``admin_scope()``.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.relationships import decode_csv
from adapter.domain.rules import RuleViolation, whole_number
from adapter.persistence.coaching_store import audit
from adapter.persistence.platform_store import platform_choices
from adapter.reports.dashboards import organisation_dashboard
from adapter.services.platforms import list_platforms

from .app_components import components, page_connection
from .auth import admin_required, admin_scope, current_session
from .coaching_support import answer_refusals, now
from .coaching_support import today
from .i18n import rule_problem

NOT_YOURS = _l("There is no such record, or it belongs to a platform you do not manage.")


def admin_blueprint(module: str) -> Blueprint:
    """The blueprint of one admin page module (``__name__``): under /admin, refusals answered
    alike, and every page view audited."""
    blueprint = Blueprint(module.rpartition(".")[2], module, url_prefix="/admin")
    answer_refusals(blueprint, NOT_YOURS)
    blueprint.before_request(_audit_page_view)
    return blueprint


def _audit_page_view() -> None:
    """Who opened which admin page, when (the path only: no query, no form values)."""
    session = current_session()
    if session is None or "admin" not in session.app_roles:
        return
    with components().engine.begin() as conn:
        audit(conn, at=now(), actor_id=session.person_id, platform_id=session.platform_id,
              action="admin.page_viewed", record_type="page", detail={"path": request.path,
                                                                      "method": request.method})


bp = admin_blueprint(__name__)


CHOOSE_PLATFORM = _l("Choose one of the platforms you administer.")


def scoped_platforms() -> list[dict]:
    """The platforms the asking admin may pick in a form."""
    with page_connection() as conn:
        return platform_choices(conn, admin_scope())


def chosen_platform(value: str, problem: str) -> int:
    """A platform id from a form, which must be one the asking admin may act on (400 otherwise)."""
    platform_id = whole_number(value)
    if platform_id is None or platform_id not in {p["id"] for p in scoped_platforms()}:
        abort(400, description=str(problem))
    return platform_id


HEADLINE = ("applied_90", "conversation_before", "cadence_kept", "usefulness")  # what the home page leads with


@bp.route("/")
@admin_required
def home():
    """Outcomes first; registrations, people and delivery under Settings."""
    with page_connection() as conn:
        outcomes = organisation_dashboard(conn, admin_scope(), today())
    return render_template("admin/home.html", platforms=list_platforms(components().engine, admin_scope()),
                           operator=admin_scope().is_operator, outcomes=outcomes, headline=HEADLINE)


@bp.route("/relationships", methods=["GET", "POST"])
@admin_required
def relationships():
    """Import learner ↔ manager pairs from CSV: every row good, or nothing written."""
    from adapter.services.relationships import import_relationships

    result = None
    if request.method == "POST":
        upload = request.files.get("csv_file")
        try:
            text = decode_csv(upload.read()) if upload and upload.filename else request.form.get("csv_text", "")
        except RuleViolation as unreadable:
            abort(400, description=f"{rule_problem(unreadable)}.")
        platform_id = chosen_platform(request.form.get("platform_id", ""),
                                      _("Choose the platform these people launch from."))
        result = import_relationships(components().engine, current_session().person_id, platform_id, text, now())
    return render_template("admin/relationships.html", platforms=scoped_platforms(), result=result,
                           form=request.form), 400 if result and not result.written else 200
