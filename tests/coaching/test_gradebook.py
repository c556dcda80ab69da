"""Validations in the LMS gradebook: through the outbox to the demo LMS's real AGS
endpoints (line items, scores), including an outage and a permanent refusal."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from adapter.persistence.outbox_store import dead_messages, queue_status, retry_dead
from adapter.persistence.tables import outbox
from adapter.services.gradebook import LINE_ITEM_TAG, ScoreDeliveryJob
from adapter.services.lms_services import LmsAccess
from tests.coaching.conftest import reflection_form
from tests.coaching.test_coaching_flows import person_id


@pytest.fixture
def job(peers):
    parts = peers.app.extensions["coachbridge"]
    return ScoreDeliveryJob(LmsAccess(parts.engine, parts.tool_keys, allow_private_addresses=True), draw=lambda: 0.5)


def deliver_due(job, now=None) -> int:
    """Run the job until nothing is due: the session's shared database may hold more than
    one batch of scores from earlier tests (browser tests leave theirs queued)."""
    total = 0
    while settled := job.run_once(now):
        total += settled
    return total


def scores_for(peers, user_id):
    return [s for s in peers.lms.services.scores if s["userId"] == user_id]


def pending_ags(peers):
    with peers.engine.connect() as conn:
        return conn.execute(select(outbox.c.id).where(outbox.c.channel == "ags", outbox.c.status == "pending")).all()


def ask_and_decide(peers, team, launch, outcome, feedback):
    ana = launch(team.learner)
    ana.post("/learner/validation", {"evidence": "Ran a feedback session"}, "/learner/")
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    request_id = re.search(r"/manager/validations/(\d+)", maria.get(f"/manager/team/{learner_id}").text).group(1)
    maria.post(f"/manager/validations/{request_id}", {"outcome": outcome, "feedback": feedback,
                                                      "learner_id": learner_id}, f"/manager/team/{learner_id}")
    return ana, maria, learner_id, request_id


def test_validation_flow_reaches_the_gradebook(peers, team, launch, job):
    ana, maria, learner_id, request_id = ask_and_decide(peers, team, launch, "needs_more_evidence",
                                                        "Tell me how the team responded")
    ana.post("/learner/validation", {"evidence": "Two people changed their stand-ups"}, "/learner/")
    maria.post(f"/manager/validations/{request_id}", {"outcome": "validated", "feedback": "Well done",
                                                      "learner_id": learner_id}, f"/manager/team/{learner_id}")
    assert deliver_due(job) >= 4
    scores = scores_for(peers, team.learner)
    assert [(s["activityProgress"], s["gradingProgress"]) for s in scores] == [
        ("Submitted", "PendingManual"), ("InProgress", "Pending"), ("Submitted", "PendingManual"),
        ("Completed", "FullyGraded")]
    assert scores[1]["comment"] == "Tell me how the team responded"
    assert scores[3]["comment"] == "Well done" and scores[3]["scoreGiven"] == scores[3]["scoreMaximum"] == 1.0
    stamps = [s["timestamp"] for s in scores]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    # The line item was found-or-created for the resource link, with our tag.
    item = peers.lms.services.line_items[scores[0]["lineitem"]]
    assert item["resourceLinkId"] == "rl-feedback" and item["tag"] == LINE_ITEM_TAG


def test_deep_linked_points_use_the_platforms_line_item(peers, team, launch, job):
    peers.lms.links["dl-points"] = {"id": "dl-points", "title": "Apply feedback (10 points)",
                                    "custom": {"kind": "validation", "template": "check-in",
                                               "activity_iri": "https://example.org/activities/feedback"},
                                    "line_item": {"scoreMaximum": 10, "label": "Feedback applied"}}
    ana = launch(team.learner, "dl-points")
    ana.post("/learner/validation", {"evidence": "Did it"}, "/learner/")
    maria = launch(team.manager, "dl-points")
    learner_id = person_id(peers, team.learner)
    request_id = re.search(r"/manager/validations/(\d+)", maria.get(f"/manager/team/{learner_id}").text).group(1)
    maria.post(f"/manager/validations/{request_id}", {"outcome": "validated", "feedback": "Yes",
                                                      "learner_id": learner_id}, f"/manager/team/{learner_id}")
    deliver_due(job)
    final = scores_for(peers, team.learner)[-1]
    assert peers.lms.services.link_items["dl-points"] == final["lineitem"]
    assert (final["scoreGiven"], final["scoreMaximum"]) == (10, 10)


def test_lms_outage_delays_scores_and_loses_none(peers, team, launch, job):
    peers.lms.services.score_failure = (503, "maintenance window")
    try:
        ask_and_decide(peers, team, launch, "validated", "Great")
        deliver_due(job)
        assert scores_for(peers, team.learner) == []
        waiting = [s for s in queue_status(peers.engine, time.time()) if s.channel == "ags"]
        assert waiting and waiting[0].pending >= 2
    finally:
        peers.lms.services.score_failure = None
    deliver_due(job, time.time() + 3600)  # after the backoff
    assert [s["gradingProgress"] for s in scores_for(peers, team.learner)] == ["PendingManual", "FullyGraded"]
    assert pending_ags(peers) == []


def test_permanent_refusal_is_dead_lettered_and_can_be_requeued(peers, team, launch, job):
    peers.lms.services.score_failure = (400, "user is not enrolled")
    try:
        ask_and_decide(peers, team, launch, "validated", "Great")
        deliver_due(job)
    finally:
        peers.lms.services.score_failure = None
    dead = [d for d in dead_messages(peers.engine) if d["channel"] == "ags"]
    assert dead and "user is not enrolled" in dead[0]["last_error"] and "400" in dead[0]["last_error"]
    assert retry_dead(peers.engine, time.time(), channel="ags") >= 2
    deliver_due(job)
    assert [s["gradingProgress"] for s in scores_for(peers, team.learner)] == ["PendingManual", "FullyGraded"]


def test_the_worker_delivers_scores_too(peers, team, launch):
    from adapter.worker import default_jobs, drain

    ask_and_decide(peers, team, launch, "validated", "Applied it well")
    drain(default_jobs(peers.engine, None, allow_private_addresses=True))
    assert [s["gradingProgress"] for s in scores_for(peers, team.learner)] == ["PendingManual", "FullyGraded"]
    metrics = launch(team.learner).get("/metrics").text
    delivered = [line for line in metrics.splitlines() if line.startswith("coachbridge_deliveries_total{")
                 and 'channel="ags"' in line and 'result="delivered"' in line]
    assert delivered and float(delivered[0].rsplit(" ", 1)[1]) >= 2


def test_a_withdrawn_request_clears_its_score_and_its_undo_sends_it_again(peers, team, launch, job):
    """Withdrawn: the gradebook shows nothing submitted; undone from the page the learner
    lands on (its "Undo" form): the request's score again."""
    ana = launch(team.learner)
    ana.post("/learner/reflection", reflection_form(), "/learner/")
    ana.post("/learner/validation", {"evidence": "Ran a feedback session"}, "/learner/")
    request_id = re.search(r"/learner/validation/(\d+)/withdrawal", ana.get("/learner/").text).group(1)
    landed = ana.post(f"/learner/validation/{request_id}/withdrawal", {}, "/learner/")
    assert "Withdrawn: your manager no longer sees it." in landed.text and "Ran a feedback session" not in landed.text
    undo = re.search(r'<form method="post" action="([^"]+/undo)"', landed.text).group(1)
    assert undo.endswith(f"/learner/validation/{request_id}/undo")
    stranger = launch(team.other_learner)  # another learner: the record is not theirs to see
    assert stranger.post(f"/learner/validation/{request_id}/undo", {}, "/learner/").status_code == 404
    back = ana.post(f"/learner/validation/{request_id}/undo", {}, "/learner/")
    assert "back as it was" in back.text and "Ran a feedback session" in back.text
    assert "/undo" not in ana.get(f"/learner/?done=withdrawn&undo=validation-{request_id}").text  # live: no Undo
    deliver_due(job)
    assert [(s["activityProgress"], s["gradingProgress"]) for s in scores_for(peers, team.learner)] == [
        ("Submitted", "PendingManual"), ("Initialized", "NotReady"), ("Submitted", "PendingManual")]


def test_a_score_message_that_cannot_be_read_is_dead_and_holds_up_no_other(peers, team, launch, job):
    """A damaged queued score (a field missing, not JSON) can never be sent: it is dead with
    the reason, and the scores queued beside it reach the gradebook."""
    from adapter.persistence.outbox_store import enqueue, forget

    ask_and_decide(peers, team, launch, "validated", "Applied it well")
    with peers.engine.begin() as conn:
        target = conn.execute(select(outbox.c.target).where(outbox.c.channel == "ags")
                              .order_by(outbox.c.id.desc())).scalars().first()
        enqueue(conn, "ags", target, "damaged-1", {"resource_link_pk": 1, "learner_id": 2}, time.time(),
                source="damaged 1")
        enqueue(conn, "ags", target, "damaged-2", "{not json", time.time(), source="damaged 2")
    deliver_due(job)
    assert [s["gradingProgress"] for s in scores_for(peers, team.learner)] == ["PendingManual", "FullyGraded"]
    reasons = {d["source"]: d["last_error"] for d in dead_messages(peers.engine) if d["channel"] == "ags"}
    assert "KeyError" in reasons["damaged 1"] and "'decision'" in reasons["damaged 1"]
    assert "JSONDecodeError" in reasons["damaged 2"]
    assert pending_ags(peers) == []
    with peers.engine.begin() as conn:  # the session's later tests expect no dead scores
        forget(conn, [d["id"] for d in dead_messages(peers.engine) if d["source"].startswith("damaged")])
