"""What the three dashboards share: the day they report on, charts built from a
dashboard's measures, and the CSV download."""
from __future__ import annotations

from flask import Response

from adapter.domain.targets import TARGET_MEASURES
from adapter.reports.dashboards import Dashboard, csv_text
from adapter.reports.measures import DEFINITIONS, REFERENCE_CURVE, REFERENCE_SOURCE, Measure

from .svg_charts import Bar, application_chart, bar_chart

COACHING_MEASURES = ("cadence_kept", "commitments_on_time", "conversation_before")
STATUSES = ("met", "on track", "behind")


def page_values(dashboard: Dashboard, chart_prefix: str) -> dict:
    """What a dashboard template needs besides the page's own values."""
    return {"dashboard": dashboard, "charts": charts(dashboard, chart_prefix), "reference_curve": REFERENCE_CURVE,
            "reference_source": REFERENCE_SOURCE, "application_definition": DEFINITIONS["applied"].format(days="N")}


def charts(dashboard: Dashboard, chart_prefix: str) -> dict:
    """The SVG charts of a dashboard, keyed by where the page shows them."""
    shown = {m.key: m for m in dashboard.measures}
    applied = [m for m in dashboard.measures if m.key.startswith("applied_")]
    coaching = [shown[k] for k in COACHING_MEASURES] + [_usefulness_as_percent(shown["usefulness"])]
    result = {
        "application": application_chart(f"{chart_prefix}-application", applied),
        "coaching": bar_chart(f"{chart_prefix}-coaching", "Coaching: follow-through and quality",
                              [Bar(m.label, m.value, m.display) for m in coaching]),
    }
    if dashboard.targets and chart_prefix == "admin":
        # Hundreds of teams: how many are where, not one bar each (the table lists them).
        teams = len(dashboard.targets)
        result["targets"] = bar_chart(
            "admin-targets", f"Teams against their {dashboard.quarter} targets",
            [Bar(f"Teams {status}", 100.0 * n / teams, f"{n} of {teams}") for status in STATUSES
             for n in [sum(p.status == status for p in dashboard.targets)]])
    elif dashboard.targets:
        result["targets"] = bar_chart(
            f"{chart_prefix}-targets", f"Progress against {dashboard.quarter} targets",
            [Bar(TARGET_MEASURES[p.target.measure], p.percent, f"{p.actual} of {p.target.target}")
             for p in dashboard.targets])
    return result


def _usefulness_as_percent(usefulness: Measure) -> Measure:
    """Conversations rated 4 or 5, so the bar shares the percentage axis of the others."""
    value = 100.0 * usefulness.numerator / usefulness.count if usefulness.count else None
    return Measure("useful_share", "Conversations rated useful (4–5)", value, "%", usefulness.count,
                   usefulness.definition, usefulness.numerator)


def csv_download(dashboard: Dashboard, audience: str) -> Response:
    name = f"coachbridge-{audience}-{dashboard.as_of.isoformat()}.csv"
    return Response(csv_text(dashboard), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
