"""Charts drawn on the server as inline SVG: no script, no front-end build, and they
print and screenshot as they are. Each is titled (``<title>`` + ``aria-labelledby``) and
the page puts a table with the same numbers beside it; every text is escaped.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from adapter.reports.measures import APPLICATION_DAYS, REFERENCE_CURVE, REFERENCE_SOURCE, Measure

OURS, THEIRS, TRACK, INK = "#1d3557", "#b5651d", "#e6e6e6", "#1b1b1b"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to draw yet
    text: str  # the value as read aloud / printed at the bar's end
    maximum: float = 100.0


def _svg(chart_id: str, title: str, width: int, height: int, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>{body}</svg>')


def bar_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    """Horizontal bars, one per row, with the value written at the end of each."""
    label_width, bar_width, row = 330, 240, 28
    height = row * len(bars) + 8
    parts = []
    for i, bar in enumerate(bars):
        y = 4 + i * row
        parts.append(f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" font-size="13" '
                     f'fill="{INK}">{escape(bar.label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="18" fill="{TRACK}"/>')
        length = 0 if bar.value is None or not bar.maximum else min(bar.value / bar.maximum, 1) * bar_width
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="18" fill="{OURS}"/>')
        parts.append(f'<text x="{label_width + bar_width + 8}" y="{y + 17}" font-size="13" '
                     f'fill="{INK}">{escape(bar.text)}</text>')
    return _svg(chart_id, title, label_width + bar_width + 110, height, "".join(parts))


def application_chart(chart_id: str, applied: list[Measure]) -> Markup:
    """Our validated-application rate at 30/60/90 days (bars) beside the published curve
    of trainees applying training over a year (dashed line)."""
    left, top, width, height = 48, 12, 420, 200

    def x(days: int) -> float:
        return left + width * days / 365

    def y(percent: float) -> float:
        return top + height * (1 - percent / 100)

    parts = [f'<line x1="{left}" y1="{y(0)}" x2="{left + width}" y2="{y(0)}" stroke="{INK}"/>',
             f'<line x1="{left}" y1="{y(0)}" x2="{left}" y2="{y(100)}" stroke="{INK}"/>']
    for percent in (0, 50, 100):
        parts.append(f'<text x="{left - 6}" y="{y(percent) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{INK}">{percent} %</text>')
    for days in (0, *APPLICATION_DAYS, 182, 365):
        parts.append(f'<text x="{x(days):.1f}" y="{y(0) + 16:.1f}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{days}</text>')
    for days, measure in zip(APPLICATION_DAYS, applied):
        if measure.value is not None:
            parts.append(f'<rect x="{x(days) - 9:.1f}" y="{y(measure.value):.1f}" width="18" '
                         f'height="{y(0) - y(measure.value):.1f}" fill="{OURS}"/>')
    points = " ".join(f"{x(p.days):.1f},{y(p.percent):.1f}" for p in REFERENCE_CURVE)
    parts.append(f'<polyline points="{points}" fill="none" stroke="{THEIRS}" stroke-width="2" '
                 f'stroke-dasharray="6 4"/>')
    for p in REFERENCE_CURVE:
        parts.append(f'<circle cx="{x(p.days):.1f}" cy="{y(p.percent):.1f}" r="4" fill="{THEIRS}"/>')
    legend_y = y(0) + 34
    parts.append(f'<rect x="{left}" y="{legend_y - 10:.1f}" width="12" height="12" fill="{OURS}"/>'
                 f'<text x="{left + 18}" y="{legend_y:.1f}" font-size="12" fill="{INK}">'
                 f'{escape(_("validated within N days (here)"))}</text>'
                 f'<line x1="{left + 220}" y1="{legend_y - 4:.1f}" x2="{left + 244}" y2="{legend_y - 4:.1f}" '
                 f'stroke="{THEIRS}" stroke-width="2" stroke-dasharray="6 4"/>'
                 f'<text x="{left + 250}" y="{legend_y:.1f}" font-size="12" fill="{INK}">'
                 f'{escape(_("applying, %(source)s", source=REFERENCE_SOURCE))}</text>')
    return _svg(chart_id, _("Application of learning by days after the activity, beside the published curve"),
                left + width + 90, top + height + 50, "".join(parts))


def column_chart(chart_id: str, title: str, columns: list[Bar], marks: list[float | None] | None = None) -> Markup:
    """Vertical columns left to right (a trend over periods), the value above each; an
    empty column says "hidden" or "no data" in its text. ``marks``, when given, draws a
    dashed line at each column's target (same scale)."""
    left, top, step, height = 12, 20, 64, 180
    top_value = max([c.maximum for c in columns] + [m for m in marks or [] if m is not None] or [1.0])

    def y(value: float) -> float:
        return top + height * (1 - min(value / top_value, 1))

    parts = [f'<line x1="{left}" y1="{y(0)}" x2="{left + step * len(columns)}" y2="{y(0)}" stroke="{INK}"/>']
    for i, column in enumerate(columns):
        x = left + i * step
        if column.value is not None:
            parts.append(f'<rect x="{x + 12}" y="{y(column.value):.1f}" width="40" '
                         f'height="{y(0) - y(column.value):.1f}" fill="{OURS}"/>')
        label_y = (y(column.value) if column.value is not None else y(0)) - 6
        parts.append(f'<text x="{x + 32}" y="{label_y:.1f}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(column.text)}</text>')
        parts.append(f'<text x="{x + 32}" y="{y(0) + 16:.1f}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(column.label)}</text>')
        mark = (marks or [None] * len(columns))[i]
        if mark is not None:
            parts.append(f'<line x1="{x + 6}" y1="{y(mark):.1f}" x2="{x + 58}" y2="{y(mark):.1f}" '
                         f'stroke="{THEIRS}" stroke-width="2" stroke-dasharray="6 4"/>')
    return _svg(chart_id, title, left * 2 + step * len(columns), top + height + 28, "".join(parts))
