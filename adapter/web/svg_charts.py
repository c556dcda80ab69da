"""Charts drawn on the server as inline SVG: no script, no front-end build, and they
print and screenshot as they are. Each is titled (``<title>`` + ``aria-labelledby``) and
the page puts a table with the same numbers beside it; every text is escaped.
"""
from __future__ import annotations

import math
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
    # Babel's extractor does not read inside f-strings: the legend's words are looked up here.
    ours = escape(_("validated within N days (here)"))
    theirs = escape(_("applying, %(source)s", source=REFERENCE_SOURCE))
    parts.append(f'<rect x="{left}" y="{legend_y - 10:.1f}" width="12" height="12" fill="{OURS}"/>'
                 f'<text x="{left + 18}" y="{legend_y:.1f}" font-size="12" fill="{INK}">'
                 f'{ours}</text>'
                 f'<line x1="{left + 220}" y1="{legend_y - 4:.1f}" x2="{left + 244}" y2="{legend_y - 4:.1f}" '
                 f'stroke="{THEIRS}" stroke-width="2" stroke-dasharray="6 4"/>'
                 f'<text x="{left + 250}" y="{legend_y:.1f}" font-size="12" fill="{INK}">'
                 f'{theirs}</text>')
    return _svg(chart_id, _("Application of learning by days after the activity, beside the published curve"),
                left + width + 90, top + height + 50, "".join(parts))


# A trend chart's columns share at most this width (SVG units) and its words are this large,
# so that scaled down to a phone's ~366 px the words are still at least 10 px high.
TREND_WIDTH, TREND_FONT = 520, 16


def _text_width(text: str) -> float:
    """A generous guess of ``text``'s width at TREND_FONT (a digit is ~0.64 em in sans-serif,
    most letters less), so texts this far apart never touch."""
    return len(text) * 0.65 * TREND_FONT


def column_chart(chart_id: str, title: str, columns: list[Bar], marks: list[float | None] | None = None) -> Markup:
    """Vertical columns left to right (a trend over periods), sharing at most TREND_WIDTH.
    Only every n-th period is named on the axis, the latest always, so the names never
    overlap; the values are written above the columns only when every one fits its column
    (the table beside the chart has every period and value). ``marks``, when given, draws a
    dashed line at each column's target (same scale)."""
    font, height, top = TREND_FONT, 180, TREND_FONT + 8
    widest = max([_text_width(c.label) for c in columns] or [0])
    step = min(70.0, TREND_WIDTH / max(len(columns), 1))
    left = max(12.0, widest / 2 - step / 2 + 4)  # room for the first and last names, centred on their columns
    top_value = max([c.maximum for c in columns] + [m for m in marks or [] if m is not None] or [1.0])
    every = max(1, math.ceil((widest + 8) / step))
    values_fit = all(_text_width(c.text) <= step for c in columns)

    def y(value: float) -> float:
        return top + height * (1 - min(value / top_value, 1))

    parts = [f'<line x1="{left:.1f}" y1="{y(0)}" x2="{left + step * len(columns):.1f}" y2="{y(0)}" stroke="{INK}"/>']
    for i, column in enumerate(columns):
        x, middle = left + i * step, left + (i + .5) * step
        if column.value is not None:
            parts.append(f'<rect x="{x + step * .2:.1f}" y="{y(column.value):.1f}" width="{step * .6:.1f}" '
                         f'height="{y(0) - y(column.value):.1f}" fill="{OURS}"/>')
        if values_fit:
            label_y = (y(column.value) if column.value is not None else y(0)) - 6
            parts.append(f'<text x="{middle:.1f}" y="{label_y:.1f}" text-anchor="middle" font-size="{font}" '
                         f'fill="{INK}">{escape(column.text)}</text>')
        if (len(columns) - 1 - i) % every == 0:
            parts.append(f'<text x="{middle:.1f}" y="{y(0) + font + 4:.1f}" text-anchor="middle" '
                         f'font-size="{font}" fill="{INK}">{escape(column.label)}</text>')
        mark = (marks or [None] * len(columns))[i]
        if mark is not None:
            parts.append(f'<line x1="{x + step * .1:.1f}" y1="{y(mark):.1f}" x2="{x + step * .9:.1f}" '
                         f'y2="{y(mark):.1f}" stroke="{THEIRS}" stroke-width="2" stroke-dasharray="6 4"/>')
    return _svg(chart_id, title, round(left * 2 + step * len(columns)), top + height + font + 12, "".join(parts))
