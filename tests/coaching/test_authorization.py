"""Every forbidden access, tried: the tool answers 403 or 404 and shows nothing."""
from __future__ import annotations

import re
import time
from datetime import date

from sqlalchemy import select

from adapter.domain.coaching import ActivityRef, Conversation
from adapter.persistence import coaching_store, people_store
from adapter.persistence.tables import people
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.services.relationships import import_relationships

from .conftest import check_in_form, reflection_form


def person_id(peers, sub: str, platform_id: int | None = None) -> int:
    with peers.engine.connect() as conn:
        query = select(people.c.id).where(people.c.sub == sub)
        if platform_id is not None:
            query = query.where(people.c.platform_id == platform_id)
        return conn.execute(query.order_by(people.c.id)).scalars().first()


def record_check_in(peers, launch, team) -> tuple:
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(),
               f"/manager/team/{learner_id}/conversation?template=check-in")
    page = launch(team.learner).get("/learner/").text
    conversation_id = int(re.search(r"/learner/conversations/(\d+)/rating", page).group(1))
    action_id = int(re.search(r"/learner/actions/(\d+)", page).group(1))
    return maria, learner_id, conversation_id, action_id


def test_another_learners_records_are_not_found(peers, team, launch):
    _, _, conversation_id, action_id = record_check_in(peers, launch, team)
    owner = launch(team.learner)
    owner.post("/learner/reflection", reflection_form(), "/learner/")
    reflection_id = re.search(r"/learner/reflection/(\d+)/withdrawal", owner.get("/learner/").text).group(1)

    other = launch(team.other_learner)
    assert other.post(f"/learner/conversations/{conversation_id}/rating", {"rating": "1"},
                      "/learner/").status_code == 404
    assert other.post(f"/learner/actions/{action_id}", {"status": "done"}, "/learner/").status_code == 404
    assert other.post(f"/learner/reflection/{reflection_id}/withdrawal", {}, "/learner/").status_code == 404
    assert "Good progress" not in other.get("/learner/").text


def test_manager_cannot_rate_and_learner_cannot_decide(peers, team, launch):
    maria, learner_id, conversation_id, _ = record_check_in(peers, launch, team)
    assert maria.post(f"/learner/conversations/{conversation_id}/rating", {"rating": "5"},
                      "/learner/").status_code == 403
    ana = launch(team.learner)
    ana.post("/learner/validation", {"evidence": "Did it"}, "/learner/")
    request_id = re.search(r"/manager/validations/(\d+)", maria.get(f"/manager/team/{learner_id}").text).group(1)
    assert ana.post(f"/manager/validations/{request_id}", {"outcome": "validated"}, "/learner/").status_code == 403


def test_other_managers_see_neither_the_mentee_nor_private_notes(peers, team, launch, other_team):
    maria, learner_id, _, _ = record_check_in(peers, launch, team)
    stranger = launch(other_team.manager)
    assert stranger.get(f"/manager/team/{learner_id}").status_code == 404
    assert stranger.get(f"/manager/team/{learner_id}/conversation").status_code == 404

    # A second manager of the same learner (admin import) sees shared notes, not Maria's private ones.
    with peers.engine.connect() as conn:
        platform_id = conn.execute(select(people.c.platform_id).where(people.c.id == learner_id)).scalar_one()
    result = import_relationships(peers.engine, None, platform_id,
                                  f"learner_user_id,manager_user_id\n{team.learner},{other_team.manager}\n", time.time())
    assert result.written
    shared = stranger.get(f"/manager/team/{learner_id}").text
    assert "Good progress" in shared and "Seems stretched" not in shared


def test_former_mentee_is_out_of_reach(peers, team, launch):
    maria, learner_id, _, _ = record_check_in(peers, launch, team)
    launch(team.learner).post("/learner/validation", {"evidence": "Did it"}, "/learner/")
    request_id = re.search(r"/manager/validations/(\d+)", maria.get(f"/manager/team/{learner_id}").text).group(1)
    peers.lms.people[team.manager].mentees = [team.other_learner]
    maria = launch(team.manager)  # the LMS no longer lists the learner: a former mentee
    assert maria.get(f"/manager/team/{learner_id}").status_code == 404
    assert maria.post(f"/manager/validations/{request_id}", {"outcome": "validated"},
                      "/learner/").status_code == 404
    assert maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(), "/learner/").status_code == 404


def test_same_sub_on_another_platform_is_another_person(peers, team, launch):
    maria, learner_id, _, _ = record_check_in(peers, launch, team)
    now = time.time()
    other_platform = register_platform(peers.engine, PlatformSpec(
        issuer=f"https://other-lms.example/{team.learner}", client_id="x", auth_login_url="https://o.example/auth",
        key_set_url="https://o.example/jwks", deployment_ids=("d",)))
    with peers.engine.begin() as conn:
        twin = people_store.save_person(conn, other_platform, team.learner, {"name": "Twin"}, now)
        twin_manager = people_store.save_person(conn, other_platform, team.manager, {"name": "Twin boss"}, now)
        twin_talk = coaching_store.add_conversation(conn, Conversation(
            kind="check_in", template="check-in", learner_id=twin, manager_id=twin_manager,
            activity=ActivityRef(platform_id=other_platform), held_on=date(2026, 1, 5), answers={},
            shared_notes="Twin's notes", private_notes="", next_on=None), now)
    assert twin != learner_id
    ana = launch(team.learner)
    assert ana.post(f"/learner/conversations/{twin_talk.id}/rating", {"rating": "2"}, "/learner/").status_code == 404
    assert "Twin's notes" not in ana.get("/learner/").text
    assert maria.get(f"/manager/team/{twin}").status_code == 404


def test_roles_gate_the_instructor_and_admin_pages(peers, team, launch):
    learner = launch(team.learner)
    assert learner.get("/instructor/").status_code == 403
    assert learner.get("/admin/relationships").status_code == 403
    admin = launch("admin-ada")
    assert admin.get(f"/manager/team/{person_id(peers, team.learner)}").status_code in (403, 404)


def test_only_the_manager_who_recorded_a_conversation_withdraws_it(peers, team, launch, other_team):
    maria, learner_id, conversation_id, _ = record_check_in(peers, launch, team)
    withdrawal = f"/manager/conversations/{conversation_id}/withdrawal"
    ana = launch(team.learner)
    assert ana.post(withdrawal, {}, "/learner/").status_code == 403  # a learner is no manager here
    stranger = launch(other_team.manager)
    launch(other_team.learner)  # the stranger manages someone, so the manager pages open
    own_form = f"/manager/team/{person_id(peers, other_team.learner)}/conversation?template=check-in"
    assert stranger.post(withdrawal, {}, own_form).status_code == 404

    # A second manager of the same learner sees the conversation but may not withdraw it.
    with peers.engine.connect() as conn:
        platform_id = conn.execute(select(people.c.platform_id).where(people.c.id == learner_id)).scalar_one()
    assert import_relationships(peers.engine, None, platform_id,
                                f"learner_user_id,manager_user_id\n{team.learner},{other_team.manager}\n",
                                time.time()).written
    page = stranger.get(f"/manager/team/{learner_id}").text
    assert "Good progress" in page and withdrawal not in page
    assert stranger.post(withdrawal, {}, own_form).status_code == 403
    assert withdrawal in maria.get(f"/manager/team/{learner_id}").text
    with peers.engine.connect() as conn:
        assert coaching_store.get_conversation(conn, conversation_id) is not None  # still on record


def test_a_learner_closes_their_own_actions_and_only_the_manager_closes_the_managers(peers, team, launch):
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    maria.post(f"/manager/team/{learner_id}/conversation",
               check_in_form(action_1_description="Book the refresher", action_1_owner="manager"),
               f"/manager/team/{learner_id}/conversation?template=check-in")
    mentee = maria.get(f"/manager/team/{learner_id}").text
    managers_action = int(re.search(r"/manager/actions/(\d+)\"[^>]*>\s*<input[^>]*>\s*<button[^>]*Book the refresher",
                                    mentee, re.S).group(1))
    ana = launch(team.learner)
    assert ana.post(f"/learner/actions/{managers_action}", {"status": "done"}, "/learner/").status_code == 403
    own_action = int(re.search(r"/learner/actions/(\d+)", ana.get("/learner/").text).group(1))
    assert ana.post(f"/learner/actions/{own_action}", {"status": "done"}, "/learner/").status_code == 200
    closed = maria.post(f"/manager/actions/{managers_action}", {}, f"/manager/team/{learner_id}")
    assert closed.status_code == 200 and "The action is marked done." in closed.text
    assert "Book the refresher" not in ana.get("/learner/").text.split("Done (")[0]


def test_who_is_asking_is_loaded_once_per_request(peers, team, launch, monkeypatch):
    from collections import Counter

    from flask import request

    from adapter.web import auth

    loads: Counter = Counter()
    load_asker = auth.load_asker

    def counted(*args, **kwargs):
        loads[(id(request._get_current_object()), request.method, request.path)] += 1
        return load_asker(*args, **kwargs)

    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    monkeypatch.setattr(auth, "load_asker", counted)
    saved = maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(),
                       f"/manager/team/{learner_id}/conversation?template=check-in")
    assert saved.status_code == 200 and "The conversation is recorded." in saved.text
    assert ("POST", f"/manager/team/{learner_id}/conversation") in {(m, p) for _, m, p in loads}
    assert set(loads.values()) == {1}  # the form, the POST and the page after it: once each
