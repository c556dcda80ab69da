"""What the three dashboards share: the day they report on, charts built from a
dashboard's measures, and the CSV download."""
from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.targets import TARGET_MEASURES
from adapter.domain.translatable import N_
from adapter.reports.dashboards import Dashboard, csv_text
from adapter.reports.measures import REFERENCE_CURVE, REFERENCE_SOURCE, Measure, definition_kind, definition_parts

from .domain_messages import shown_figure
from .svg_charts import Bar, application_chart, bar_chart

COACHING_MEASURES = ("cadence_kept", "commitments_on_time", "conversation_before")
STATUSES = ("met", "on track", "behind")
TEAMS_BY_STATUS = {"met": _l("Teams met"), "on track": _l("Teams on track"), "behind": _l("Teams behind")}


def page_values(dashboard: Dashboard, chart_prefix: str) -> dict:
    """What a dashboard template needs besides the page's own values."""
    return {"dashboard": dashboard, "charts": charts(dashboard, chart_prefix), "reference_curve": REFERENCE_CURVE,
            "reference_source": REFERENCE_SOURCE, "application_definition": definition("applied_N"),
            "definition": definition}


def definition(key: str) -> str:
    """What a measure (by key; ``applied_N`` for the three application periods) means, in the reader's language."""
    kind, days = definition_kind(key) if key != "applied_N" else ("applied", "N")
    return " ".join(_(text, **values) for text, values in definition_parts(kind, days))


def charts(dashboard: Dashboard, chart_prefix: str) -> dict:
    """The SVG charts of a dashboard, keyed by where the page shows them."""
    shown = {m.key: m for m in dashboard.measures}
    applied = [m for m in dashboard.measures if m.key.startswith("applied_")]
    coaching = [shown[k] for k in COACHING_MEASURES] + [_usefulness_as_percent(shown["usefulness"])]
    result = {
        "application": application_chart(f"{chart_prefix}-application", applied),
        "coaching": bar_chart(f"{chart_prefix}-coaching", _("Coaching: follow-through and quality"),
                              [Bar(_(m.label), m.value, shown_figure(m)) for m in coaching]),
    }
    if dashboard.targets and chart_prefix == "admin":
        # Hundreds of teams: how many are where, not one bar each (the table lists them).
        teams = len(dashboard.targets)
        result["targets"] = bar_chart(
            "admin-targets", _("Teams against their %(quarter)s targets", quarter=dashboard.quarter),
            [Bar(str(TEAMS_BY_STATUS[status]), 100.0 * n / teams, _("%(num)d of %(total)d", num=n, total=teams))
             for status in STATUSES
             for n in [sum(p.status == status for p in dashboard.targets)]])
    elif dashboard.targets:
        result["targets"] = bar_chart(
            f"{chart_prefix}-targets", _("Progress against %(quarter)s targets", quarter=dashboard.quarter),
            [Bar(_(TARGET_MEASURES[p.target.measure]), p.percent,
                 _("%(num)d of %(total)d", num=p.actual, total=p.target.target))
             for p in dashboard.targets])
    return result


def _usefulness_as_percent(usefulness: Measure) -> Measure:
    """Conversations rated 4 or 5, so the bar shares the percentage axis of the others."""
    value = 100.0 * usefulness.numerator / usefulness.count if usefulness.count else None
    return Measure("useful_share", N_("Conversations rated useful (4–5)"), value, "%", usefulness.count,
                   usefulness.definition, usefulness.numerator)


def csv_download(dashboard: Dashboard, audience: str) -> Response:
    name = f"coachbridge-{audience}-{dashboard.as_of.isoformat()}.csv"
    return Response(csv_text(dashboard, _), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
