"""The admin's dashboard: the organisation, by platform and by course, and every
team's quarterly targets (counts only: admins never see notes)."""
from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select

from adapter.domain.authorization import NotFound, Viewer
from adapter.domain.rules import RuleViolation
from adapter.domain.targets import TARGET_MEASURES
from adapter.persistence.tables import platforms
from adapter.reports.dashboards import find_manager, organisation_dashboard, set_target

from . import components, submitted
from .admin import bp
from .auth import current_session, role_required
from .coaching_support import done, now, saved_message
from .report_pages import csv_download, page_values, today


def _page(error: RuleViolation | None = None, status: int = 200):
    with components().engine.connect() as conn:
        dashboard = organisation_dashboard(conn, current_session().app_roles, today())
        choices = conn.execute(select(platforms.c.id, platforms.c.name).order_by(platforms.c.name)).all()
    return render_template("admin/reports.html", **page_values(dashboard, "admin"),
                           target_measures=TARGET_MEASURES, platforms=choices, error=error, form=request.form,
                           saved=saved_message({"target": "The target is saved."})), status


@bp.route("/reports")
@role_required("admin")
def reports():
    return _page()


@bp.route("/reports.csv")
@role_required("admin")
def reports_csv():
    with components().engine.connect() as conn:
        return csv_download(organisation_dashboard(conn, current_session().app_roles, today()), "organisation")


@bp.route("/reports/targets", methods=["POST"])
@role_required("admin")
def team_target():
    """An admin sets a target for any manager's team, named by email or LTI user id."""
    session = current_session()
    platform_id = request.form.get("platform_id", "")
    if not platform_id.isdigit():
        abort(400, description="Choose the platform the manager launches from.")
    admin = Viewer(person_id=session.person_id or 0, platform_id=int(platform_id), roles=frozenset(session.app_roles))
    try:
        with components().engine.connect() as conn:
            manager_id = find_manager(conn, int(platform_id), request.form.get("manager", ""))
        set_target(components().engine, admin, submitted.target(request.form, manager_id), now())
    except NotFound as missing:
        return _page(RuleViolation("Manager", str(missing)), 400)
    except RuleViolation as broken:
        return _page(broken, 400)
    return done("admin.reports", "target")
