"""Pages for administrators: the registered platforms, and relationship imports.

Two kinds of admin use these pages (see adapter/domain/admin_scope.py): a tool operator
sees every platform, a platform admin only their own; each view reads ``admin_scope()``.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from adapter.domain.relationships import decode_csv
from adapter.domain.rules import RuleViolation, whole_number
from adapter.persistence.platform_store import platform_choices
from adapter.services.platforms import list_platforms
from adapter.services.reports import organisation_dashboard

from . import components
from .auth import admin_required, admin_scope, current_session
from .coaching_support import now, answer_refusals
from .report_pages import today

bp = Blueprint("admin", __name__, url_prefix="/admin")
answer_refusals(bp, "There is no such record, or it belongs to a platform you do not manage.")


CHOOSE_PLATFORM = "Choose one of the platforms you administer."


def scoped_platforms() -> list[dict]:
    """The platforms the asking admin may pick in a form."""
    with components().engine.connect() as conn:
        return platform_choices(conn, admin_scope())


def chosen_platform(value: str, problem: str) -> int:
    """A platform id from a form, which must be one the asking admin may act on (400 otherwise)."""
    platform_id = whole_number(value)
    if platform_id is None or platform_id not in {p["id"] for p in scoped_platforms()}:
        abort(400, description=problem)
    return platform_id


HEADLINE = ("applied_90", "conversation_before", "cadence_kept", "usefulness")  # what the home page leads with


@bp.route("/")
@admin_required
def home():
    """Outcomes first; registrations, people and delivery under Settings."""
    with components().engine.connect() as conn:
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
            abort(400, description=f"{unreadable.field} {unreadable.problem}.")
        platform_id = chosen_platform(request.form.get("platform_id", ""),
                                      "Choose the platform these people launch from.")
        result = import_relationships(components().engine, current_session().person_id, platform_id, text, now())
    return render_template("admin/relationships.html", platforms=scoped_platforms(), result=result,
                           form=request.form), 400 if result and not result.written else 200
