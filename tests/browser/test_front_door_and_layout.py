"""The tool's own front door, and the design's promise that no page scrolls sideways on a
phone (390 px wide) — checked in Chromium with a screenshot of each."""
from __future__ import annotations

import pytest

from tests.peers.lti_platform import full_launch

from .conftest import check_accessibility

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_front_door_says_what_the_tool_is_and_how_to_open_it(chromium, peers):
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    response = page.goto(peers.tool_url + "/")
    assert response.status == 200
    assert page.get_by_role("heading", name="How do I open it?").is_visible()
    assert "coachbridge admin link" in page.content()
    assert _fits(page) <= PHONE["width"]
    check_accessibility(page, "front-door-390", page)
    context.close()


def test_team_page_becomes_cards_on_a_phone(chromium, peers, people):
    learner, manager = people
    full_launch(peers, learner)
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(peers.lms.login_url(manager, "rl-feedback"))
    page.get_by_role("heading", name="Your team").wait_for()
    assert _fits(page) <= PHONE["width"], "the team table scrolls sideways at 390 px"
    check_accessibility(page, "manager-team-390", page)
    context.close()
