"""A repeated launch (same person, course, link, membership) writes only its session and
its login's consumption; whatever the platform changed is still written."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import event, select, update

from adapter.persistence.people_store import LAST_LAUNCH_LAG
from adapter.persistence.tables import contexts, memberships, people
from lti import claims as c
from tests.lti_launch.test_launch_success import launch_with, person, roles
from tests.peers.lti_platform import post_launch, start_login

CARLA = "learner-carla"


def membership_of(peers, person_id):
    with peers.engine.connect() as conn:
        return conn.execute(select(memberships).where(memberships.c.person_id == person_id)).mappings().one()


def age(peers, person_id, seconds):
    """Move Carla's last launch and her membership's last change ``seconds`` into the past."""
    with peers.engine.begin() as conn:
        conn.execute(update(people).where(people.c.id == person_id).values(last_launch_at=time.time() - seconds))
        conn.execute(update(memberships).where(memberships.c.person_id == person_id)
                     .values(updated_at=time.time() - seconds))


def test_a_repeated_launch_leaves_the_person_and_membership_rows_alone(peers):
    assert launch_with(peers, lambda claims: None, CARLA)[2].status_code == 200
    carla = person(peers, CARLA)
    age(peers, carla["id"], 60)
    before, membership = person(peers, CARLA), membership_of(peers, carla["id"])
    assert launch_with(peers, lambda claims: None, CARLA)[2].status_code == 200
    assert person(peers, CARLA) == before
    assert membership_of(peers, carla["id"]) == membership


def test_a_repeated_launch_an_hour_later_records_the_launch(peers):
    launch_with(peers, lambda claims: None, CARLA)
    carla = person(peers, CARLA)
    age(peers, carla["id"], LAST_LAUNCH_LAG + 60)
    stale = person(peers, CARLA)["last_launch_at"]
    launch_with(peers, lambda claims: None, CARLA)
    assert person(peers, CARLA)["last_launch_at"] > stale + LAST_LAUNCH_LAG


def test_a_changed_name_role_or_course_title_is_still_written(peers):
    launch_with(peers, lambda claims: None, CARLA)
    carla_id = person(peers, CARLA)["id"]
    age(peers, carla_id, 60)

    def changed(claims):
        claims["name"] = "Carla Renamed"
        claims[c.CONTEXT] = {**claims[c.CONTEXT], "title": "Hybrid teams, second run"}
        roles("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor")(claims)
    try:
        assert launch_with(peers, changed, CARLA)[2].status_code == 200
        assert person(peers, CARLA)["name"] == "Carla Renamed"
        assert membership_of(peers, carla_id)["app_roles"] == ["instructor"]
        with peers.engine.connect() as conn:
            title = conn.execute(select(contexts.c.title).where(
                contexts.c.id == membership_of(peers, carla_id)["context_pk"])).scalar_one()
        assert title == "Hybrid teams, second run"
    finally:  # the other tests share the peers: Carla's launch as the LMS sends it restores her
        launch_with(peers, lambda claims: None, CARLA)
    assert person(peers, CARLA)["name"] == "Carla Learner"
    assert membership_of(peers, carla_id)["app_roles"] == ["learner"]


def test_a_repeated_launch_writes_only_its_session_and_its_login(peers):
    if peers.engine.dialect.name != "sqlite":
        pytest.skip("the statements are traced with sqlite3's trace callback")
    launch_with(peers, lambda claims: None, CARLA)
    login = start_login(peers, CARLA, "rl-feedback")
    token = peers.lms.sign(peers.lms.launch_claims(CARLA, "rl-feedback", login.nonce))
    statements: list[str] = []

    def trace(dbapi_connection, record, proxy):
        dbapi_connection.set_trace_callback(statements.append)

    def untrace(dbapi_connection, record):
        dbapi_connection.set_trace_callback(None)
    event.listen(peers.engine, "checkout", trace)
    event.listen(peers.engine, "checkin", untrace)
    try:
        assert post_launch(peers, login, token).status_code == 200
    finally:
        event.remove(peers.engine, "checkout", trace)
        event.remove(peers.engine, "checkin", untrace)
    writes = [s.split("(")[0].split(" SET ")[0] for s in statements
              if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT INTO web_sessions ", "UPDATE pending_logins"], statements
