"""A manager's own team's row beside the organisation's (never another manager's), and the
recognition list when their admin opened it to managers."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden
from adapter.domain.rules import whole_number
from adapter.persistence.breakdown_queries import managers_see_recognition
from adapter.reports.breakdowns import my_team_breakdown

from .app_components import page_connection
from .breakdown_pages import exported
from .coaching_support import answer_refusals, current_viewer
from .manager import manager_required
from .recognition_page import recognition_answer
from .coaching_support import today

bp = Blueprint("manager_breakdown", __name__, url_prefix="/manager")
answer_refusals(bp)


@bp.route("/reports/by-manager")
@manager_required
def my_team_breakdown_page():
    """The asking manager's row and the organisation's; naming anyone else is refused (403)."""
    asked = request.args.get("manager")
    with page_connection() as conn:
        me = current_viewer()
        result = my_team_breakdown(conn, me, today(), whole_number(asked) if asked else None)
    answer = exported(result, "my-team")
    if answer is not None:
        return answer
    return render_template("reports/my_breakdown.html", breakdown=result)


@bp.route("/reports/recognition")
@manager_required
def recognition():
    with page_connection() as conn:
        me = current_viewer()
        if not managers_see_recognition(conn, me.platform_id):
            raise Forbidden("your administrator has not opened the recognition list to managers")
    return recognition_answer(AdminScope.of_platform(me.platform_id), "manager_breakdown.recognition")
