"""Retention limits per platform, and what the next daily run will remove (a dry run)."""
from __future__ import annotations

from flask import abort, render_template, request

from adapter.persistence.person_data_store import platform_choices
from adapter.services import retention

from . import components
from .admin import bp
from .auth import current_session, role_required
from .coaching_support import now


@bp.route("/retention", methods=["GET", "POST"])
@role_required("admin")
def retention_page():
    engine = components().engine
    with engine.connect() as conn:
        choices = platform_choices(conn, current_session().platform_id)
    error, saved = "", False
    if request.method == "POST":
        platform_id = request.form.get("platform_id", "")
        if not platform_id.isdigit() or int(platform_id) not in {p["id"] for p in choices}:
            abort(400, description="Choose one of the platforms you administer.")
        try:
            limits = retention.parse_limits(request.form.to_dict())
        except retention.RetentionSettingsError as problem:
            error = str(problem)
        else:
            retention.save_limits(engine, int(platform_id), limits, current_session().person_id, now())
            saved = True
    at = now()
    rows = [{"platform": p, "limits": retention.limits_of(engine, p["id"]),
             "next_run": retention.dry_run(engine, at, p["id"])} for p in choices]
    return render_template("admin/retention.html", rows=rows, error=error, saved=saved), 400 if error else 200
