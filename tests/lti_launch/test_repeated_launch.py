"""A repeated launch (same person, course, link, membership) writes only its session and
its login's consumption; whatever the platform changed is still written."""
from __future__ import annotations

import time

from sqlalchemy import delete, select, update

from adapter.persistence.locale_store import save_platform_default
from adapter.persistence.locale_tables import locale_choices
from adapter.persistence.people_store import LAST_LAUNCH_LAG
from adapter.persistence.tables import contexts, memberships, people
from adapter.services.languages import choose_language
from lti import claims as c
from tests.lti_launch.test_launch_success import launch_with, person, roles
from tests.lti_launch.statement_trace import traced
from tests.peers.lti_platform import demo_platform_id, post_launch, start_login

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
    launch_with(peers, lambda claims: None, CARLA)
    login = start_login(peers, CARLA, "rl-feedback")
    token = peers.lms.sign(peers.lms.launch_claims(CARLA, "rl-feedback", login.nonce))
    with traced(peers.engine) as statements:
        assert post_launch(peers, login, token).status_code == 200
    writes = [s.split("(")[0].split(" SET ")[0] for s in statements
              if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT INTO web_sessions ", "INSERT INTO used_logins "], statements


# A repeated launch by a learner with no records yet, both requests: SQLite's statements
# (BEGIN and COMMIT included) and PostgreSQL's round trips. The login: none (its state
# carries it, lti/login_state.py). The launch POST: what is known of course, link, activity
# address, person, membership, saved language and whether they have a team or nominations
# waiting (launch_reads.py); the session's INSERT and the login's consumption (an INSERT) in
# one transaction; the landing page's reads (the learner's records), with no transaction on
# PostgreSQL. More statements here are a cost on every launch: make sure they are needed
# before raising these.
STATEMENTS = {"sqlite": (0, 6), "postgresql": (0, 6)}


def test_a_repeated_launch_runs_a_known_number_of_statements(peers):
    launch_with(peers, lambda claims: None, CARLA)
    with traced(peers.engine) as at_login:
        login = start_login(peers, CARLA, "rl-feedback")
    token = peers.lms.sign(peers.lms.launch_claims(CARLA, "rl-feedback", login.nonce))
    with traced(peers.engine) as at_launch:
        assert post_launch(peers, login, token).status_code == 200
    assert (len(at_login), len(at_launch)) == STATEMENTS[peers.engine.dialect.name], (at_login, at_launch)


def test_the_landing_page_speaks_the_saved_language_read_with_the_launch(peers):
    """The person's choice, else their platform's default (the launch sends no locale and
    the client no Accept-Language), read in the launch's one read (launch_reads.py)."""
    dev = "learner-dev"
    launch_with(peers, lambda claims: None, dev, "rl-feedback")
    platform_id = demo_platform_id(peers)
    try:
        with peers.engine.begin() as conn:
            save_platform_default(conn, platform_id, "de", time.time())
        assert '<html lang="de"' in launch_with(peers, lambda claims: None, dev, "rl-feedback")[2].text
        choose_language(peers.engine, person(peers, dev)["id"], "fr", None, time.time())
        assert '<html lang="fr"' in launch_with(peers, lambda claims: None, dev, "rl-feedback")[2].text
    finally:  # the other tests share the peers' platform and its default
        with peers.engine.begin() as conn:
            save_platform_default(conn, platform_id, None, time.time())
            conn.execute(delete(locale_choices).where(locale_choices.c.person_id == person(peers, dev)["id"]))
