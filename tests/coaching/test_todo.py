"""The to-do lists over HTTP, launched from the demo LMS: a manager's next steps, a learner's activities."""
from __future__ import annotations

from datetime import date, timedelta

from adapter.domain.due import (
    CheckInPlan, check_in_due_on, check_in_state, course_cadence_days, end_of_week,
)
from adapter.domain.commands import PlaceActivity
from adapter.domain.placement import Placement
from adapter.mapping_files import load_templates

from .conftest import check_in_form, reflection_form


def test_due_rules():
    today = date(2026, 12, 2)  # a Wednesday
    assert end_of_week(today) == date(2026, 12, 6)
    planned = CheckInPlan(1, date(2026, 11, 1), date(2026, 12, 3))
    assert check_in_due_on(planned, 14) == date(2026, 12, 3)  # a planned date wins over the cadence
    unplanned = CheckInPlan(1, date(2026, 11, 1), None)
    assert check_in_due_on(unplanned, 14) == date(2026, 11, 15)
    assert check_in_due_on(unplanned, None) is None
    assert [check_in_state(today + timedelta(days=d), today) for d in (-1, 0, 2, 3)] == [
        "overdue", "due", "coming up", None]
    assert course_cadence_days({"check_in_every_weeks": "2"}) == 14 and course_cadence_days({}) is None
    assert Placement.place(PlaceActivity(kind="check_in", template="check-in", title="Weekly check-in",
                                         activity_iri="https://lms.example.org/a/1", check_in_every_weeks="2"),
                           load_templates(), set()).custom_parameters()["check_in_every_weeks"] == "2"


def test_manager_sees_what_to_do_next(team, launch):
    manager = launch(team.manager)
    learner = launch(team.learner)
    other = launch(team.other_learner)
    assert "Nothing is waiting for you today" in manager.get("/manager/todo").text

    learner.post("/learner/reflection", reflection_form(), "/learner/")
    other.post("/learner/reflection", reflection_form(), "/learner/")
    learner.post("/learner/validation", {"evidence": "Ran the retro"}, "/learner/")
    page = manager.get("/manager/todo").text
    assert "Validations waiting for you" in page and "waiting under an hour" in page
    assert "Reflected, but you have not talked yet" in page
    assert page.count("Talk with Learner") == 2

    learner_id = int(page.split("/manager/team/")[1].split("#")[0].split('"')[0])
    overdue = (date.today() - timedelta(days=1)).isoformat()
    held = (date.today() - timedelta(days=10)).isoformat()
    done = manager.post(f"/manager/team/{learner_id}/conversation",
                        check_in_form(held_on=held, next_on=overdue, action_0_due_on=date.today().isoformat()),
                        f"/manager/team/{learner_id}/conversation?template=check-in")
    assert done.status_code == 200, done.text[:400]
    page = manager.get("/manager/todo").text
    assert f'overdue: <time datetime="{overdue}">' in page
    assert "Ask a peer for feedback" in page and "Agreed actions due this week" in page
    assert page.count("Talk with Learner") == 1  # the other one still waits

    refused = manager.post("/manager/cadence", {"weeks": "fifty"}, "/manager/todo")
    assert refused.status_code == 400 and "Check-in cadence" in refused.text
    assert "Your check-in rhythm is saved." in manager.post("/manager/cadence", {"weeks": "2"}, "/manager/todo").text


def test_learner_sees_all_activities_and_what_waits(team, launch):
    manager = launch(team.manager)
    learner = launch(team.learner)
    learner.post("/learner/validation", {"evidence": "Ran the retro"}, "/learner/")
    page = manager.get("/manager/todo").text
    learner_id = int(page.split("/manager/team/")[1].split("#")[0].split('"')[0])
    request_id = int(page.split("#validation-")[1].split('"')[0])
    manager.post(f"/manager/validations/{request_id}", {"outcome": "needs_more_evidence",
                                                        "feedback": "Tell me what changed"},
                 f"/manager/team/{learner_id}")
    manager.post(f"/manager/team/{learner_id}/conversation", check_in_form(action_0_due_on=date.today().isoformat()),
                 f"/manager/team/{learner_id}/conversation?template=check-in")
    launch(team.learner, "rl-delegation")  # a second activity in the course

    page = learner.get("/learner/todo").text
    assert "Add evidence:" in page and "Tell me what changed" in page
    assert "Mark done" in page and "Rate your conversation" in page
    action_id = page.split("/learner/actions/")[1].split('"')[0]
    back = learner.post(f"/learner/actions/{action_id}", {"status": "done", "back": "todo"}, "/learner/todo")
    assert back.url.endswith("/learner/todo?done=action") and "Mark done" not in back.text
    assert page.count('aria-label="Open ') >= 2

    # Opening another activity points the page at it; one not in the learner's courses is refused.
    links = [int(part.split('"')[0]) for part in page.split('name="resource_link_pk" value="')[1:]]
    opened = learner.post("/learner/activity", {"resource_link_pk": str(links[-1])}, "/learner/todo")
    assert opened.status_code == 200 and "Your reflection" in opened.text
    assert learner.post("/learner/activity", {"resource_link_pk": "999999"}, "/learner/todo").status_code == 404


def test_numbers_that_are_not_ascii_digits_are_refused_plainly(team, launch):
    learner = launch(team.learner)
    assert learner.post("/learner/activity", {"resource_link_pk": "²"}, "/learner/todo").status_code == 400
    manager = launch(team.manager)
    refused = manager.post("/manager/cadence", {"weeks": "²"}, "/manager/todo")
    assert refused.status_code == 400 and "Check-in cadence" in refused.text
