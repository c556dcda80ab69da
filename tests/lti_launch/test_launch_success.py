"""Successful launches from the real lti1p3platform peer, for every role and the
certification-style "must accept" variants."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from adapter.persistence.tables import key_set_cache, manager_links, memberships, people, used_logins
from lti import claims as c
from lti.login_state import nonce_login_id
from tests.peers.lti_platform import browser, demo_platform_id, full_launch, launch_session, post_launch, start_login


def person(peers, sub):
    with peers.engine.connect() as conn:
        return conn.execute(select(people).where(people.c.sub == sub, people.c.platform_id == demo_platform_id(peers))
                            ).mappings().first()


@pytest.mark.parametrize("user_id, landing, heading", [
    ("learner-ana", "/learner/", "Giving feedback: apply it at work"),
    ("manager-maria", "/manager/", "Your team"),
    ("instructor-ivan", "/instructor/", "Coaching for application"),
    ("admin-ada", "/admin/", "Administration"),  # outcomes first, registrations under Settings
])
def test_each_role_lands_on_its_page_and_is_stored(peers, user_id, landing, heading):
    client = browser()
    page = full_launch(peers, user_id, client=client)
    # The answer to the id_token POST is the landing page itself: no redirect.
    assert page.status_code == 200 and not page.history
    assert page.url == peers.tool_url + "/lti/launch"
    assert f"<h1>{heading}</h1>" in page.text
    stored = person(peers, user_id)
    expected = peers.lms.people[user_id]
    assert (stored["name"], stored["email"]) == (expected.name, expected.email)
    assert stored["last_launch_at"] is not None
    session = launch_session(peers, page)
    assert (session["person_id"], session["app_role"]) == (stored["id"], landing.strip("/"))
    assert f'name="csrf_token" value="{session["csrf_token"]}"' in page.text or "<form" not in page.text
    # The page's links work with the session cookie set on that response.
    assert f'href="{landing}"' in page.text
    again = client.get(peers.tool_url + landing)
    assert again.status_code == 200 and f"<h1>{heading}</h1>" in again.text


def test_manager_sees_mentees_from_role_scope_mentor(peers):
    page = full_launch(peers, "manager-maria")
    with peers.engine.connect() as conn:
        manager_id = person(peers, "manager-maria")["id"]
        links = conn.execute(select(manager_links.c.learner_id, manager_links.c.source, manager_links.c.ended_at)
                             .where(manager_links.c.manager_id == manager_id)).all()
    mentee_ids = {person(peers, "learner-ana")["id"], person(peers, "learner-ben")["id"]}
    assert {row.learner_id for row in links} == mentee_ids
    assert {row.source for row in links} == {"mentor_claim"}
    assert all(row.ended_at is None for row in links)
    assert "your LMS lists you as their mentor" in page.text and "mentor_claim" not in page.text


def test_mentee_dropped_from_claim_becomes_former_mentee(peers):
    full_launch(peers, "manager-maria")
    login = start_login(peers, "manager-maria")
    claims = peers.lms.launch_claims("manager-maria", "rl-feedback", login.nonce)
    claims[c.ROLE_SCOPE_MENTOR] = ["learner-ana"]
    team = post_launch(peers, login, peers.lms.sign(claims))
    assert team.status_code == 200 and "<h1>Your team</h1>" in team.text
    assert "Ana Learner" in team.text and "Ben Learner" not in team.text
    with peers.engine.connect() as conn:
        ben = person(peers, "learner-ben")["id"]
        ended = conn.execute(select(manager_links.c.ended_at).where(manager_links.c.learner_id == ben)).scalar()
    assert ended is not None


def test_the_launch_answers_with_the_page_and_consumes_its_login(peers):
    """No redirect after the POST: the page is the answer, its login is consumed, the same
    page by GET needs only the session, and re-posting the used id_token (a reload) is
    refused with "launch again"."""
    login = start_login(peers, "learner-ben")
    token = peers.lms.sign(peers.lms.launch_claims("learner-ben", "rl-feedback", login.nonce))
    page = post_launch(peers, login, token)
    assert page.status_code == 200 and "<h1>Giving feedback: apply it at work</h1>" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert launch_session(peers, page)["resource_link_pk"] is not None
    with peers.engine.connect() as conn:
        consumed = conn.execute(select(used_logins.c.login_id).where(
            used_logins.c.login_id == nonce_login_id(login.nonce))).scalar()
    assert consumed is not None
    landing = login.client.get(peers.tool_url + "/learner/")
    assert landing.status_code == 200 and "Giving feedback" in landing.text
    reloaded = post_launch(peers, login, token)
    assert reloaded.status_code == 400 and "launch again from your course" in reloaded.text


def launch_with(peers, mutate, user_id="learner-ana", link_id="rl-feedback"):
    login = start_login(peers, user_id, link_id)
    claims = peers.lms.launch_claims(user_id, link_id, login.nonce)
    mutate(claims)
    response = post_launch(peers, login, peers.lms.sign(claims))
    return login, claims, response


def roles(*values):
    return lambda claims: claims.__setitem__(c.ROLES, list(values))


def drop(*names):
    def mutate(claims):
        for name in names:
            claims.pop(name, None)
    return mutate


def both(*mutations):
    def mutate(claims):
        for m in mutations:
            m(claims)
    return mutate


@pytest.mark.parametrize("case, mutate, landing", [
    ("multiple roles", roles("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                             "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"), "/instructor/"),
    ("short role name", roles("Instructor"), "/instructor/"),
    ("unknown role", roles("http://example.org/roles#Astronaut"), "/learner/"),
    ("empty roles", roles(), "/learner/"),
    ("email only", drop("name", "given_name", "family_name"), "/learner/"),
    ("names only", both(drop("email"), lambda cl: cl.update(given_name="Ana", family_name="L")), "/learner/"),
    ("no personal data", drop("name", "email", "given_name", "family_name"), "/learner/"),
    ("no context", drop(c.CONTEXT), "/learner/"),
    ("resource link only", drop(c.CONTEXT, c.TOOL_PLATFORM, c.LAUNCH_PRESENTATION, "name", "email"), "/learner/"),
])
def test_must_accept(peers, case, mutate, landing):
    login, claims, response = launch_with(peers, mutate)
    assert response.status_code == 200, (case, response.text)
    assert f'href="{landing}"' in response.text
    session = launch_session(peers, response)
    assert session["app_roles"][0] == session["app_role"] == landing.strip("/")
    page = login.client.get(peers.tool_url + landing)
    assert page.status_code == 200


def test_launch_without_personal_data_keeps_known_name(peers):
    full_launch(peers, "learner-ana")
    launch_with(peers, drop("name", "email"))
    assert person(peers, "learner-ana")["name"] == "Ana Learner"


def test_membership_records_lti_and_app_roles(peers):
    full_launch(peers, "instructor-ivan")
    with peers.engine.connect() as conn:
        row = conn.execute(select(memberships).where(memberships.c.person_id == person(peers, "instructor-ivan")["id"])
                           ).mappings().first()
    assert row["app_roles"] == ["instructor"]
    assert row["lti_roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]


def test_platform_key_rotation_needs_no_restart(peers):
    assert full_launch(peers, "learner-ana").status_code == 200
    new_key = peers.lms.rotate_key()
    # The cached key set is still fresh; age its last fetch past the refetch rate limit,
    # as if the rotation happened a minute after the last launch.
    with peers.engine.begin() as conn:
        conn.execute(update(key_set_cache).values(fetched_at=key_set_cache.c.fetched_at - 60))
    page = full_launch(peers, "learner-ana")
    assert page.status_code == 200, page.text
    assert "Giving feedback" in page.text
    assert new_key.kid in {k["kid"] for k in peers.lms.registration.get_jwks()}
