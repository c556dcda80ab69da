"""Each measure over time for admins: by month or by quarter, a chart of the chosen
measure with the table of every measure, quarterly targets against the trend; filters in
the URL and CSV/JSON of exactly what is shown."""
from __future__ import annotations

import csv
import io
import json

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from adapter.reports.dashboards import spreadsheet_cell
from adapter.reports.trends import MONTH, PERIODS, QUARTER, TREND_COLUMNS, Trend, as_dict, organisation_trend

from .app_components import page_connection
from .admin import admin_blueprint
from .auth import admin_required, admin_scope
from .breakdown_pages import FILTER_NAMES, admin_filters, filter_choices
from .coaching_support import today
from .domain_messages import shown_figure
from .svg_charts import Bar, column_chart

DEFAULT_MEASURE = "applied_90"
TARGETED = {"conversations": "conversations_held"}  # the volume column a quarterly target counts
UNBOUNDED = ("conversations", "decisions", "decision_days")  # charted against their own largest value

bp = admin_blueprint(__name__)


def _chart(trend: Trend, measure: str):
    """The chosen measure per period ("26-Q2", "26-05"); the teams' summed targets as marks
    on the volume measures a target can be set on."""
    marks = None
    if trend.targets and measure in TARGETED:
        marks = [float(t.targets[TARGETED[measure]]) if TARGETED[measure] in t.targets else None
                 for t in trend.targets]
    cells = [r.cell(measure) for r in trend.rows]
    scale = 5.0 if measure == "usefulness" else 100.0 if measure not in UNBOUNDED else \
        max([c.value or 0 for c in cells] + [m or 0 for m in marks or []] + [1.0])
    columns = [Bar(r.name[2:], c.value, shown_figure(c), scale) for r, c in zip(trend.rows, cells)]
    title = _("%(measure)s, by month", measure=_(cells[0].label)) if trend.kind == MONTH else \
        _("%(measure)s, by quarter", measure=_(cells[0].label))
    return column_chart(f"trend-{measure}", title, columns, marks)


def _csv(trend: Trend) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    hidden = _("hidden")
    writer.writerow([_("month") if trend.kind == MONTH else _("quarter"), _("learners"), *TREND_COLUMNS])
    for row in trend.rows:
        writer.writerow([spreadsheet_cell(row.name), hidden if row.learners is None else row.learners,
                         *(hidden if c.hidden else "" if c.value is None else f"{c.value:.2f}" for c in row.cells)])
    for t in trend.targets:
        for measure, target in t.targets.items():
            writer.writerow([t.quarter, f"target:{measure}", target, t.actuals.get(measure, 0)])
    return out.getvalue()


@bp.route("/reports/over-time")
@admin_required
def over_time():
    kind = request.args.get("period", QUARTER)
    measure = request.args.get("measure", DEFAULT_MEASURE)
    if kind not in PERIODS or measure not in TREND_COLUMNS:
        abort(400, description=_("The period is month or quarter, and the measure one of the table's columns."))
    filters = admin_filters()
    with page_connection() as conn:
        trend = organisation_trend(conn, admin_scope(), kind, filters, today())
        choices = filter_choices(conn)
    wanted = request.args.get("format", "")
    if wanted == "csv":
        return Response(_csv(trend), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="coachbridge-by-{kind}-{trend.as_of.isoformat()}.csv"'})
    if wanted == "json":
        return Response(json.dumps(as_dict(trend), indent=1), mimetype="application/json")
    if wanted:
        abort(400, description=_("The format is csv or json."))
    here = {k: v for k, v in request.args.items() if k in (*FILTER_NAMES, "period", "measure")}
    return render_template("reports/over_time.html", trend=trend, chart=_chart(trend, measure), measure=measure,
                           here=here, **choices,
                           periods=(MONTH, QUARTER), columns=TREND_COLUMNS,
                           export_url=lambda fmt: url_for("trend_pages.over_time", format=fmt, **here))
