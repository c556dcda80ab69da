"""Each dashboard in Chromium: charts drawn, tables beside them, the target form used, no
serious axe-core violation; a full-page screenshot of each in tests/artifacts/."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from adapter.domain.commands import AgreeAction, HoldConversation, WriteReflection
from adapter.mapping_files import load_templates
from adapter.persistence.tables import people, resource_links
from adapter.services import coaching
from tests.peers.lti_platform import full_launch

from .conftest import check_accessibility

pytestmark = pytest.mark.browser


def _records(peers, learner: str, manager: str) -> None:
    """Half a year of one learner's records (through the services, dated in the past):
    a check-in before the activity, a reflection, an action done, a validation."""
    full_launch(peers, manager)
    full_launch(peers, learner)
    engine, day = peers.engine, 86400
    start = time.time() - 120 * day
    with engine.connect() as conn:
        found = conn.execute(select(people.c.sub, people.c.id, people.c.platform_id)
                             .where(people.c.sub.in_([learner, manager]))).all()
        ids, platform_id = {row.sub: row.id for row in found}, found[0].platform_id
        link = conn.execute(select(resource_links.c.id).where(resource_links.c.resource_link_id == "rl-feedback")
                            ).scalars().first()
        boss = coaching.load_viewer(conn, ids[manager], platform_id, ["manager"], None)
        person = coaching.load_viewer(conn, ids[learner], platform_id, ["learner"], None)
    held = datetime.fromtimestamp(start, timezone.utc).date()
    talk = coaching.hold_conversation(engine, boss, load_templates().by_key["check-in"], HoldConversation(
        ids[learner], held_on=held.isoformat(), next_on=(held + timedelta(days=14)).isoformat(),
        answers={"progress": "Planned it", "learned": "-", "next_focus": "The course"},
        new_actions=(AgreeAction("Ask a peer", "learner", (held + timedelta(days=10)).isoformat()),),
        resource_link_pk=link), start)
    coaching.submit_reflection(engine, person, link, WriteReflection(
        learned="Name the behaviour", applying="In reviews", confidence="4"), start + 3 * day)
    coaching.set_action_status(engine, person, talk.actions[0].id, "done", start + 8 * day)
    coaching.rate_conversation(engine, person, talk.id, "4", start + 8 * day)
    request = coaching.ask_for_validation(engine, person, link, "Ran the retro", start + 20 * day)
    coaching.decide_validation(engine, boss, request.id, "validated", "", start + 22 * day)


def _open(page, peers, user_id: str, link_name: str):
    """Launched in a new window (the LMS's other way of opening the tool), so the
    screenshot shows the whole dashboard."""
    page.goto(peers.lms.login_url(user_id, "rl-feedback"))
    page.get_by_role("link", name=link_name).click()
    page.locator("svg.chart").first.wait_for()
    return page


def test_manager_dashboard(page, peers, people):
    learner, manager = people
    _records(peers, learner, manager)
    tool = _open(page, peers, manager, "Your team's outcomes and quarterly targets")
    tool.get_by_label("Target for the quarter").fill("6")
    tool.get_by_role("button", name="Save the target").click()
    tool.get_by_text("The target is saved.").wait_for()
    assert tool.locator("svg.chart").count() == 3  # application, coaching, targets
    tool.get_by_role("table", name=re.compile("targets")).get_by_text("Validated applications").wait_for()
    check_accessibility(page, "dashboard-manager", page)


def test_instructor_dashboard(page, peers, people):
    _records(peers, *people)
    tool = _open(page, peers, "instructor-ivan", "Outcomes in this course: application and coaching")
    tool.get_by_role("table", name="Coaching measures").wait_for()
    check_accessibility(page, "dashboard-instructor", page)


def test_admin_dashboard(page, peers, people):
    _records(peers, *people)
    tool = _open(page, peers, "admin-ada", "Outcomes: your LMS by course")  # a platform admin: their own LMS
    tool.get_by_role("heading", name="By platform").wait_for()
    tool.get_by_role("heading", name="By course").wait_for()
    check_accessibility(page, "dashboard-admin", page)
