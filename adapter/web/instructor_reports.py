"""The instructor's dashboard: the course launched from, counts and rates only."""
from __future__ import annotations

from flask import Blueprint, render_template

from adapter.reports.dashboards import course_dashboard

from .app_components import page_connection
from .auth import instructor_required
from .coaching_support import answer_refusals, current_viewer
from .coaching_support import today
from .report_pages import csv_download, page_values

bp = Blueprint("instructor_reports", __name__, url_prefix="/instructor")
answer_refusals(bp)


@bp.route("/reports")
@instructor_required
def reports():
    with page_connection() as conn:
        dashboard = course_dashboard(conn, current_viewer(), today())
    return render_template("instructor/reports.html", **page_values(dashboard, "course"))


@bp.route("/reports.csv")
@instructor_required
def reports_csv():
    with page_connection() as conn:
        return csv_download(course_dashboard(conn, current_viewer(), today()), "course")
