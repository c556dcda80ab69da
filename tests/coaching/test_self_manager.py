"""Nobody is their own manager, whichever source a manager link comes from (the mentor
claim of a launch or a roster, an admin import, a nomination; SCIM's provisioning tests
cover its own), so nobody validates their own application."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import insert, select, update

from adapter.demo.lms import ROLE_MENTOR, DemoPerson
from adapter.domain.authorization import Viewer
from adapter.domain.relationships import ManagerLink, links_from_claim
from adapter.domain.rules import RuleViolation
from adapter.persistence.coaching_tables import validation_requests
from adapter.persistence.tables import contexts, manager_links, people
from adapter.services.lms_services import LmsAccess, sync_roster
from adapter.services.relationships import import_relationships
from tests.peers.lti_platform import demo_platform_id, full_launch


def person_id(peers, sub: str) -> int:
    with peers.engine.connect() as conn:
        return conn.execute(select(people.c.id).where(people.c.sub == sub,
                                                      people.c.platform_id == demo_platform_id(peers))).scalar_one()


def links_of(peers, person: int) -> set[tuple[int, int, str]]:
    """Current links where ``person`` is either side: (learner, manager, source)."""
    with peers.engine.connect() as conn:
        rows = conn.execute(select(manager_links.c.learner_id, manager_links.c.manager_id, manager_links.c.source)
                            .where(manager_links.c.ended_at.is_(None),
                                   (manager_links.c.learner_id == person) | (manager_links.c.manager_id == person)))
        return {tuple(row) for row in rows}


def test_the_domain_refuses_a_link_to_oneself():
    with pytest.raises(RuleViolation, match="cannot be their own manager"):
        ManagerLink(7, 7)
    assert links_from_claim(7, [7, 8]) == {ManagerLink(8, 7)}
    assert not Viewer(person_id=7, platform_id=1, roles=frozenset(), mentee_ids=frozenset({7})).manages(7)


def test_import_naming_one_person_by_user_id_and_by_email_is_refused(peers, team, launch):
    launch(team.learner)
    learner_id = person_id(peers, team.learner)
    with peers.engine.connect() as conn:
        platform_id = conn.execute(select(people.c.platform_id).where(people.c.id == learner_id)).scalar_one()
    result = import_relationships(peers.engine, None, platform_id,
                                  "learner_user_id,manager_email\n"
                                  f"{team.learner},{team.learner.upper()}@EXAMPLE.org\n", time.time())
    assert not result.written
    assert [str(p) for p in result.problems] == ["line 2: a person cannot be their own manager"]
    assert links_of(peers, learner_id) == set()


def test_a_nomination_of_oneself_is_refused(peers, team, launch):
    learner = launch(team.learner)
    refused = learner.post("/learner/nomination", {"manager_email": f"{team.learner}@example.org"}, "/learner/")
    assert refused.status_code == 400 and "cannot be their own manager" in refused.text


def test_a_mentor_claim_naming_the_mentor_does_not_make_them_their_own_manager(peers, launch):
    mentor = "mentor-of-self"
    peers.lms.people[mentor] = DemoPerson(mentor, "Mo Self", "mo@example.org", [ROLE_MENTOR],
                                          mentees=[mentor, "mentee-of-mo"])
    launch(mentor)
    me, mentee = person_id(peers, mentor), person_id(peers, "mentee-of-mo")
    assert links_of(peers, me) == {(mentee, me, "mentor_claim")}


def test_a_self_link_recorded_before_the_rule_does_not_let_anyone_validate_their_own_work(peers, team, launch):
    learner = launch(team.learner)
    learner.post("/learner/validation", {"evidence": "I did it, trust me"}, "/learner/")
    me = person_id(peers, team.learner)
    with peers.engine.begin() as conn:  # as an import before this rule could have left it
        conn.execute(insert(manager_links).values(learner_id=me, manager_id=me, source="import",
                                                  created_at=time.time()))
    assert learner.get(f"/manager/team/{me}").status_code == 404
    page = learner.get("/learner/").text
    assert not re.search(r"/manager/validations/\d+", page)
    with peers.engine.connect() as conn:
        request_id = conn.execute(select(validation_requests.c.id)
                                  .where(validation_requests.c.learner_id == me)).scalar_one()
    decided = learner.post(f"/manager/validations/{request_id}", {"outcome": "validated", "feedback": "Great"},
                           "/learner/")
    assert decided.status_code in (403, 404)


def test_a_roster_naming_a_mentor_as_their_own_mentee_does_not_link_them_to_themselves(peers):
    mentor = "roster-mentor-of-self"
    peers.lms.people[mentor] = DemoPerson(mentor, "Ro Self", "ro@example.org", [ROLE_MENTOR],
                                          mentees=[mentor, "roster-mentee-of-ro"])
    try:
        full_launch(peers, "instructor-ivan")  # the course's launch carries its roster (NRPS) service
        parts = peers.app.extensions["coachbridge"]
        with peers.engine.begin() as conn:  # a full read, so every member is in it
            context_pk = conn.execute(select(contexts.c.id).where(contexts.c.context_id == peers.lms.course_id,
                                                                  contexts.c.platform_id == demo_platform_id(peers),
                                                                  contexts.c.memberships_url != "")).scalar_one()
            conn.execute(update(contexts).where(contexts.c.id == context_pk).values(roster_differences_url=""))
        access = LmsAccess(parts.engine, parts.tool_keys, allow_private_addresses=True)  # the peer is on loopback
        sync_roster(access, parts.role_map, context_pk, time.time())
        me, mentee = person_id(peers, mentor), person_id(peers, "roster-mentee-of-ro")
        assert links_of(peers, me) == {(mentee, me, "mentor_claim")}
    finally:
        del peers.lms.people[mentor]
