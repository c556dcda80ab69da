"""Navigation from what the tool knows: a manager known only from a nomination (no Mentor
role, as in Moodle) sees "Your team", lands on it when launched among their team, and a
person named as someone's manager is asked on whatever page their next launch opens."""
from __future__ import annotations

import re

from adapter.demo.lms import ROLE_INSTRUCTOR, ROLE_LEARNER, ROLE_MENTOR, DemoPerson
from tests.peers.lti_platform import full_launch

NAV = re.compile(r'<nav aria-label="Sections">(.*?)</nav>', re.S)


def sections(page: str) -> list[str]:
    return re.findall(r">([^<]+)</a>", NAV.search(page).group(1))


def nomination_id(page: str) -> str:
    return re.search(r'action="/manager/nominations/(\d+)"', page).group(1)


def test_a_named_learner_is_asked_on_their_learner_page_and_then_reaches_the_team(peers, team, launch):
    launch(team.other_learner)
    learner = launch(team.learner)
    learner.post("/learner/nomination", {"manager_email": f"{team.other_learner}@example.org"}, "/learner/")

    nominee = launch(team.other_learner)
    landed = full_launch(peers, team.other_learner, client=nominee.client)  # the page the launch lands on
    assert "<h1>Giving feedback: apply it at work</h1>" in landed.text
    assert "named you as their manager" in landed.text and "Your activity" in sections(landed.text)
    confirmed = nominee.post(f"/manager/nominations/{nomination_id(landed.text)}", {"answer": "confirm"},
                             "/learner/")
    assert confirmed.url.startswith(peers.tool_url + "/manager/") and "Learner " in confirmed.text
    assert "named you as their manager" not in confirmed.text
    assert sections(confirmed.text) == ["Your activity", "Your team"]

    # Launched again from the course their team member is in: the team's view of that activity.
    page = full_launch(peers, team.other_learner, client=nominee.client)
    assert "<h1>Your team</h1>" in page.text
    assert "Opened from <strong>Giving feedback: apply it at work</strong>" in page.text
    assert sections(page.text) == ["Your activity", "Your team"]
    assert "Your reflection" in nominee.get("/learner/").text  # their own activity is one click away


def test_an_instructor_named_as_manager_is_asked_and_a_decline_leaves_no_team(peers, team, launch):
    n = team.manager.split("-")[1]
    teacher = f"teacher-{n}"
    peers.lms.people[teacher] = DemoPerson(teacher, f"Teacher {n}", f"{teacher}@example.org", [ROLE_INSTRUCTOR])
    launch(teacher)
    learner = launch(team.learner)
    learner.post("/learner/nomination", {"manager_email": f"{teacher}@example.org"}, "/learner/")

    instructor = launch(teacher)
    home = instructor.get("/instructor/")
    assert "named you as their manager" in home.text and "Your team" in sections(home.text)
    declined = instructor.post(f"/manager/nominations/{nomination_id(home.text)}", {"answer": "decline"},
                               "/instructor/")
    assert declined.url.startswith(peers.tool_url + "/instructor/")
    assert "named you as their manager" not in declined.text and sections(declined.text) == ["Your course"]
    assert instructor.get("/manager/").status_code == 403


def test_someone_else_cannot_answer_a_nomination(peers, team, other_team, launch):
    launch(team.other_learner)
    learner = launch(team.learner)
    learner.post("/learner/nomination", {"manager_email": f"{team.other_learner}@example.org"}, "/learner/")
    nominee = launch(team.other_learner)
    target = nomination_id(nominee.get("/learner/").text)
    stranger = launch(other_team.manager)
    answer = stranger.post(f"/manager/nominations/{target}", {"answer": "confirm"}, "/manager/")
    assert answer.status_code == 404
    assert "named you as their manager" in nominee.get("/learner/").text  # still waiting for them


def test_a_mentor_launch_still_lands_on_the_team_and_a_plain_learner_sees_no_team(peers, team, launch):
    manager = launch(team.manager)
    page = manager.get("/manager/")
    assert sections(page.text) == ["Your team"]
    learner = launch(team.learner)
    assert sections(learner.get("/learner/").text) == ["Your activity"]


def test_the_landing_told_by_the_launchs_read_is_the_one_it_reads_itself(peers, team, launch, monkeypatch):
    """When the launch's own read says the person leads no team and has no nomination waiting,
    the landing does not ask again: for every kind of launch its answer (section, navigation,
    who is asking) must be what reading after the launch's writes gives."""
    from adapter.web import lti_endpoints
    landing, landed = lti_endpoints.landing, []

    def compared(conn, *args):  # (told, its answer, the answer when it reads them itself)
        answer = landing(conn, *args)
        landed.append((args[-1], answer, landing(conn, *args[:-1], False)))
        return answer

    monkeypatch.setattr(lti_endpoints, "landing", compared)
    mentor = peers.lms.people[team.manager]
    peers.lms.people[team.manager] = DemoPerson(mentor.user_id, mentor.name, mentor.email, [ROLE_LEARNER])
    launch(team.learner)  # new to the tool
    launch(team.learner)  # known, no team
    learner = launch(team.other_learner)
    launch(team.manager)  # new to the tool
    launch(team.manager)  # known as a learner
    learner.post("/learner/nomination", {"manager_email": f"{team.learner}@example.org"}, "/learner/")
    launch(team.learner)  # a nomination waits for them
    peers.lms.people[team.manager] = DemoPerson(mentor.user_id, mentor.name, mentor.email,
                                                [ROLE_LEARNER, ROLE_MENTOR], mentees=mentor.mentees)
    launch(team.manager)  # known, and this launch's mentor claim makes their team
    launch(team.manager)  # leads a team
    peers.lms.people[team.manager] = DemoPerson(mentor.user_id, mentor.name, mentor.email, [ROLE_LEARNER])
    launch(team.manager)  # the team it led stays (no mentor claim to end it)
    assert [told for told, _, _ in landed] == [False, True, False, False, True, False, False, False, False]
    for _, answer, read in landed:
        assert answer == read
