"""Retention limits per platform, and what the next daily run will remove (a dry run)."""
from __future__ import annotations

from flask import render_template, request

from adapter.services import retention

from .admin import CHOOSE_PLATFORM, admin_blueprint, chosen_platform, scoped_platforms
from .app_components import components
from .auth import admin_required, current_session
from .coaching_support import about_record, now

bp = admin_blueprint(__name__)


@bp.route("/retention", methods=["GET", "POST"])
@admin_required
def retention_page():
    engine = components().engine
    error, saved, platform_id = None, False, None
    if request.method == "POST":
        platform_id = chosen_platform(request.form.get("platform_id", ""), CHOOSE_PLATFORM)
        try:
            limits = retention.parse_limits({name: request.form.get(name, "") for name in retention.LIMITS})
        except retention.RetentionSettingsError as broken:
            error = about_record(broken, platform_id)  # one form per platform
        else:
            retention.save_limits(engine, platform_id, limits, current_session().person_id, now())
            saved = True
    at = now()
    rows = [{"platform": p, "limits": retention.limits_of(engine, p["id"]),
             "next_run": retention.dry_run(engine, at, p["id"])} for p in scoped_platforms()]
    return render_template("admin/retention.html", rows=rows, error=error, saved=saved,
                           typed=request.form if error else {}, typed_for=platform_id), 400 if error else 200
