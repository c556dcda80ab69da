"""The manager's dashboard: their current team's outcomes and quarterly targets."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from adapter.domain.rules import RuleViolation
from adapter.domain.targets import TARGET_MEASURES
from adapter.reports.dashboards import manager_dashboard, set_target

from . import submitted
from .app_components import components, page_connection
from .coaching_support import answer_refusals, current_viewer, done, now, saved_message
from .manager import manager_required
from .coaching_support import today
from .form_problems import prefixed
from .report_pages import csv_download, page_values

bp = Blueprint("manager_reports", __name__, url_prefix="/manager")
answer_refusals(bp)


def _page(error: RuleViolation | None = None, status: int = 200):
    with page_connection() as conn:
        dashboard = manager_dashboard(conn, current_viewer(), today())
    return render_template("manager/reports.html", **page_values(dashboard, "team"),
                           target_measures=TARGET_MEASURES, error=error, form=request.form,
                           saved=saved_message({"target": _l("The target is saved.")})), status


@bp.route("/reports")
@manager_required
def reports():
    return _page()


@bp.route("/reports.csv")
@manager_required
def reports_csv():
    with page_connection() as conn:
        return csv_download(manager_dashboard(conn, current_viewer(), today()), "team")


@bp.route("/reports/targets", methods=["POST"])
@manager_required
def team_target():
    """A manager sets a target for their own team."""
    me = current_viewer()
    try:
        set_target(components().engine, me, submitted.target(request.form, me.person_id), now())
    except RuleViolation as broken:
        return _page(prefixed(broken, "target-"), 400)
    return done("manager_reports.reports", "target")
