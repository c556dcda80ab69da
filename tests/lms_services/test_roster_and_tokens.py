"""NRPS roster sync and service tokens against the demo LMS's real token, AGS and NRPS
endpoints (its token endpoint verifies our client assertion against our JWKS)."""
from __future__ import annotations

import multiprocessing
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from adapter.persistence.tables import contexts, memberships, people
from adapter.services.lms_services import LmsAccess, NoServiceAccess, contexts_with_roster, sync_roster
from lti import claims as c
from lti.ags import AgsClient, AgsEndpoint, LineItem, validated_score
from tests.lms_services.token_workers import post_scores
from tests.peers.lti_platform import demo_platform_id, full_launch


@pytest.fixture
def access(peers):
    parts = peers.app.extensions["coachbridge"]
    return LmsAccess(parts.engine, parts.tool_keys, allow_private_addresses=True)


def course_pk(peers) -> int:
    full_launch(peers, "instructor-ivan")
    with peers.engine.connect() as conn:
        return conn.execute(select(contexts.c.id).where(contexts.c.context_id == peers.lms.course_id,
                                                        contexts.c.platform_id == demo_platform_id(peers))
                            ).scalar_one()


def roster_statuses(peers, context_pk):
    with peers.engine.connect() as conn:
        rows = conn.execute(select(people.c.sub, memberships.c.status, memberships.c.app_roles)
                            .join(memberships, memberships.c.person_id == people.c.id)
                            .where(memberships.c.context_pk == context_pk)).all()
    return {row.sub: (row.status, row.app_roles) for row in rows}


def test_launch_stores_the_service_endpoints(peers):
    pk = course_pk(peers)
    with peers.engine.connect() as conn:
        row = conn.execute(select(contexts).where(contexts.c.id == pk)).mappings().one()
    assert row["lineitems_url"] == peers.lms_url + "/ags/lineitems"
    assert row["memberships_url"] == peers.lms_url + "/nrps/memberships"
    assert pk in contexts_with_roster(peers.engine)


def test_roster_sync_pages_through_and_then_reads_differences(peers, access):
    pk = course_pk(peers)
    with peers.engine.begin() as conn:  # start from a clean slate for this course
        conn.execute(update(contexts).where(contexts.c.id == pk).values(roster_differences_url=""))
    before = peers.lms.services.token_requests
    first = sync_roster(access, peers.app.extensions["coachbridge"].role_map, pk, time.time())
    assert not first.used_differences and first.active == len(peers.lms.people)
    statuses = roster_statuses(peers, pk)
    assert statuses["learner-ben"] == ("Active", ["learner"])
    assert statuses["manager-maria"] == ("Active", ["manager"])
    assert statuses["admin-ada"] == ("Active", ["admin"])
    with peers.engine.connect() as conn:  # names come with the roster, before anyone launched
        ben = conn.execute(select(people).where(people.c.sub == "learner-ben",
                                                people.c.platform_id == demo_platform_id(peers))).mappings().one()
    assert ben["name"] == "Ben Learner" and ben["email"] == "ben@example.org"

    peers.lms.services.departed.add("learner-ben")
    try:
        second = sync_roster(access, peers.app.extensions["coachbridge"].role_map, pk, time.time())
    finally:
        peers.lms.services.departed.discard("learner-ben")
    assert second.used_differences and second.departed == 1
    assert roster_statuses(peers, pk)["learner-ben"][0] == "Deleted"
    # One token for the NRPS scope across both syncs and their pages.
    assert peers.lms.services.token_requests - before <= 1


def test_roster_sync_needs_the_nrps_claim(peers, access):
    with peers.engine.begin() as conn:
        pk = conn.execute(contexts.insert().values(platform_id=demo_platform_id(peers), deployment_id="x",
                                                   context_id=f"no-nrps-{time.time()}")).inserted_primary_key[0]
    with pytest.raises(NoServiceAccess):
        sync_roster(access, peers.app.extensions["coachbridge"].role_map, pk, time.time())


def test_token_requests_shared_by_processes(peers, access, tmp_path):
    """1,000 score posts from 4 processes: one token request for the score scope set."""
    pk = course_pk(peers)
    platform_id = demo_platform_id(peers)
    endpoint = AgsEndpoint(scopes=frozenset({c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_SCORE}),
                           lineitems=peers.lms_url + "/ags/lineitems")
    item = AgsClient(access.token_client(platform_id), endpoint).create_line_item(
        LineItem(label="Token sharing", score_maximum=1, resource_link_id=f"tokens-{pk}", tag="coachbridge"))
    # Forget cached tokens, so the four processes race for the first one.
    from adapter.persistence.tables import service_tokens
    with peers.engine.begin() as conn:
        conn.execute(service_tokens.delete())
    before_tokens, before_scores = peers.lms.services.token_requests, len(peers.lms.services.scores)
    url = peers.engine.url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        posted = pool.starmap(post_scores, [(url, platform_id, endpoint.lineitems, item.id, w, 250) for w in range(4)])
    assert sum(posted) == 1000
    assert len(peers.lms.services.scores) - before_scores == 1000
    assert peers.lms.services.token_requests - before_tokens == 1


def test_score_timestamps_must_increase(peers, access):
    platform_id = demo_platform_id(peers)
    endpoint = AgsEndpoint(scopes=frozenset({c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_SCORE}),
                           lineitems=peers.lms_url + "/ags/lineitems")
    client = AgsClient(access.token_client(platform_id), endpoint)
    item = client.create_line_item(LineItem(label="Order", score_maximum=2, resource_link_id="order", tag="t"))
    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    client.post_score(validated_score("learner-ana", at, 2, 2, "ok"), lineitem_url=item.id)
    from lti.service_token import PlatformServiceError
    with pytest.raises(PlatformServiceError) as refused:
        client.post_score(validated_score("learner-ana", at, 2, 2, "again"), lineitem_url=item.id)
    assert refused.value.status == 409 and not refused.value.retryable


def test_roster_sync_command(peers, monkeypatch, capsys):
    from adapter.cli import main

    pk = course_pk(peers)
    monkeypatch.setenv("DATABASE_URL", peers.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES", "1")  # the peer LMS is on loopback
    with peers.engine.begin() as conn:  # a first sync reads the whole roster
        conn.execute(update(contexts).where(contexts.c.id == pk).values(roster_differences_url=""))
    assert main(["roster", "sync", "--context", str(pk)]) == 0
    assert f"course {pk}: {len(peers.lms.people)} active, 0 left (full roster)" in capsys.readouterr().out
    assert main(["roster", "sync", "--context", str(pk)]) == 0
    assert "(changes since last sync)" in capsys.readouterr().out


def test_tool_key_rotation_keeps_service_calls_working(peers, access):
    """The LMS cached the tool's key set; after a rotation it refetches it for the new kid."""
    from adapter.persistence.tables import service_tokens

    platform_id = demo_platform_id(peers)
    endpoint = AgsEndpoint(scopes=frozenset({c.AGS_SCOPE_LINEITEM}), lineitems=peers.lms_url + "/ags/lineitems")
    AgsClient(access.token_client(platform_id), endpoint).list_line_items()
    access.tool_keys.rotate()
    with peers.engine.begin() as conn:
        conn.execute(service_tokens.delete())
    AgsClient(access.token_client(platform_id), endpoint).list_line_items()  # a new assertion, new kid


def test_a_fresh_tool_publishes_a_key_before_any_signature(tmp_path):
    from adapter.config import Settings
    from adapter.web import create_app

    keys = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)})).test_client().get("/lti/jwks")
    assert len(keys.get_json()["keys"]) == 1


def test_roster_sync_records_mentors_like_a_launch_would(peers, access):
    """A Mentor member with role_scope_mentor in the roster: their mentees are known before
    anyone launches (source mentor_claim); a mentee the next roster drops becomes a former one."""
    from adapter.demo.lms import ROLE_LEARNER, ROLE_MENTOR, DemoPerson
    from adapter.persistence.tables import manager_links

    pk = course_pk(peers)
    stamp = str(time.time_ns())
    mentor, kept, dropped = f"roster-mentor-{stamp}", f"roster-kept-{stamp}", f"roster-dropped-{stamp}"
    peers.lms.people[kept] = DemoPerson(kept, "Kept Mentee", f"{kept}@example.org", [ROLE_LEARNER])
    peers.lms.people[dropped] = DemoPerson(dropped, "Dropped Mentee", f"{dropped}@example.org", [ROLE_LEARNER])
    peers.lms.people[mentor] = DemoPerson(mentor, "Roster Mentor", f"{mentor}@example.org", [ROLE_MENTOR],
                                          mentees=[kept, dropped])

    def current_mentees() -> set[str]:
        learner = people.alias()
        with peers.engine.connect() as conn:
            return set(conn.execute(
                select(learner.c.sub).join(manager_links, manager_links.c.learner_id == learner.c.id)
                .join(people, people.c.id == manager_links.c.manager_id)
                .where(people.c.sub == mentor, people.c.platform_id == demo_platform_id(peers),
                       manager_links.c.source == "mentor_claim",
                       manager_links.c.ended_at.is_(None))).scalars())

    role_map = peers.app.extensions["coachbridge"].role_map
    try:
        with peers.engine.begin() as conn:
            conn.execute(update(contexts).where(contexts.c.id == pk).values(roster_differences_url=""))
        sync_roster(access, role_map, pk, time.time())
        assert current_mentees() == {kept, dropped}
        peers.lms.people[mentor].mentees = [kept]
        with peers.engine.begin() as conn:  # a full read again, so the mentor is in it
            conn.execute(update(contexts).where(contexts.c.id == pk).values(roster_differences_url=""))
        sync_roster(access, role_map, pk, time.time())
        assert current_mentees() == {kept}
    finally:
        for user_id in (mentor, kept, dropped):
            del peers.lms.people[user_id]
