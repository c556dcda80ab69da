"""Learner and manager flows over real HTTP, through the demo LMS launches."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from adapter.persistence.coaching_tables import audit_events, reflections
from adapter.persistence.tables import people

from tests.event_tables import also_heard_by
from tests.peers.lti_platform import demo_platform_id

from .conftest import check_in_form, reflection_form


@pytest.fixture
def heard(peers):
    events = []
    with also_heard_by(peers.engine, lambda conn, batch: events.extend(batch)):
        yield events


def person_id(peers, sub: str) -> int:
    with peers.engine.connect() as conn:
        return conn.execute(select(people.c.id).where(people.c.sub == sub,
                                                      people.c.platform_id == demo_platform_id(peers))).scalar_one()


def test_learner_reflects_and_revises_with_events_and_audit(peers, team, launch, heard):
    launch(team.manager)  # the LMS names the mentees when the Mentor launches
    ana = launch(team.learner)
    saved = ana.post("/learner/reflection", reflection_form(), "/learner/")
    assert saved.status_code == 200 and "Your reflection is saved." in saved.text
    assert "Use SBI in my next 1-to-1" in saved.text
    ana.post("/learner/reflection", reflection_form(confidence="5"), "/learner/")

    first, second = heard[-2:]
    assert first.kind == "reflection_submitted"
    assert (first.record_version, second.record_version) == (1, 2)
    assert (first.corrects, second.corrects) == (frozenset(), {"reflection_submitted"})  # a revision corrects
    assert second.record_id == first.record_id and second.shared_fields["confidence"] == 5
    assert second.activity_iri == "https://lms.example.org/activities/giving-feedback"
    assert second.occurred_at.tzinfo is not None and second.learner_id == person_id(peers, team.learner)
    assert second.manager_id == person_id(peers, team.manager)
    with peers.engine.connect() as conn:
        actions = conn.execute(select(audit_events.c.action).where(
            audit_events.c.record_type == "reflection", audit_events.c.record_id == first.record_id)
            .order_by(audit_events.c.id)).scalars().all()
    assert actions == ["reflection.submitted", "reflection.revised"]


@pytest.mark.parametrize("confidence", ["0", "6", "lots"])
def test_confidence_outside_one_to_five_is_refused(team, launch, confidence):
    ana = launch(team.learner)
    refused = ana.post("/learner/reflection", reflection_form(confidence=confidence), "/learner/")
    assert refused.status_code == 400 and "Confidence" in refused.text


def test_a_failing_handler_rolls_the_record_back(peers, team, launch):
    def broken(conn, events):
        raise RuntimeError("outbox unavailable")
    with also_heard_by(peers.engine, broken):
        response = launch(team.learner).post("/learner/reflection", reflection_form(), "/learner/")
    assert response.status_code == 500
    with peers.engine.connect() as conn:
        assert conn.execute(select(reflections.c.id).where(
            reflections.c.learner_id == person_id(peers, team.learner))).first() is None


def test_check_in_shares_notes_but_keeps_private_notes_with_their_author(peers, team, launch, heard):
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    page = maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(),
                      f"/manager/team/{learner_id}/conversation?template=check-in")
    assert page.status_code == 200 and "The conversation is recorded." in page.text
    assert "Seems stretched by the release" in page.text  # the author sees them

    held = [e for e in heard if e.kind == "check_in_held"][-1]
    assert "private_notes" in held.private_fields
    assert "Seems stretched" not in repr(held.shared_fields)
    assert held.shared_fields["notes"] == "Good progress"
    assert [e.kind for e in heard[-2:]] == ["check_in_held", "action_agreed"]

    ana = launch(team.learner)
    mine = ana.get("/learner/")
    assert "Good progress" in mine.text and "Ask a peer for feedback" in mine.text
    assert "Seems stretched" not in mine.text
    conversation_id = re.search(r"/learner/conversations/(\d+)/rating", mine.text).group(1)
    rated = ana.post(f"/learner/conversations/{conversation_id}/rating", {"rating": "5"}, "/learner/")
    assert "4 out of 5" not in rated.text and "5 out of 5" in rated.text
    assert heard[-1].shared_fields["rating"] == 5 and heard[-1].record_version == 2


def record_check_in(peers, team, launch, shared_notes: str):
    """The manager records a check-in: their client, the learner's id, the mentee page, the conversation's id."""
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    mentee_page = f"/manager/team/{learner_id}"
    maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(shared_notes=shared_notes),
               f"/manager/team/{learner_id}/conversation?template=check-in")
    conversation_id = re.search(r"/manager/conversations/(\d+)/withdrawal", maria.get(mentee_page).text).group(1)
    return maria, learner_id, mentee_page, conversation_id


def test_the_manager_withdraws_a_conversation_with_its_actions(peers, team, launch, heard):
    maria, learner_id, mentee_page, conversation_id = record_check_in(peers, team, launch,
                                                                      "Recorded for the wrong person")
    token = maria.csrf(mentee_page)
    page = maria.client.post(f"{maria.tool_url}/manager/conversations/{conversation_id}/withdrawal",
                             data={"csrf_token": token})
    assert page.status_code == 200 and "The conversation is withdrawn, with the actions agreed in it." in page.text
    assert "Recorded for the wrong person" not in page.text and "Ask a peer for feedback" not in page.text
    withdrawn = [(e.kind, e.record_type, e.record_version) for e in heard[-2:]]
    assert withdrawn == [("record_withdrawn", "check_in", 2), ("record_withdrawn", "action", 2)]
    mine = launch(team.learner).get("/learner/").text
    assert "Recorded for the wrong person" not in mine and "Ask a peer for feedback" not in mine
    with peers.engine.connect() as conn:
        audit = conn.execute(select(audit_events.c.action).where(audit_events.c.record_type == "check_in",
                                                                 audit_events.c.record_id == int(conversation_id))
                             .order_by(audit_events.c.id)).scalars().all()
    assert audit == ["check_in.held", "check_in.withdrawn"]
    again = maria.client.post(f"{maria.tool_url}/manager/conversations/{conversation_id}/withdrawal",
                              data={"csrf_token": token})
    assert again.status_code == 404  # withdrawn records are gone from every page and action


def test_the_manager_undoes_a_withdrawal_from_the_page_they_land_on(peers, team, launch, heard):
    maria, learner_id, mentee_page, conversation_id = record_check_in(peers, team, launch, "Withdrawn by mistake")
    landed = maria.post(f"/manager/conversations/{conversation_id}/withdrawal", {}, mentee_page)
    assert "You can undo this for 10 minutes." in landed.text and "Withdrawn by mistake" not in landed.text
    back = maria.post(f"/manager/conversation/{conversation_id}/undo", {"learner_id": learner_id}, mentee_page)
    assert "the conversation and its actions are back as they were" in back.text
    assert "Withdrawn by mistake" in back.text and "Ask a peer for feedback" in back.text
    restored = [(e.kind, e.record_type, e.record_version, e.restored) for e in heard[-2:]]
    assert restored == [("check_in_held", "check_in", 3, True), ("action_agreed", "action", 3, True)]
    assert "Withdrawn by mistake" in launch(team.learner).get("/learner/").text
    again = maria.post(f"/manager/conversation/{conversation_id}/undo", {"learner_id": learner_id}, mentee_page)
    assert again.status_code == 404  # nothing withdrawn to undo any more


def test_open_actions_carry_over_until_done(peers, team, launch):
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    form_page = f"/manager/team/{learner_id}/conversation?template=grow"
    maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(), form_page)
    again = maria.get(form_page)
    assert "Agreed actions from earlier conversations" in again.text and "Ask a peer for feedback" in again.text
    action_id = re.search(r'name="carried_(\d+)"', again.text).group(1)
    grow = {"template": "grow", "held_on": "2026-11-21", "goal": "g", "reality": "r", "options": "o", "will": "w",
            f"carried_{action_id}": "done"}
    maria.post(f"/manager/team/{learner_id}/conversation", grow, form_page)
    assert "Agreed actions from earlier conversations" not in maria.get(form_page).text


def test_validation_asked_sent_back_and_validated_keeps_its_history(peers, team, launch, heard):
    ana = launch(team.learner)
    asked = ana.post("/learner/validation", {"evidence": "Ran a feedback session with my team"}, "/learner/")
    assert "Waiting for your manager" in asked.text
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    team_page = maria.get("/manager/")
    assert re.search(r"Learner \d+A</a></th>.*?1 to validate", team_page.text, re.S)
    assert "1 validation request waiting for your decision" in team_page.text
    detail = maria.get(f"/manager/team/{learner_id}")
    request_id = re.search(r"/manager/validations/(\d+)", detail.text).group(1)
    sent_back = maria.post(f"/manager/validations/{request_id}",
                           {"outcome": "needs_more_evidence", "feedback": "Tell me how the team responded",
                            "learner_id": learner_id}, f"/manager/team/{learner_id}")
    assert sent_back.status_code == 200 and "needs more evidence" in sent_back.text

    ana.post("/learner/validation", {"evidence": "Two people changed how they run stand-ups"}, "/learner/")
    maria.post(f"/manager/validations/{request_id}", {"outcome": "validated", "feedback": "Well done"},
               f"/manager/team/{learner_id}")
    final = ana.get("/learner/").text
    assert "Tell me how the team responded" in final and "Well done" in final
    # The history keeps both asks with their evidence, and the validation is recognised,
    # with no form to ask again.
    assert "Ran a feedback session with my team" in final and "Two people changed how they run stand-ups" in final
    assert "You asked again" in final and "Validated</span>" in final
    assert "/learner/validation" not in final
    assert heard[-1].kind == "application_validated" and heard[-1].record_version == 4
    assert [e.kind for e in heard[-4:]] == ["validation_requested", "needs_more_evidence",
                                            "validation_requested", "application_validated"]


def test_feedback_is_required_when_asking_for_more_evidence(peers, team, launch):
    launch(team.learner).post("/learner/validation", {"evidence": "Did it"}, "/learner/")
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    request_id = re.search(r"/manager/validations/(\d+)", maria.get(f"/manager/team/{learner_id}").text).group(1)
    refused = maria.post(f"/manager/validations/{request_id}",
                         {"outcome": "needs_more_evidence", "feedback": "", "learner_id": learner_id},
                         f"/manager/team/{learner_id}")
    assert refused.status_code == 400 and "Feedback is required" in refused.text


def test_instructor_overview_shows_counts_not_notes(peers, team, launch):
    ana = launch(team.learner)
    ana.post("/learner/reflection", reflection_form(learned="A very personal lesson"), "/learner/")
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(),
               f"/manager/team/{learner_id}/conversation?template=check-in")
    overview = launch("instructor-ivan").get("/instructor/").text
    assert "Giving feedback: apply it at work" in overview
    for secret in ("A very personal lesson", "Seems stretched", "Good progress"):
        assert secret not in overview


def test_every_form_needs_the_csrf_token(peers, team, launch):
    ana = launch(team.learner)
    refused = ana.client.post(peers.tool_url + "/learner/reflection", data=reflection_form())
    assert refused.status_code == 403


def test_output_is_escaped(peers, team, launch):
    ana = launch(team.learner)
    page = ana.post("/learner/reflection", reflection_form(learned="<script>alert(1)</script>"), "/learner/")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_shared_grow_answers_speak_to_the_learner_as_you(peers, team, launch):
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    grow = {"template": "grow", "held_on": "2026-11-20", "goal": "Lead the stand-up", "reality": "Once a month",
            "options": "Co-host first", "will": "From the 15th"}
    maria.post(f"/manager/team/{learner_id}/conversation", grow, f"/manager/team/{learner_id}/conversation?template=grow")
    assert "Goal — what does the learner want to achieve?" in maria.get(f"/manager/team/{learner_id}").text
    mine = launch(team.learner).get("/learner/").text
    assert "Goal — what you want to achieve" in mine and "the learner" not in mine.split("Check-ins and coaching")[1]
