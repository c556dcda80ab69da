"""The parts with no database: the measures' arithmetic, the SVG and the CSV cells."""
from __future__ import annotations

from datetime import date

import pytest

from adapter.domain.authorization import Forbidden, Viewer
from adapter.domain.commands import SetTarget
from adapter.domain.rules import RuleViolation
from adapter.domain.targets import Progress, Quarter, Target
from adapter.reports.dashboards import Dashboard, csv_text
from adapter.reports.measures import Facts, median_hours, measures
from adapter.web.svg_charts import Bar, application_chart, bar_chart


def test_median_of_a_histogram():
    assert median_hours(()) is None
    assert median_hours(((24, 1), (48, 1), (120, 1))) == 48
    assert median_hours(((10, 2), (30, 2))) == 20
    assert median_hours(((5, 3), (7, 1))) == 5


def test_facts_add_up_and_empty_facts_say_no_data():
    a = Facts(activity_starts=1, decision_hours=((3, 1),))
    assert (a + a).decision_hours == ((3, 2),) and (a + a).activity_starts == 2
    assert {m.display for m in measures(Facts())} == {"no data yet"}


def test_quarters_and_target_rules():
    q = Quarter.parse("2026-Q4")
    assert (q.starts_on, q.ends_before, str(Quarter.of(date(2026, 11, 22)))) == \
        (date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")
    with pytest.raises(RuleViolation):
        Quarter.parse("2026-Q5")
    manager = Viewer(person_id=7, platform_id=1, roles=frozenset({"manager"}))
    with pytest.raises(Forbidden):
        Target.set_by(manager, SetTarget(8, quarter="2026-Q4", measure="conversations_held", target="3"))
    target = Target.set_by(manager, SetTarget(7, quarter="2026-Q4", measure="conversations_held", target="10"))
    assert Progress(target, 4, date(2026, 11, 15)).status == "behind"  # 10 × 46/92 = 5 expected
    assert Progress(target, 5, date(2026, 11, 15)).status == "on track"
    assert Progress(target, 10, date(2026, 10, 2)).status == "met"


def test_chart_text_is_escaped_and_titled():
    svg = str(bar_chart("x", "Title <b>", [Bar("<script>alert(1)</script>", 50, "50 %")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'aria-labelledby="x-title"' in svg and "<title id=\"x-title\">Title &lt;b&gt;</title>" in svg
    assert "<polyline" in str(application_chart("a", measures(Facts())[:3]))


def test_csv_cells_that_a_spreadsheet_would_run_are_defused():
    text = csv_text(Dashboard("=HYPERLINK(\"http://evil\")", date(2026, 6, 30), Facts()))
    assert "\n'=HYPERLINK" in text.replace("\r\n", "\n").replace('"\'=', "'=")
