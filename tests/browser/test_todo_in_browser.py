"""The to-do pages in Chromium, inside the demo LMS's course iframe: each item one click from doing it."""
from __future__ import annotations

import re

import pytest

from tests.peers.lti_platform import browser, full_launch

from .conftest import check_accessibility, tool_frame

pytestmark = pytest.mark.browser


def _ask_validation(peers, learner: str) -> None:
    client = browser()
    full_launch(peers, learner, client=client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(peers.tool_url + "/learner/").text).group(1)
    client.post(peers.tool_url + "/learner/validation", data={"evidence": "Ran the retro", "csrf_token": token})


def test_manager_goes_from_the_to_do_list_to_the_decision(page, peers, people):
    learner, manager = people
    full_launch(peers, manager)
    _ask_validation(peers, learner)
    page.goto(f"{peers.lms_url}/course/{manager}/rl-feedback")
    tool = page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_role("link", name="What to do next").click()
    tool.get_by_role("heading", name="Validations waiting for you").wait_for()
    check_accessibility(tool_frame(page, peers), "manager-todo", page)
    tool.get_by_role("link", name=re.compile("Decide: Lena Browser")).click()
    tool.get_by_label(re.compile("Validated")).check()
    tool.get_by_role("button", name="Record decision").click()
    tool.get_by_text("Your decision is recorded.").wait_for()
    tool.get_by_role("link", name="Back to your team").click()
    tool.get_by_role("link", name="What to do next").click()
    tool.get_by_text("Nothing is waiting for you today").wait_for()


def test_learner_opens_another_activity_from_the_list(page, peers, people):
    learner, _ = people
    full_launch(peers, learner, "rl-delegation")  # the learner has opened a second activity before
    page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback")
    tool = page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_role("link", name=re.compile("All your activities")).click()
    tool.get_by_role("heading", name="All your activities").wait_for()
    check_accessibility(tool_frame(page, peers), "learner-todo", page)
    tool.get_by_role("link", name="Email and calendar").click()
    tool.get_by_label("An agreed action is due").uncheck()
    tool.get_by_role("button", name="Save my choices").click()
    tool.get_by_text("Your choices are saved.").wait_for()
    assert not tool.get_by_label("An agreed action is due").is_checked()
    check_accessibility(tool_frame(page, peers), "email-and-calendar", page)
    tool.get_by_role("link", name="Your activity").click()
    tool.get_by_role("link", name=re.compile("All your activities")).click()
    tool.get_by_role("button", name="Open Delegation: check-in with your manager").click()  # other tests add more
    tool.get_by_role("heading", name=re.compile("^Delegation")).wait_for()
