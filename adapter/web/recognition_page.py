"""The admin's recognition list: managers whose teams meet the organisation's bar, for a quarter."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters
from adapter.domain.rules import RuleViolation
from adapter.domain.targets import Quarter
from adapter.reports.recognition import RECOGNISABLE, as_csv, chosen_measures, recognised_managers

from .app_components import page_connection
from .admin import admin_blueprint
from .auth import admin_required, admin_scope
from .breakdown_pages import FILTER_NAMES, admin_filters, filter_choices
from .coaching_support import today
from .i18n import rule_problem

bp = admin_blueprint(__name__)


@bp.route("/reports/recognition")
@admin_required
def recognition():
    with page_connection() as conn:
        choices = filter_choices(conn)
    return recognition_answer(admin_scope(), "recognition_page.recognition", admin_filters(), choices)


def recognition_answer(scope: AdminScope | None, endpoint: str, filters: Filters = Filters(),
                       choices: dict | None = None):
    """The list for ``scope`` from the URL's quarter, measures and (for admins, who get the
    filter form's ``choices``) filters, as a page (whose form and download go to ``endpoint``) or CSV."""
    try:
        quarter = Quarter.parse(request.args["quarter"]) if request.args.get("quarter") else Quarter.of(today())
        measures = chosen_measures(request.args.getlist("measure"))
    except RuleViolation as broken:
        abort(400, description=f"{rule_problem(broken)}.")
    with page_connection() as conn:
        result = recognised_managers(conn, scope, quarter, measures, today(), filters)
    if request.args.get("format") == "csv":
        return Response(as_csv(result, _), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="coachbridge-recognition-{quarter}.csv"'})
    labels = {c.key: c.label for c in result.organisation.cells}
    # The quarter sets the dates: the form offers no months, and its links carry none.
    here = {k: v for k, v in request.args.items() if k in FILTER_NAMES and k not in ("from", "to")}
    return render_template("reports/recognition.html", recognition=result, labels=labels, columns=RECOGNISABLE,
                           endpoint=endpoint, choices=choices, here=here)
