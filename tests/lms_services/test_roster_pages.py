"""Instructor and manager pages read the course roster from the LMS (NRPS) on demand."""
from __future__ import annotations

import re
from html import unescape

from adapter.demo.lms import ROLE_LEARNER, ROLE_MENTOR, DemoPerson
from tests.peers.lti_platform import browser, full_launch


def csrf(page):
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))


def test_instructor_reads_the_roster(peers):
    client = browser()
    page = full_launch(peers, "instructor-ivan", client=client)
    assert "Read the course roster from the LMS" in page.text
    synced = client.post(peers.tool_url + "/instructor/roster", data={"csrf_token": csrf(page)})
    assert synced.status_code == 200 and "Roster read from the LMS" in synced.text
    assert "from the LMS roster" in synced.text
    learners = sum(1 for p in peers.lms.people.values() if p.roles == [ROLE_LEARNER])
    assert re.search(rf"of {learners} learners have opened coachbridge", synced.text), synced.text


def test_instructor_sees_who_has_not_started(peers):
    quiet = DemoPerson("roster-quiet", "Quinn Quiet", "quinn@example.org", [ROLE_LEARNER])
    peers.lms.people[quiet.user_id] = quiet
    client = browser()
    page = full_launch(peers, "instructor-ivan", client=client)
    synced = client.post(peers.tool_url + "/instructor/roster", data={"csrf_token": csrf(page)})
    not_started = synced.text.split('id="not-started-heading"')[1].split("</section>")[0]
    assert "Quinn Quiet" in not_started
    full_launch(peers, quiet.user_id)
    assert "Quinn Quiet" not in client.get(peers.tool_url + "/instructor/").text


def test_manager_learns_mentee_names_before_they_launch(peers):
    newcomer = DemoPerson("roster-newcomer", "Nora Newcomer", "nora@example.org", [ROLE_LEARNER])
    coach = DemoPerson("roster-coach", "Carl Coach", "carl@example.org", [ROLE_MENTOR], mentees=[newcomer.user_id])
    peers.lms.people.update({newcomer.user_id: newcomer, coach.user_id: coach})
    client = browser()
    team = full_launch(peers, coach.user_id, client=client)
    assert "Nora Newcomer" not in team.text  # role_scope_mentor names her by id only
    synced = client.post(peers.tool_url + "/manager/roster", data={"csrf_token": csrf(team)})
    assert synced.status_code == 200 and "Nora Newcomer" in synced.text


def test_roster_sync_needs_csrf_and_a_role(peers):
    client = browser()
    full_launch(peers, "learner-ana", client=client)
    assert client.post(peers.tool_url + "/instructor/roster", data={}).status_code == 403
    page = client.get(peers.tool_url + "/learner/")
    assert client.post(peers.tool_url + "/instructor/roster", data={"csrf_token": csrf(page)}).status_code == 403
