"""Deep Linking 2.0 end to end: the instructor picks an activity, the demo LMS verifies
the signed answer and places the link, and launches of the new link carry its choices."""
from __future__ import annotations

import re

import jwt

from tests.event_tables import also_heard_by
from tests.peers.lti_platform import auto_post_form, browser, full_launch

from .conftest import Launched, reflection_form

IRI = "https://lms.example.org/activities/coaching-skills"


def deep_link_answer(peers, **choices):
    client = browser()
    page = full_launch(peers, "instructor-ivan", "deep-link", client=client)
    assert page.status_code == 200 and "Add a coaching activity" in page.text, page.text[:300]
    ivan = Launched("instructor-ivan", client, peers.tool_url)
    form = {"kind": "validation", "title": "Validate: coaching skills", "template": "grow",
            "activity_iri": IRI, "validation_required": "yes", "points": "10", **choices}
    answer = ivan.post("/instructor/deep-link", form, "/instructor/deep-link")
    return client, answer


def test_platform_verifies_and_places_the_activity(peers, team, launch):
    client, answer = deep_link_answer(peers)
    action, fields = auto_post_form(answer.text)
    assert action == peers.lms_url + "/deep-link-return"
    placed = client.post(action, data=fields)
    assert placed.status_code == 200 and "Validate: coaching skills" in placed.text
    link = peers.lms.placed[-1]
    assert link["custom"] == {"kind": "validation", "template": "grow", "validation_required": "true",
                              "activity_iri": IRI, "title": "Validate: coaching skills",
                              "placement": link["custom"]["placement"]}
    assert link["custom"]["placement"].isdigit()  # its first launch is matched by it
    assert link["line_item"]["scoreMaximum"] == 10 and link["line_item"]["tag"] == "validation"

    heard = []
    with also_heard_by(peers.engine, lambda conn, events: heard.extend(events)):
        learner = launch(team.learner, link["id"])
        learner.post("/learner/reflection", reflection_form(), "/learner/")
    assert heard[-1].activity_iri == IRI


def test_platform_refuses_a_tampered_answer(peers):
    client, answer = deep_link_answer(peers, points="")
    action, fields = auto_post_form(answer.text)
    body = jwt.decode(fields["JWT"], options={"verify_signature": False})
    body["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"][0]["title"] = "Something else"
    header, _, signature = fields["JWT"].split(".")
    forged = jwt.encode(body, "not-the-tool-key-" * 4, algorithm="HS256").split(".")[1]
    refused = client.post(action, data={"JWT": f"{header}.{forged}.{signature}"})
    assert refused.status_code == 400
    # the genuine answer is still accepted once, and not twice
    assert client.post(action, data=fields).status_code == 200
    assert client.post(action, data=fields).status_code == 400


def test_the_form_refuses_an_activity_without_a_learning_activity(peers):
    _, answer = deep_link_answer(peers, activity_iri="", follows="")
    assert answer.status_code == 400 and "Learning activity" in answer.text


def test_the_page_needs_a_deep_linking_launch(team, launch):
    assert launch("instructor-ivan").get("/instructor/deep-link").status_code == 400


def test_a_link_launched_without_a_title_keeps_the_title_it_was_placed_with(peers, team, launch):
    """Open edX launches a resource link with its id only: the page still names it."""
    client, answer = deep_link_answer(peers)
    action, fields = auto_post_form(answer.text)
    client.post(action, data=fields)
    placed = dict(peers.lms.placed[-1])
    peers.lms.links["rl-untitled"] = {"id": "rl-untitled", "title": "", "custom": placed["custom"]}
    page = launch(team.learner, "rl-untitled").get("/learner/").text
    assert "<h1>Validate: coaching skills</h1>" in page


def _row(course: str, title: str) -> str:
    return course.split(title)[1].split("</tr>")[0]


def test_a_placed_activity_is_opened_by_the_launch_that_carries_its_id_not_by_its_title(peers, team, launch):
    """Two activities placed with one title: launching one (renamed in the LMS) leaves the
    other 'not opened yet'."""
    placed = []
    for _ in range(2):
        client, answer = deep_link_answer(peers, title="Validate: twins")
        action, fields = auto_post_form(answer.text)
        client.post(action, data=fields)
        placed.append(peers.lms.placed[-1])
    peers.lms.links[placed[0]["id"]] = {**placed[0], "title": "Validate: renamed in the LMS"}
    launch(team.learner, placed[0]["id"])
    course = launch("instructor-ivan").get("/instructor/").text
    assert "added, not opened yet" not in _row(course, "Validate: renamed in the LMS")
    assert course.count("Validate: twins") == 1 and "added, not opened yet" in _row(course, "Validate: twins")


def test_an_activity_without_any_title_gets_one_numbered_name_on_every_page(peers, team, launch):
    """Open edX sends only an id: with no title placed either, the instructor's course page,
    the learner's page and the manager's team page all call it the same numbered name."""
    peers.lms.links["rl-no-title"] = {"id": "rl-no-title", "title": "", "custom": {"kind": "check_in"}}
    learner = launch(team.learner, "rl-no-title")
    learner.post("/learner/reflection", reflection_form(), "/learner/")
    name = re.search(r"<h1>(Untitled activity \d+)</h1>", learner.get("/learner/").text).group(1)
    assert f"<th scope=\"row\">{name}" in launch("instructor-ivan", "rl-no-title").get("/instructor/").text
    assert f"<li>{name}: reflected</li>" in launch(team.manager).get("/manager/").text
    assert f"Open {name}" in learner.get("/learner/todo").text


def test_a_placed_activity_shows_in_the_course_before_anyone_opens_it(peers, team, launch):
    client, answer = deep_link_answer(peers, title="Validate: before the first launch")
    action, fields = auto_post_form(answer.text)
    client.post(action, data=fields)
    placed = peers.lms.placed[-1]
    course = launch("instructor-ivan").get("/instructor/").text
    row = course.split("Validate: before the first launch")[1].split("</tr>")[0]
    assert "added, not opened yet" in row
    launch(team.learner, placed["id"])
    course = launch("instructor-ivan").get("/instructor/").text
    assert course.count("Validate: before the first launch") == 1 and "added, not opened yet" not in \
        course.split("Validate: before the first launch")[1].split("</tr>")[0]


def test_only_the_deep_linking_answer_may_post_its_form_off_site(peers):
    """Its form posts to the LMS (content_policy.OFF_SITE_FORMS): its page's policy has no
    form-action; the picker the launch showed keeps its forms on the tool."""
    client = browser()
    picker = full_launch(peers, "instructor-ivan", "deep-link", client=client)
    _, answer = deep_link_answer(peers)
    assert "; form-action 'self'; frame-ancestors 'self' " in picker.headers["Content-Security-Policy"]
    assert "form-action" not in answer.headers["Content-Security-Policy"]
    assert answer.headers["Content-Security-Policy"].replace("; frame-ancestors", "; form-action 'self'; frame-ancestors") \
        == picker.headers["Content-Security-Policy"]
