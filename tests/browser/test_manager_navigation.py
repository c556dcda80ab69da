"""Managers without the Mentor role, in Chromium, in the demo LMS's course where nobody has
it (as in Moodle): a manager known from an import lands on their team and switches views;
a person a learner named is asked on their next launch and confirms there."""
from __future__ import annotations

import itertools
import re
import time

import pytest

from adapter.demo.lms import PLAIN_COURSE, ROLE_LEARNER, DemoPerson
from adapter.services.relationships import import_relationships
from tests.coaching.test_relationships import platform_of
from tests.peers.lti_platform import full_launch

from .conftest import check_accessibility, tool_frame
from .test_front_door_and_layout import PHONE

pytestmark = pytest.mark.browser
_serial = itertools.count(1)
LINK = "rl-hybrid"  # the activity of the course without a Mentor role


def plain_course_people(peers, *roles: str) -> list[str]:
    """New people of the no-Mentor course, everyone launched by the LMS as a Learner."""
    n = next(_serial)
    ids = []
    for role in roles:
        user_id = f"plain-{role}-{n}"
        peers.lms.people[user_id] = DemoPerson(user_id, f"{role.title()} Plain {n}", f"{user_id}@example.org",
                                               [ROLE_LEARNER], course=PLAIN_COURSE)
        ids.append(user_id)
    return ids


def test_an_imported_manager_lands_on_their_team_and_switches_views(page, peers):
    learner, manager = plain_course_people(peers, "learner", "manager")
    full_launch(peers, learner, LINK)  # the learner has opened the activity: a member of the course
    imported = import_relationships(peers.engine, None, platform_of(peers, learner),
                                    f"learner_user_id,manager_email\n{learner},{manager}@example.org\n", time.time())
    assert imported.written

    page.goto(f"{peers.lms_url}/course/{manager}/{LINK}")
    tool = page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_role("heading", name="Your team", exact=True).wait_for()
    tool.get_by_text("Opened from Running a hybrid team meeting: apply it").wait_for()
    tool.get_by_role("link", name=re.compile("Learner Plain")).wait_for()
    check_accessibility(tool_frame(page, peers), "manager-without-mentor-role-team", page)

    sections = tool.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Your activity").click()
    tool.get_by_role("heading", name="Running a hybrid team meeting: apply it").wait_for()
    sections.get_by_role("link", name="Your team").click()
    tool.get_by_role("heading", name="Your team", exact=True).wait_for()


def test_a_named_manager_is_asked_on_their_next_launch_and_confirms_there(page, peers):
    learner, manager = plain_course_people(peers, "learner", "manager")
    full_launch(peers, manager, LINK)  # has used the tool before, as a learner

    page.goto(f"{peers.lms_url}/course/{learner}/{LINK}")
    tool = page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_label(re.compile("Your manager's email")).fill(f"{manager}@example.org")
    tool.get_by_role("button", name="Name my manager").click()
    tool.get_by_text("Your manager has been asked to confirm.").wait_for()

    page.goto(f"{peers.lms_url}/course/{manager}/{LINK}")
    tool = page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_role("heading", name="Someone has named you as their manager").wait_for()
    tool.get_by_role("heading", name="Running a hybrid team meeting: apply it").wait_for()  # their own page
    check_accessibility(tool_frame(page, peers), "nomination-notice-on-learner-page", page)
    tool.get_by_role("button", name=re.compile("Confirm you manage Learner Plain")).click()
    tool.get_by_text("Your answer is recorded.").wait_for()
    tool.get_by_role("heading", name="Your team", exact=True).wait_for()
    assert tool.get_by_role("link", name=re.compile("Learner Plain")).count() == 1
    assert tool.get_by_text("named you as their manager").count() == 0


def test_the_relationships_and_provisioning_pages_fit_a_phone(chromium, peers):
    learner, manager = plain_course_people(peers, "learner", "manager")
    full_launch(peers, learner, LINK)
    import_relationships(peers.engine, None, platform_of(peers, learner),
                         f"learner_user_id,manager_email\n{learner},{manager}@example.org\n", time.time())
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(peers.lms.login_url("admin-ada", "rl-feedback"))
    page.goto(peers.tool_url + f"/admin/relationships/pairs?person={learner}")
    page.get_by_role("button", name=re.compile("Remove: .* manages Learner Plain")).wait_for()
    assert page.get_by_text("not launched yet", exact=True).count() == 1  # the imported manager
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page, "admin-relationship-pairs-390", page)
    page.goto(peers.tool_url + "/admin/provisioning")
    page.get_by_role("button", name="Make a token").click()
    page.get_by_text("It is not shown again.").wait_for()
    page.wait_for_load_state("load")  # the stylesheet applied: text can be laid out before it is
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page, "admin-provisioning-390", page)
    context.close()
