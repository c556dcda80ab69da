"""The outcomes by manager, by team and over time in Chromium at 1280 and 390 px: nothing
scrolls sideways, axe-core finds no serious violation, the policy refuses nothing."""
from __future__ import annotations

import pytest

from .test_dashboards import _records
from .test_every_page_fits import WIDTHS, _walk

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", WIDTHS)
def test_breakdown_and_trend_pages_fit(chromium, peers, people, width):
    learner, manager = people
    _records(peers, learner, manager)
    _walk(chromium, width, peers.lms.login_url("admin-ada", "rl-feedback"),
          [("by-manager", "/admin/reports/by-manager?sort=conversations&order=desc"),
           ("by-team", "/admin/reports/by-team"),
           ("by-quarter", "/admin/reports/over-time?period=quarter&measure=conversations"),
           ("by-month", "/admin/reports/over-time?period=month"),
           ("by-manager-filtered", "/admin/reports/by-manager?from=2026-01&to=2026-12&activity=link:1&course=1"),
           ("by-month-decision-time", "/admin/reports/over-time?period=quarter&measure=decision_days"),
           ("api-tokens", "/admin/reports/api-tokens"), ("recognition", "/admin/reports/recognition?team=x"),
           ("home", "/admin/")], "admin")
    _walk(chromium, width, peers.lms.login_url(manager, "rl-feedback"),
          [("team-beside-organisation", "/manager/reports/by-manager")], "manager")
