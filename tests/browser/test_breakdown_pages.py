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


# The words of a breakdown's cells laid out on two lines (after a hyphen is a line break, not a
# split word), and the row names' column width in ems.
_WORDS_SPLIT = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('table.breakdown th, table.breakdown td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) split.push(word[0]);
      }
    }
  }
  return split;
}"""
_FIRST_COLUMN_EMS = """() => Math.min(...[...document.querySelectorAll('table.breakdown tr > :first-child')].map(
  cell => cell.getBoundingClientRect().width / parseFloat(getComputedStyle(cell).fontSize)))"""


def test_at_1280_px_no_word_of_a_breakdown_is_split_and_its_first_column_is_readable(chromium, peers, people):
    """Reported at 1280 px: the by-manager and over-time tables squeezed their first column
    to one letter a line. Every word stays whole; the table scrolls in its own box instead."""
    learner, manager = people
    _records(peers, learner, manager)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(peers.lms.login_url("admin-ada", "rl-feedback"))
    base = page.url.split("/", 3)[:3]
    for path in ("/admin/reports/by-manager", "/admin/reports/by-team", "/admin/reports/over-time?period=month",
                 "/admin/reports/over-time?period=quarter"):
        page.goto("/".join(base) + path)
        page.wait_for_selector("table.breakdown")
        assert page.evaluate(_WORDS_SPLIT) == [], path
        assert page.evaluate(_FIRST_COLUMN_EMS) >= 6, path
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path  # the page never scrolls sideways
    context.close()
