"""Provisioned people meet the LMS: a manager the identity provider named (no Mentor role,
never launched before) finds their team after a plain launch; deactivation ends it."""
from __future__ import annotations

import re
import time

import requests
from sqlalchemy import select

from adapter.demo.lms import ROLE_LEARNER, DemoPerson
from adapter.persistence.tables import manager_links, people
from adapter.services.relationships import import_relationships
from adapter.services.scim_tokens import create_token
from tests.coaching.test_navigation import sections
from tests.coaching.test_relationships import platform_of
from tests.coaching.conftest import Launched
from tests.peers.lti_platform import browser, full_launch

from .test_scim_refusals import ENTERPRISE, user


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


def test_the_hr_system_outranks_an_import_and_an_import_outranks_a_nomination(peers):
    scim, boss, boss_id, report, report_id = provisioned_pair(peers)
    platform_id = platform_of(peers, "learner-ana")
    stamp = time.time_ns()
    old, named = f"old-boss-{stamp}", f"named-boss-{stamp}"
    for user_id in (old, named):
        peers.lms.people[user_id] = DemoPerson(user_id, user_id, f"{user_id}@example.org", [ROLE_LEARNER])
        full_launch(peers, user_id)
    learner = Launched(report, browser(), peers.tool_url)
    full_launch(peers, report, client=learner.client)
    # Provisioning already named the report's manager, so no nomination form: end it to nominate.
    off = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
           "Operations": [{"op": "remove", "path": f"{ENTERPRISE}:manager"}]}
    assert scim.patch(f"{peers.tool_url}/scim/v2/Users/{report_id}", json=off, timeout=10).status_code == 200
    assert current_sources(peers, report) == set()
    learner.post("/learner/nomination", {"manager_email": f"{named}@example.org"}, "/learner/")
    nominee = Launched(named, browser(), peers.tool_url)
    page = full_launch(peers, named, client=nominee.client).text
    nomination = re.search(r'action="/manager/nominations/(\d+)"', page).group(1)
    nominee.post(f"/manager/nominations/{nomination}", {"answer": "confirm"}, "/learner/")
    assert current_sources(peers, report) == {(named, "nomination")}

    assert import_relationships(peers.engine, None, platform_id,
                                f"learner_user_id,manager_user_id\n{report},{old}\n", time.time()).written
    assert current_sources(peers, report) == {(old, "import")}  # the file ended the nomination

    back = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": f"{ENTERPRISE}:manager", "value": boss_id}]}
    assert scim.patch(f"{peers.tool_url}/scim/v2/Users/{report_id}", json=back, timeout=10).status_code == 200
    assert current_sources(peers, report) == {(boss, "provisioning")}  # the HR system ended the import


def current_sources(peers, learner_sub: str) -> set[tuple[str, str]]:
    """(the manager's LMS user id, by their email; the source) of the learner's current links."""
    learner, manager = people.alias(), people.alias()
    with peers.engine.connect() as conn:
        return {(row[0].split("@")[0], row[1]) for row in conn.execute(
            select(manager.c.email, manager_links.c.source)
            .join(learner, learner.c.id == manager_links.c.learner_id)
            .join(manager, manager.c.id == manager_links.c.manager_id)
            .where(learner.c.sub == learner_sub, manager_links.c.ended_at.is_(None)))}
