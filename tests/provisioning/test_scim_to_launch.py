"""Provisioned people meet the LMS: a manager the identity provider named (no Mentor role,
never launched before) finds their team after a plain launch; deactivation ends it."""
from __future__ import annotations

import time

import requests

from adapter.demo.lms import ROLE_LEARNER, DemoPerson
from adapter.services.relationships import import_relationships
from adapter.services.scim_tokens import create_token
from tests.coaching.test_navigation import sections
from tests.coaching.test_relationships import platform_of
from tests.peers.lti_platform import browser, full_launch

from .test_scim_refusals import user


def provisioned_pair(peers) -> tuple[requests.Session, str, str, str, str]:
    """A manager and their report, pushed by the identity provider, neither launched yet."""
    full_launch(peers, "learner-ana")
    _, token = create_token(peers.engine, platform_of(peers, "learner-ana"), None, time.time())
    scim = requests.Session()
    scim.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
    stamp = time.time_ns()
    boss, report = f"hr-boss-{stamp}", f"hr-report-{stamp}"
    for user_id, name in ((boss, "Hana Boss"), (report, "Rui Report")):
        peers.lms.people[user_id] = DemoPerson(user_id, name, f"{user_id}@example.org", [ROLE_LEARNER])
    boss_id = scim.post(f"{peers.tool_url}/scim/v2/Users", json=user(boss), timeout=10).json()["id"]
    report_id = scim.post(f"{peers.tool_url}/scim/v2/Users", json=user(report, manager=boss_id), timeout=10
                          ).json()["id"]
    return scim, boss, boss_id, report, report_id


def test_a_provisioned_manager_reaches_their_team_at_first_launch(peers):
    scim, boss, _, report, report_id = provisioned_pair(peers)

    client = browser()
    landed = full_launch(peers, boss, client=client)  # matched by the email the LMS signs
    assert "Your team" in sections(landed.text)
    team = client.get(peers.tool_url + "/manager/")
    assert f"{report}@example.org" in team.text and "HR directory" in team.text

    off = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
           "Operations": [{"op": "replace", "path": "active", "value": False}]}
    assert scim.patch(f"{peers.tool_url}/scim/v2/Users/{report_id}", json=off, timeout=10).status_code == 200
    assert "Your team" not in sections(client.get(peers.tool_url + "/learner/").text)


def test_a_manager_the_lms_already_knew_by_id_keeps_the_provisioned_team(peers):
    """The LMS user id came first (an import by id, like a roster): at launch that row
    takes over the provisioned placeholder, its SCIM user and relationships included."""
    scim, boss, boss_id, report, _ = provisioned_pair(peers)
    platform_id = platform_of(peers, "learner-ana")
    assert import_relationships(peers.engine, None, platform_id,
                                f"learner_user_id,manager_user_id\nlearner-ana,{boss}\n", time.time()).written
    client = browser()
    full_launch(peers, boss, client=client)
    team = client.get(peers.tool_url + "/manager/").text
    assert f"{report}@example.org" in team and "Ana Learner" in team
    assert scim.get(f"{peers.tool_url}/scim/v2/Users/{boss_id}", timeout=10).status_code == 200
