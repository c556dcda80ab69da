"""An identity provider's org chart through a real SCIM client (scim2-client over HTTP):
1,000 users with managers, 50 moved to new managers, 20 deactivated — the current
relationships are then exactly the ones the identity provider describes."""
from __future__ import annotations

import random

import pytest
from scim2_models import EnterpriseUser, Manager, PatchOp, PatchOperation, SearchRequest, User
from sqlalchemy import select

from adapter.persistence.tables import manager_links, people

pytestmark = pytest.mark.slow
PEOPLE, MOVED, DEACTIVATED = 1000, 50, 20
UserModel = User[EnterpriseUser]


def current_pairs(scim_db, emails: set[str]) -> set[tuple[str, str]]:
    learner, manager = people.alias(), people.alias()
    with scim_db.connect() as conn:
        rows = conn.execute(select(learner.c.email, manager.c.email, manager_links.c.source)
                            .join(learner, learner.c.id == manager_links.c.learner_id)
                            .join(manager, manager.c.id == manager_links.c.manager_id)
                            .where(manager_links.c.ended_at.is_(None))).all()
    assert {row.source for row in rows if row[0] in emails} <= {"provisioning"}
    return {(row[0], row[1]) for row in rows if row[0] in emails}


def test_the_relationships_follow_the_identity_provider(scim_client, scim_db):
    chance = random.Random(16)
    emails = [f"employee-{i}@org-chart.example.org" for i in range(PEOPLE)]
    boss = {i: (i - 1) // 10 if i else None for i in range(PEOPLE)}  # ten reports each, top-down
    ids: dict[int, str] = {}
    before = scim_client.query(UserModel, query_parameters=SearchRequest(count=0)).total_results
    for i, email in enumerate(emails):  # a manager is always created before their reports
        user = UserModel(user_name=email, display_name=f"Employee {i}", active=True, external_id=f"hr-{i}")
        if boss[i] is not None:
            user[EnterpriseUser] = EnterpriseUser(manager=Manager(value=ids[boss[i]],
                                                                  ref=f"{scim_client.client.base_url}Users/{ids[boss[i]]}"))
        ids[i] = scim_client.create(user).id

    leaves = [i for i in range(PEOPLE) if i not in boss.values()]
    for i in chance.sample(leaves, MOVED):  # a leaf manages nobody: any other person can be their manager
        boss[i] = chance.choice([j for j in range(PEOPLE) if j != i and j != boss[i]])
        scim_client.modify(UserModel, ids[i], PatchOp[UserModel](operations=[PatchOperation[UserModel](
            op="replace", path=f"{EnterpriseUser.__schema__}:manager",
            value={"value": ids[boss[i]], "$ref": f"{scim_client.client.base_url}Users/{ids[boss[i]]}"})]))

    inactive = set(chance.sample(range(PEOPLE), DEACTIVATED))
    for n, i in enumerate(sorted(inactive)):
        if n % 2:  # half by PATCH, half by replacing the whole user
            scim_client.modify(UserModel, ids[i], PatchOp[UserModel](operations=[PatchOperation[UserModel](
                op="replace", path="active", value=False)]))
        else:
            user = scim_client.query(UserModel, ids[i])
            user.active = False
            scim_client.replace(user)

    expected = {(emails[i], emails[m]) for i, m in boss.items()
                if m is not None and i not in inactive and m not in inactive}
    assert current_pairs(scim_db, set(emails)) == expected
    found = scim_client.query(UserModel, query_parameters=SearchRequest(filter='externalId eq "hr-7"'))
    assert found.total_results == 1 and found.resources[0].user_name == emails[7]
    last = before + PEOPLE - 9  # the last ten users, as they were created
    page = scim_client.query(UserModel, query_parameters=SearchRequest(start_index=last, count=50))
    assert (page.total_results, page.start_index, len(page.resources)) == (before + PEOPLE, last, 10)
    assert [u.user_name for u in page.resources] == emails[-10:]
