"""The core flows in Chromium, driven through the demo LMS: in its course-page iframe
and in a new window, by mouse and by keyboard."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.peers.lti_platform import browser, full_launch

from .conftest import check_accessibility, tool_frame

pytestmark = pytest.mark.browser


def test_learner_reflects_and_asks_for_validation_in_the_course_iframe(page, peers, people):
    learner, _ = people
    page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback")
    tool = page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_label("What I learned").fill("Name the behaviour, not the person")
    tool.get_by_label("How I will apply it at work").fill("In Friday's review")
    tool.get_by_label("4").check()
    tool.get_by_role("button", name="Save my reflection").click()
    tool.get_by_text("Your reflection is saved.").wait_for()

    evidence = tool.get_by_label(re.compile("How have you applied it"))
    evidence.fill("Gave SBI feedback to Joe; he changed how he opens calls")
    evidence.press("Tab")
    page.keyboard.press("Enter")  # the keyboard reaches and submits the form
    tool.get_by_text("waiting for your manager").first.wait_for()
    check_accessibility(tool_frame(page, peers), "learner-activity", page)


def test_manager_records_a_check_in_and_validates(page, peers, people):
    learner, manager = people
    full_launch(peers, manager)  # the LMS names the mentee
    client = browser()
    full_launch(peers, learner, client=client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(peers.tool_url + "/learner/").text).group(1)
    client.post(peers.tool_url + "/learner/validation", data={"evidence": "Ran the retro", "csrf_token": token})

    page.goto(f"{peers.lms_url}/course/{manager}/rl-feedback")
    tool = page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_role("status").get_by_text("1 validation request waiting for your decision").wait_for()
    tool.get_by_role("rowheader").get_by_role("link", name=re.compile("Lena Browser")).click()
    tool.get_by_role("radio", name="Check-in").check()
    tool.get_by_role("button", name="Start").click()
    tool.get_by_role("heading", name=re.compile(r"^Check-in with Lena Browser")).wait_for()
    assert tool.get_by_label("Date held").input_value() == date.today().isoformat()  # pre-filled: today
    tool.get_by_label("Date held").fill("2026-11-20")
    tool.get_by_label("What has the learner applied since the last check-in?").fill("Ran the retro")
    tool.get_by_label("What did they learn from doing it?").fill("Silence is useful")
    tool.get_by_label("What should they focus on next?").fill("Peers")
    tool.get_by_label(re.compile("^Shared notes")).fill("Good progress")
    tool.get_by_label(re.compile("^Private notes")).fill("Only mine")
    tool.get_by_label("Action 1").fill("Ask a peer for feedback")
    check_accessibility(tool_frame(page, peers), "manager-check-in-form", page)
    tool.get_by_role("button", name="Save the conversation").click()
    tool.get_by_text("The conversation is recorded.").wait_for()

    tool.get_by_label(re.compile("Validated")).check()
    tool.get_by_role("button", name="Record decision").click()
    tool.get_by_text("Your decision is recorded.").wait_for()
    check_accessibility(tool_frame(page, peers), "manager-mentee", page)
    tool.get_by_role("link", name="Back to your team").click()
    tool.get_by_role("cell", name="validated", exact=False).first.wait_for()
    check_accessibility(tool_frame(page, peers), "manager-team", page)


def test_instructor_deep_links_an_activity_in_a_new_window(page, peers):
    page.goto(peers.lms.login_url("instructor-ivan", "deep-link"))  # what the "new window" link opens
    page.get_by_label("Validation of applied learning").check()
    page.get_by_label("Title in the course").fill("Validate: running retros")
    page.get_by_label("Web address of the learning activity").fill("https://lms.example.org/activities/retros")
    page.get_by_label("Points in the gradebook").fill("5")
    check_accessibility(page, "instructor-deep-link", page)
    page.get_by_role("button", name="Add to the course").click()
    page.get_by_role("heading", name="Added to the course").wait_for()
    assert page.url == peers.lms_url + "/deep-link-return"
    assert "Validate: running retros" in page.content()
    assert peers.lms.placed[-1]["custom"]["activity_iri"] == "https://lms.example.org/activities/retros"
