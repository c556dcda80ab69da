"""The admin's dashboard: the organisation, by platform and by course, and every
team's quarterly targets (counts only: admins never see notes)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from adapter.domain.rules import RuleViolation
from adapter.domain.targets import TARGET_MEASURES
from adapter.reports.dashboards import find_manager, organisation_dashboard, set_target

from . import submitted
from .admin import admin_blueprint, chosen_platform, scoped_platforms
from .app_components import components, page_connection
from .auth import admin_required, admin_scope, asker
from .coaching_support import done, now, saved_message
from .coaching_support import today
from .form_problems import prefixed
from .report_pages import csv_download, page_values

bp = admin_blueprint(__name__)


def _page(error: RuleViolation | None = None, status: int = 200):
    with page_connection() as conn:
        dashboard = organisation_dashboard(conn, admin_scope(), today())
    return render_template("admin/reports.html", **page_values(dashboard, "admin"),
                           target_measures=TARGET_MEASURES, platforms=scoped_platforms(), error=error,
                           form=request.form, saved=saved_message({"target": _("The target is saved.")})), status


@bp.route("/reports")
@admin_required
def reports():
    return _page()


@bp.route("/reports.csv")
@admin_required
def reports_csv():
    with page_connection() as conn:
        return csv_download(organisation_dashboard(conn, admin_scope(), today()), "organisation")


@bp.route("/reports/targets", methods=["POST"])
@admin_required
def team_target():
    """An admin sets a target for any manager's team, named by email or LTI user id."""
    platform_id = chosen_platform(request.form.get("platform_id", ""),
                                  _("Choose the platform the manager launches from."))
    admin = asker().administering(platform_id)
    try:
        with page_connection() as conn:
            manager_id = find_manager(conn, platform_id, request.form.get("manager", ""))
        set_target(components().engine, admin, submitted.target(request.form, manager_id), now())
    except RuleViolation as broken:
        return _page(prefixed(broken, "target-"), 400)
    return done("admin_reports.reports", "target")
