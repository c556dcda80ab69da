"""The relationships admin page: current pairs with source and since-date, a person filter,
removal (audited, the learner's records stay), CSV export, the precedence shown; and the
provisioning page's tokens (made once, revoked)."""
from __future__ import annotations

import csv
import io
import re
import time

import requests
from sqlalchemy import select

from adapter.persistence.coaching_tables import audit_events, reflections
from adapter.persistence.tables import manager_links, people
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.services.relationships import import_relationships

from .conftest import reflection_form
from .test_relationships import platform_of


def test_admin_sees_filters_exports_and_removes_a_pair(peers, team, launch):
    learner = launch(team.learner)
    learner.post("/learner/reflection", reflection_form(), "/learner/")
    launch(team.other_learner)
    platform_id = platform_of(peers, team.learner)
    assert import_relationships(peers.engine, None, platform_id, f"learner_user_id,manager_user_id\n"
                                f"{team.learner},{team.manager}\n", time.time()).written
    launch(team.manager)  # the Mentor claim names the same pair (and the other learner)
    admin = launch("admin-ada")

    page = admin.get(f"/admin/relationships/pairs?platform_id={platform_id}&person={team.learner}")
    assert page.status_code == 200
    row = re.search(r"<tr><th scope=\"row\">Learner [^<]*</th>.*?</tr>", page.text, re.S).group(0)
    assert f"Manager {team.manager.split('-')[1]}" in row and "mentor_claim, import" in row  # strongest first
    assert team.other_learner not in page.text  # filtered by person
    assert "not launched yet" not in row  # both have launched
    assert "Where pairs come from, strongest first" in page.text and "provisioning" in page.text

    export = admin.get(f"/admin/relationships/pairs.csv?platform_id={platform_id}&person={team.learner}")
    [exported] = list(csv.DictReader(io.StringIO(export.text)))
    assert exported["learner_email"] == f"{team.learner}@example.org" and exported["source"] == "mentor_claim"

    ids = dict(re.findall(r'name="(learner_id|manager_id)" value="(\d+)"', row))
    removed = admin.post("/admin/relationships/pairs/removal",
                         {"platform_id": str(platform_id), **ids}, "/admin/relationships/pairs")
    assert removed.status_code == 200 and "The pair is removed" in removed.text
    with peers.engine.connect() as conn:
        ended = conn.execute(select(manager_links.c.ended_at).where(
            manager_links.c.learner_id == int(ids["learner_id"]),
            manager_links.c.manager_id == int(ids["manager_id"]))).scalars().all()
        logged = conn.execute(select(audit_events.c.detail).where(
            audit_events.c.action == "relationship.removed", audit_events.c.record_id == int(ids["learner_id"]))
        ).scalar_one()
        kept = conn.execute(select(reflections.c.id).join(people, people.c.id == reflections.c.learner_id)
                            .where(people.c.sub == team.learner)).scalars().all()
    assert len(ended) == 2 and None not in ended  # both sources, kept as history
    assert sorted(logged["sources"]) == ["import", "mentor_claim"] and kept

    again = admin.post("/admin/relationships/pairs/removal", {"platform_id": str(platform_id), **ids},
                       "/admin/relationships/pairs")
    assert again.status_code == 404

    # Removed by mistake: the Undo on the page the admin landed on brings it back, from both sources.
    assert "You can undo this for 10 minutes." in removed.text
    assert 'action="/admin/relationships/pairs/restoration"' in removed.text
    other_admin = launch("admin-ada")  # the admin who removed it, in another session too (it is who, not where)
    back = other_admin.post("/admin/relationships/pairs/restoration", {"platform_id": str(platform_id), **ids},
                            "/admin/relationships/pairs")
    assert back.status_code == 200 and "the pair is back, from every source it had" in back.text
    with peers.engine.connect() as conn:
        live = conn.execute(select(manager_links.c.source).where(
            manager_links.c.learner_id == int(ids["learner_id"]), manager_links.c.manager_id == int(ids["manager_id"]),
            manager_links.c.ended_at.is_(None))).scalars().all()
    assert sorted(live) == ["import", "mentor_claim"]
    assert admin.post("/admin/relationships/pairs/restoration", {"platform_id": str(platform_id), **ids},
                      "/admin/relationships/pairs").status_code == 404  # nothing removed any more


def test_a_non_admin_cannot_open_or_change_the_pairs(peers, team, launch):
    manager = launch(team.manager)
    assert manager.get("/admin/relationships/pairs").status_code == 403
    response = manager.client.post(peers.tool_url + "/admin/relationships/pairs/removal",
                                   data={"learner_id": "1", "manager_id": "2", "csrf_token": manager.csrf("/manager/")})
    assert response.status_code == 403


def test_admin_makes_and_revokes_a_scim_token_on_the_page(peers, launch):
    admin = launch("admin-ada")
    platform_id = platform_of(peers, "admin-ada")
    made = admin.post("/admin/provisioning", {"platform_id": str(platform_id)}, "/admin/provisioning")
    token = re.search(r"<p><code>([^<]+)</code></p>", made.text).group(1)
    users = f"{peers.tool_url}/scim/v2/Users?count=1"
    assert requests.get(users, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.findall(r'name="revoke" value="(\d+)"', made.text)[-1]
    revoked = admin.post("/admin/provisioning", {"platform_id": str(platform_id), "revoke": token_id},
                         "/admin/provisioning")
    assert revoked.status_code == 200 and token not in revoked.text
    assert requests.get(users, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_platform_admin_sees_and_changes_only_their_own_platform(peers, launch):
    other = register_platform(peers.engine, PlatformSpec(
        issuer="https://other-lms.example.org", client_id=f"other-{time.time_ns()}",
        auth_login_url="https://other-lms.example.org/auth", key_set_url="https://other-lms.example.org/jwks",
        deployment_ids=("1",)))
    admin = launch("admin-ada")  # the demo LMS's Administrator: a platform admin of that LMS only
    assert admin.get(f"/admin/relationships/pairs?platform_id={other}").status_code == 400
    assert admin.get(f"/admin/relationships/pairs.csv?platform_id={other}").status_code == 400
    page = admin.get("/admin/provisioning")
    assert "other-lms.example.org" not in page.text
    made = admin.client.post(peers.tool_url + "/admin/provisioning", data={
        "platform_id": str(other), "csrf_token": admin.csrf("/admin/provisioning")})
    assert made.status_code == 400
