"""Pages for tool administrators: the registered platforms."""
from __future__ import annotations

from flask import Blueprint, render_template
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
