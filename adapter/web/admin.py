"""Pages for tool administrators: the registered platforms."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from adapter.persistence.tables import deployments, platforms

from . import components
from .auth import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required("admin")
def home():
    with components().engine.connect() as conn:
        rows = conn.execute(
            select(platforms, func.count(deployments.c.id).label("deployment_count"))
            .outerjoin(deployments, deployments.c.platform_id == platforms.c.id)
            .group_by(platforms.c.id).order_by(platforms.c.name)
        ).mappings().all()
    return render_template("admin/home.html", platforms=rows)


@bp.route("/relationships", methods=["GET", "POST"])
@role_required("admin")
def relationships():
    """Import learner ↔ manager pairs from CSV: every row good, or nothing written."""
    from adapter.services.relationships import import_relationships

    from .auth import current_session
    from .coaching_support import now

    with components().engine.connect() as conn:
        choices = conn.execute(select(platforms.c.id, platforms.c.name, platforms.c.issuer)
                               .order_by(platforms.c.name)).mappings().all()
    result = None
    if request.method == "POST":
        upload = request.files.get("csv_file")
        text = upload.read().decode("utf-8-sig", errors="replace") if upload and upload.filename else \
            request.form.get("csv_text", "")
        platform_id = request.form.get("platform_id", "")
        if not platform_id.isdigit() or int(platform_id) not in {p["id"] for p in choices}:
            abort(400, description="Choose the platform these people launch from.")
        result = import_relationships(components().engine, current_session().person_id, int(platform_id),
                                      text, now())
    return render_template("admin/relationships.html", platforms=choices, result=result,
                           form=request.form), 400 if result and not result.written else 200
