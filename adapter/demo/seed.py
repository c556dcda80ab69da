"""Seeded coaching records for ``coachbridge demo``: something to look at on first start.

The demo LMS's people, course and links are written as their launches would write them,
then the records go through the service layer (so they have audit rows and events, like
any other). Idempotent: a platform that already has records is left alone.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

from sqlalchemy import Engine, exists, select

from adapter.demo.lms import COURSE, COURSES, PLAIN_COURSE, RESOURCE_LINKS, ROLE_MENTOR, DemoLMS, course_of
from adapter.domain.commands import AgreeAction, HoldConversation, WriteReflection
from adapter.domain.roles import RoleMap
from adapter.mapping_files import load_templates
from adapter.persistence import people_store
from adapter.persistence.coaching_tables import reflections
from adapter.services import coaching, relationships


def seed_demo_records(engine: Engine, platform_id: int, lms: DemoLMS, role_map: RoleMap) -> bool:
    """Write the demo's records once; True when they were written now."""
    now = time.time()
    with engine.begin() as conn:
        if conn.execute(select(exists().where(reflections.c.platform_id == platform_id))).scalar():
            return False
        course_pks = {course_id: people_store.save_context(conn, platform_id, lms.deployment_id, course)
                      for course_id, course in COURSES.items()}
        context_pk = course_pks[COURSE["id"]]
        ids = {}
        for person in lms.people.values():
            ids[person.user_id] = people_store.save_person(
                conn, platform_id, person.user_id, {"name": person.name, "email": person.email}, now)
            people_store.save_membership(conn, course_pks[person.course], ids[person.user_id],
                                         role_map.app_roles(person.roles), list(person.roles), now)
            if ROLE_MENTOR in person.roles:
                people_store.sync_mentor_claim(conn, platform_id, ids[person.user_id], person.mentees, now)
        links = {link_id: people_store.save_resource_link(conn, platform_id, lms.deployment_id, link,
                                                          course_pks[course_of(link)["id"]], link["custom"])
                 for link_id, link in RESOURCE_LINKS.items()}
    # The course without a Mentor role: Omar manages Carla from the HR import, and Dev has
    # named him as his manager (Omar is asked to confirm on his next launch).
    relationships.import_relationships(engine, None, platform_id, "learner_email,manager_email\n"
                                       "carla@example.org,omar@example.org\n", now)
    with engine.connect() as conn:
        dev = coaching.load_viewer(conn, ids["learner-dev"], platform_id, ["learner"], course_pks[PLAIN_COURSE])
    relationships.nominate_manager(engine, dev, "omar@example.org", now)

    def as_person(user_id: str):
        with engine.connect() as conn:
            roles = role_map.app_roles(lms.people[user_id].roles)
            return coaching.load_viewer(conn, ids[user_id], platform_id, roles, context_pk)

    ana, ben, maria = as_person("learner-ana"), as_person("learner-ben"), as_person("manager-maria")
    today = date.fromtimestamp(now)
    coaching.submit_reflection(engine, ana, links["rl-feedback"], WriteReflection(
        learned="Feedback lands when it names the situation, the behaviour and its impact.",
        applying="I will use it in Friday's review with the two new analysts.",
        support_needed="Ten minutes with Maria before the review.", confidence="3"), now)
    coaching.submit_reflection(engine, ben, links["rl-delegation"], WriteReflection(
        learned="Delegating the outcome, not the steps.", applying="Hand over the monthly report.", confidence="4"),
        now)
    coaching.hold_conversation(engine, maria, load_templates().get("check-in"), HoldConversation(
        ids["learner-ana"], held_on=(today - timedelta(days=3)).isoformat(),
        next_on=(today + timedelta(days=11)).isoformat(),
        answers={"progress": "Gave specific feedback to one analyst.",
                 "learned": "Asking first made it a conversation.",
                 "next_focus": "Feedback to a peer, not only to juniors."},
        shared_notes="Good start; try it with a peer next.", private_notes="Ana seems tired this month.",
        new_actions=(AgreeAction("Ask a peer for feedback on the Q3 deck", "learner",
                                 (today + timedelta(days=7)).isoformat()),
                     AgreeAction("Book the feedback skills refresher", "manager")),
        resource_link_pk=links["rl-feedback"]), now)
    coaching.ask_for_validation(engine, ana, links["rl-feedback"],
                                "I gave SBI feedback to Joe after the client call; he changed how he opens calls.",
                                now)
    return True
